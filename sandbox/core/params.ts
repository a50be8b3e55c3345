/**
 * A small schema checker for request parameters. It accepts both form-encoded strings
 * (Stripe) and JSON values (the other providers), coerces them to typed values, and
 * reports the first problem as a ParamError with the parameter's bracket path.
 * Error wording follows Stripe's; other providers map ParamError to their own shapes.
 */
import { renderPath } from "./form";

export type Schema =
  | { kind: "string"; enum?: readonly string[]; max?: number; url?: boolean }
  | { kind: "integer"; min?: number; max?: number }
  | { kind: "decimal" }
  | { kind: "boolean" }
  /** string → string map, Stripe's metadata rules (≤50 keys, key ≤40, value ≤500). */
  | { kind: "metadata" }
  | { kind: "object"; fields: Record<string, Schema>; required?: readonly string[] }
  | { kind: "array"; of: Schema; max?: number }
  /** Accepted and stored as given; the sandbox does not emulate its effect. */
  | { kind: "any" };

export type ParamErrorCode =
  | "parameter_unknown"
  | "parameter_missing"
  | "parameter_invalid_integer"
  | "parameter_invalid_string_blank"
  | "parameters_exclusive"
  | "url_invalid"
  | "string_length_exceeds_maximum"
  | undefined;

export class ParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code?: ParamErrorCode,
  ) {
    super(message);
  }
}

export const S = {
  str: (opts: { enum?: readonly string[]; max?: number; url?: boolean } = {}): Schema => ({ kind: "string", ...opts }),
  int: (opts: { min?: number; max?: number } = {}): Schema => ({ kind: "integer", ...opts }),
  dec: (): Schema => ({ kind: "decimal" }),
  bool: (): Schema => ({ kind: "boolean" }),
  meta: (): Schema => ({ kind: "metadata" }),
  obj: (fields: Record<string, Schema>, required: readonly string[] = []): Schema => ({ kind: "object", fields, required }),
  arr: (of: Schema, max?: number): Schema => ({ kind: "array", of, max }),
  any: (): Schema => ({ kind: "any" }),
};

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === "";
}

function listWords(values: readonly string[]): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Coerces `value` to `schema`. Empty strings mean "not given" (Stripe's convention for
 * unsetting), so they come back as undefined; required checks happen in the parent.
 */
export function coerce(value: unknown, schema: Schema, path: string[]): unknown {
  if (isEmpty(value)) return undefined;
  const p = renderPath(path);
  const name = path[path.length - 1] ?? p;
  switch (schema.kind) {
    case "any":
      return value;
    case "string": {
      if (typeof value !== "string" && typeof value !== "number") {
        throw new ParamError(`Invalid string: ${p} must be a string`, p);
      }
      const s = String(value);
      if (schema.enum && !schema.enum.includes(s)) {
        throw new ParamError(`Invalid ${name}: must be one of ${listWords(schema.enum)}`, p);
      }
      if (schema.max !== undefined && s.length > schema.max) {
        throw new ParamError(
          `Invalid string: ${s.slice(0, 20)}...; must be at most ${schema.max} characters`,
          p,
          "string_length_exceeds_maximum",
        );
      }
      if (schema.url) {
        let ok = false;
        try {
          const u = new URL(s.replace(/\{CHECKOUT_SESSION_ID\}/g, "x"));
          ok = u.protocol === "http:" || u.protocol === "https:";
        } catch {
          ok = false;
        }
        if (!ok) throw new ParamError("Not a valid URL", p, "url_invalid");
      }
      return s;
    }
    case "integer": {
      const s = typeof value === "number" ? String(value) : value;
      if (typeof s !== "string" || !/^-?\d+$/.test(s) || !Number.isSafeInteger(Number(s))) {
        throw new ParamError(`Invalid integer: ${String(value)}`, p, "parameter_invalid_integer");
      }
      const n = Number(s);
      if (schema.min !== undefined && n < schema.min) {
        throw new ParamError(`This value must be greater than or equal to ${schema.min}.`, p, "parameter_invalid_integer");
      }
      if (schema.max !== undefined && n > schema.max) {
        throw new ParamError(`This value must be less than or equal to ${schema.max}.`, p, "parameter_invalid_integer");
      }
      return n;
    }
    case "decimal": {
      const s = String(value);
      if (!/^-?\d+(\.\d+)?$/.test(s)) throw new ParamError(`Invalid decimal: ${s}`, p);
      return s;
    }
    case "boolean": {
      if (value === true || value === "true") return true;
      if (value === false || value === "false") return false;
      throw new ParamError(`Invalid boolean: ${String(value)}`, p);
    }
    case "metadata": {
      if (!isPlainObject(value)) throw new ParamError(`Invalid object`, p);
      const out: Record<string, string> = {};
      const keys = Object.keys(value);
      if (keys.length > 50) throw new ParamError("You can specify up to 50 keys in metadata.", p);
      for (const k of keys) {
        const v = value[k];
        if (k.length > 40) throw new ParamError(`Metadata keys can have up to 40 characters (${k}).`, `${p}[${k}]`);
        if (typeof v === "object" && v !== null) throw new ParamError(`Invalid value for metadata key ${k}: must be a string`, `${p}[${k}]`);
        if (v === "" || v === null || v === undefined) continue; // "" unsets a key
        const sv = String(v);
        if (sv.length > 500) throw new ParamError(`Metadata values can have up to 500 characters (${k}).`, `${p}[${k}]`);
        out[k] = sv;
      }
      return out;
    }
    case "array": {
      let items: unknown[];
      if (Array.isArray(value)) items = value;
      else if (isPlainObject(value)) {
        const keys = Object.keys(value);
        if (!keys.every((k) => /^\d+$/.test(k))) throw new ParamError(`Invalid array`, p);
        items = keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
      } else throw new ParamError(`Invalid array`, p);
      if (schema.max !== undefined && items.length > schema.max) {
        throw new ParamError(`Invalid array: ${p} may contain at most ${schema.max} items`, p);
      }
      return items.map((item, i) => {
        const c = coerce(item, schema.of, [...path, String(i)]);
        if (c === undefined) throw new ParamError(`Invalid array: empty item at ${p}[${i}]`, `${p}[${i}]`);
        return c;
      });
    }
    case "object": {
      if (!isPlainObject(value)) throw new ParamError(`Invalid object`, p);
      return coerceObject(value, schema.fields, schema.required ?? [], path);
    }
  }
}

/** Coerces a whole parameter object; unknown keys → parameter_unknown, missing → parameter_missing. */
export function coerceObject(
  value: Record<string, unknown>,
  fields: Record<string, Schema>,
  required: readonly string[],
  path: string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const schema = fields[key];
    if (!schema) {
      const p = renderPath([...path, key]);
      throw new ParamError(`Received unknown parameter: ${p}`, p, "parameter_unknown");
    }
    const c = coerce(value[key], schema, [...path, key]);
    if (c !== undefined) out[key] = c;
  }
  for (const key of required) {
    if (out[key] === undefined) {
      const p = renderPath([...path, key]);
      throw new ParamError(`Missing required param: ${p}.`, p, "parameter_missing");
    }
  }
  return out;
}
