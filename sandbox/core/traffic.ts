/**
 * API traffic, generic for every provider: the log of API requests the sandbox received
 * (`GET /_sandbox/<p>/requests`) and fault injection (`POST /_sandbox/<p>/faults`), which
 * makes the next N matching API requests answer with an error status in the provider's own
 * error shape and/or wait before being answered (timeouts).
 *
 * Only API requests count (the provider module says which paths those are); hosted pages
 * and the control API are never faulted or logged here.
 */
import type { IncomingHttpHeaders } from "node:http";
import { FormParseError, parseForm } from "./form";
import { HttpError } from "./http";

/** The longest delay a fault may ask for (10 minutes). */
export const MAX_FAULT_DELAY_MS = 600_000;
/** How many requests the log keeps (oldest dropped first). */
export const MAX_LOGGED_REQUESTS = 2_000;

export interface FaultSpec {
  /** Answer with this status (400–599) instead of handling the request. */
  status?: number;
  /** Response body; default the provider's error shape with a message naming the fault. */
  body?: Record<string, unknown>;
  /** Extra response headers (e.g. `Stripe-Should-Retry`, `Retry-After`). */
  headers?: Record<string, string>;
  /** Wait this long first. Without `status` the request is then handled normally. */
  delayMs?: number;
  /** How many matching requests this fault applies to. Default 1. */
  count?: number;
  /** Path filter: "^…" is a regular expression, anything else a prefix. One or several. */
  paths?: string | string[];
  /** Method filter, e.g. ["POST"]. */
  methods?: string | string[];
}

export interface Fault {
  id: number;
  status: number | null;
  body: Record<string, unknown> | null;
  headers: Record<string, string>;
  delayMs: number;
  /** Requests still to be hit. */
  remaining: number;
  /** Requests hit so far. */
  hits: number;
  paths: string[] | null;
  methods: string[] | null;
}

export interface LoggedRequest {
  /** Sequence number, increasing; `?since=<seq>` lists only later ones. */
  seq: number;
  /** Wall-clock receive time (ISO). */
  at: string;
  method: string;
  path: string;
  /** Parsed query string (bracket notation → nested objects; `[0]…[n]` read as arrays). */
  query: Record<string, unknown>;
  /** Lower-cased request headers as received (incl. idempotency-key, authorization). */
  headers: IncomingHttpHeaders;
  /** Parsed body: JSON for application/json, bracket form otherwise (as `query`); null when empty. */
  body: unknown;
  rawBody: string;
  /** The answered status; null while still in flight (or when the client left first). */
  status: number | null;
  /** Id of the fault that hit this request, if any. */
  faultId: number | null;
  durationMs: number | null;
}

interface MatchablePath {
  regex: RegExp | null;
  prefix: string | null;
}

function toList(value: unknown, name: string): string[] | null {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== "string" || v === "")) throw new HttpError(400, { error: `${name} must be a non-empty string or array of strings` });
  return list as string[];
}

function pathMatcher(spec: string): MatchablePath {
  if (!spec.startsWith("^")) return { regex: null, prefix: spec };
  try {
    return { regex: new RegExp(spec), prefix: null };
  } catch (err) {
    throw new HttpError(400, { error: `paths: invalid regular expression ${spec}: ${err instanceof Error ? err.message : String(err)}` });
  }
}

function pathMatches(patterns: string[] | null, path: string): boolean {
  if (!patterns) return true;
  return patterns.some((p) => {
    const m = pathMatcher(p);
    return m.regex ? m.regex.test(path) : path.startsWith(m.prefix!);
  });
}

/** `{ "0": a, "1": b }` → `[a, b]`, recursively: how a form's bracket indices read as lists. */
function listsAsArrays(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  const converted = Object.fromEntries(keys.map((k) => [k, listsAsArrays(obj[k])]));
  if (keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => converted[k]);
  return converted;
}

function parseParams(text: string, contentType: string | undefined): unknown {
  if (!text) return null;
  if (contentType?.includes("json")) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  try {
    return listsAsArrays(parseForm(text));
  } catch (err) {
    if (err instanceof FormParseError) return text;
    throw err;
  }
}

