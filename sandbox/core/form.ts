/**
 * Parser for `application/x-www-form-urlencoded` bodies and query strings with bracket
 * notation, as sent by Stripe's SDKs: `line_items[0][price_data][unit_amount]=2000`,
 * `metadata[order]=42`, `expand[]=line_items`.
 *
 * The result is a tree of plain objects and strings. Arrays are NOT decided here: a
 * numeric-keyed object (`{ "0": …, "1": … }`) becomes an array only where a schema says
 * the parameter is an array (see params.ts). That keeps `metadata[0]=x` a map entry.
 */

export type FormValue = string | FormTree;
export interface FormTree {
  [key: string]: FormValue;
}

export class FormParseError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    throw new FormParseError(`Invalid URL encoding: ${part.slice(0, 40)}`, part);
  }
}

/** Splits `a[b][0][]` into ["a", "b", "0", ""]. A malformed key is kept whole. */
export function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0) return [key];
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^[\]]*)\]/g;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m.index !== consumed) return [key];
    segments.push(m[1]);
    consumed = re.lastIndex;
  }
  if (consumed !== rest.length) return [key];
  return segments;
}

export function renderPath(segments: readonly string[]): string {
  return segments.length === 0 ? "" : segments[0] + segments.slice(1).map((s) => `[${s}]`).join("");
}

const FORBIDDEN = new Set(["__proto__", "prototype", "constructor"]);

export function parseForm(body: string): FormTree {
  const root: FormTree = Object.create(null) as FormTree;
  if (!body) return root;
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? "" : decode(pair.slice(eq + 1));
    if (!rawKey) continue;
    const segments = splitKey(rawKey);
    let node: FormTree = root;
    for (let i = 0; i < segments.length; i++) {
      let seg = segments[i];
      if (FORBIDDEN.has(seg)) throw new FormParseError(`Invalid parameter name: ${rawKey}`, rawKey);
      if (seg === "") seg = String(Object.keys(node).length); // `a[]=x` appends
      const last = i === segments.length - 1;
      const path = renderPath(segments.slice(0, i + 1));
      if (last) {
        if (typeof node[seg] === "object") {
          throw new FormParseError(`Invalid value for ${path}: expected a hash`, path);
        }
        node[seg] = value;
      } else {
        const existing = node[seg];
        if (existing === undefined) {
          const child = Object.create(null) as FormTree;
          node[seg] = child;
          node = child;
        } else if (typeof existing === "string") {
          throw new FormParseError(`Invalid hash: ${path} was given both a value and nested keys`, path);
        } else {
          node = existing;
        }
      }
    }
  }
  return root;
}

/** Encodes a nested object the way stripe-node does (for tests and tooling). */
export function encodeForm(data: Record<string, unknown>): string {
  const pairs: string[] = [];
  const enc = (s: string) => encodeURIComponent(s).replace(/%5B/g, "[").replace(/%5D/g, "]");
  const walk = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== "object") {
      pairs.push(`${enc(key)}=${enc(value === null ? "" : String(value))}`);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => walk(`${key}[${i}]`, v));
    } else {
      for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    }
  };
  for (const [k, v] of Object.entries(data)) walk(k, v);
  return pairs.join("&");
}

/** Stable JSON (sorted keys) used to compare request parameters for idempotency. */
export function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(",")}}`;
}