/** Validates a control-API fault body. */
export function parseFaultSpec(body: Record<string, unknown>): FaultSpec {
  const allowed = ["status", "body", "headers", "delayMs", "count", "paths", "methods"];
  for (const k of Object.keys(body)) if (!allowed.includes(k)) throw new HttpError(400, { error: `unknown fault field "${k}"; allowed: ${allowed.join(", ")}` });
  const spec: FaultSpec = {};
  if (body.status !== undefined) {
    const s = Number(body.status);
    if (!Number.isInteger(s) || s < 400 || s > 599) throw new HttpError(400, { error: "status must be an integer from 400 to 599" });
    spec.status = s;
  }
  if (body.delayMs !== undefined) {
    const d = Number(body.delayMs);
    if (!Number.isFinite(d) || d < 0 || d > MAX_FAULT_DELAY_MS) throw new HttpError(400, { error: `delayMs must be 0…${MAX_FAULT_DELAY_MS}` });
    spec.delayMs = d;
  }
  if (spec.status === undefined && !spec.delayMs) throw new HttpError(400, { error: "give status and/or delayMs" });
  if (body.body !== undefined) {
    if (spec.status === undefined) throw new HttpError(400, { error: "body needs a status" });
    if (typeof body.body !== "object" || body.body === null || Array.isArray(body.body)) throw new HttpError(400, { error: "body must be a JSON object" });
    spec.body = body.body as Record<string, unknown>;
  }
  if (body.headers !== undefined) {
    if (typeof body.headers !== "object" || body.headers === null || Array.isArray(body.headers) || Object.values(body.headers).some((v) => typeof v !== "string")) {
      throw new HttpError(400, { error: "headers must be an object of strings" });
    }
    spec.headers = body.headers as Record<string, string>;
  }
  if (body.count !== undefined) {
    const c = Number(body.count);
    if (!Number.isInteger(c) || c < 1) throw new HttpError(400, { error: "count must be a positive integer" });
    spec.count = c;
  }
  const paths = toList(body.paths, "paths");
  if (paths) {
    for (const p of paths) pathMatcher(p); // validates regexes
    spec.paths = paths;
  }
  const methods = toList(body.methods, "methods");
  if (methods) spec.methods = methods.map((m) => m.toUpperCase());
  return spec;
}

export class ApiTraffic {
  private faults: Fault[] = [];
  private log: LoggedRequest[] = [];
  private nextFaultId = 1;
  private seq = 0;
  private pending = new Set<() => void>();

  addFault(spec: FaultSpec): Fault {
    const fault: Fault = {
      id: this.nextFaultId++,
      status: spec.status ?? null,
      body: spec.body ?? null,
      headers: spec.headers ?? {},
      delayMs: spec.delayMs ?? 0,
      remaining: spec.count ?? 1,
      hits: 0,
      paths: spec.paths === undefined ? null : Array.isArray(spec.paths) ? spec.paths : [spec.paths],
      methods: spec.methods === undefined ? null : (Array.isArray(spec.methods) ? spec.methods : [spec.methods]).map((m) => m.toUpperCase()),
    };
    this.faults.push(fault);
    return { ...fault };
  }

  listFaults(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  clearFaults(): number {
    const n = this.faults.length;
    this.faults = [];
    return n;
  }

  /** Takes one use of the first fault matching this request, if any. */
  take(method: string, path: string): Fault | null {
    const fault = this.faults.find((f) => (!f.methods || f.methods.includes(method)) && pathMatches(f.paths, path));
    if (!fault) return null;
    fault.remaining -= 1;
    fault.hits += 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return { ...fault };
  }

  record(input: { method: string; path: string; search: string; headers: IncomingHttpHeaders; rawBody: string }): LoggedRequest {
    this.seq += 1;
    const entry: LoggedRequest = {
      seq: this.seq,
      at: new Date().toISOString(),
      method: input.method,
      path: input.path,
      query: (parseParams(input.search, undefined) as Record<string, unknown> | null) ?? {},
      headers: { ...input.headers },
      body: parseParams(input.rawBody, input.headers["content-type"]),
      rawBody: input.rawBody,
      status: null,
      faultId: null,
      durationMs: null,
    };
    this.log.push(entry);
    if (this.log.length > MAX_LOGGED_REQUESTS) this.log.splice(0, this.log.length - MAX_LOGGED_REQUESTS);
    return entry;
  }

  requests(filter: { method?: string; path?: string; since?: number } = {}): LoggedRequest[] {
    const paths = filter.path ? [filter.path] : null;
    return this.log
      .filter((r) => (!filter.method || r.method === filter.method.toUpperCase()) && pathMatches(paths, r.path) && (filter.since === undefined || r.seq > filter.since))
      .map((r) => structuredClone(r));
  }

  clearRequests(): number {
    const n = this.log.length;
    this.log = [];
    return n;
  }

  /** Waits `ms`; resolves false when the sandbox stopped meanwhile. */
  delay(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        this.pending.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.pending.delete(cancel);
        resolve(true);
      }, ms);
      this.pending.add(cancel);
    });
  }

  /** Forgets faults and the log (sandbox / provider reset). Requests already waiting keep waiting. */
  reset(): void {
    this.clearFaults();
    this.clearRequests();
  }

  /** Sandbox stop: requests still waiting on a delay are dropped. */
  close(): void {
    for (const cancel of [...this.pending]) cancel();
  }
}
