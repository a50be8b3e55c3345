import "server-only";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { recurApiBase, recurSecretKey } from "./config";

// A small typed client for Recur's REST API: there is no usable server SDK on the registry
// (recur-tw 0.11.0 has no checkout sessions). JSON in and out, `Authorization: Bearer sk_…`,
// a 10 s timeout, no automatic retries (a retried create could open a second session, and
// Recur documents no idempotency key). Errors come back as `{ "error": { "code", "message" } }`
// (seed 003: resource_not_found, invalid_request, unauthorized).

export const RECUR_TIMEOUT_MS = 10_000;

export type RecurJson = Record<string, unknown>;

type Env = Record<string, string | undefined>;

export interface RecurRequest {
  method: "GET" | "POST";
  /** Path under the base URL, e.g. "/v1/checkout/sessions". */
  path: string;
  body?: RecurJson;
  /** What we were doing, for error messages ("create a checkout session"). */
  action: string;
  timeoutMs?: number;
}

function errorOf(body: unknown): { code: string | undefined; message: string | undefined } {
  if (typeof body !== "object" || body === null) return { code: undefined, message: undefined };
  const error = (body as RecurJson).error;
  if (typeof error === "string") return { code: undefined, message: error };
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as RecurJson;
    return { code: typeof code === "string" ? code : undefined, message: typeof message === "string" ? message : undefined };
  }
  const message = (body as RecurJson).message;
  return { code: undefined, message: typeof message === "string" ? message : undefined };
}

/** One API call. 2xx → the parsed JSON object; network/timeout/429/5xx → ProviderUnavailableError; other 4xx → ProviderRequestError. */
export async function recurRequest<T extends RecurJson = RecurJson>(request: RecurRequest, env: Env = process.env): Promise<T> {
  const key = recurSecretKey(env);
  const url = `${recurApiBase(env, key)}${request.path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: {
        Authorization: `Bearer ${key}`,
        Accept: "application/json",
        ...(request.body ? { "Content-Type": "application/json" } : {}),
      },
      body: request.body ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(request.timeoutMs ?? RECUR_TIMEOUT_MS),
      cache: "no-store",
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const reason = timedOut ? `no answer within ${request.timeoutMs ?? RECUR_TIMEOUT_MS} ms` : error instanceof Error ? error.message : String(error);
    throw new ProviderUnavailableError(
      "recur",
      `Recur is unreachable while trying to ${request.action} (${reason}). Try again in a moment; if it persists, check RECUR_API_URL and Recur's status.`,
      { cause: error },
    );
  }

  const text = await response.text().catch(() => "");
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }

  if (response.status === 429 || response.status >= 500) {
    const { code, message } = errorOf(body);
    throw new ProviderUnavailableError(
      "recur",
      `Recur is failing while trying to ${request.action} (${response.status}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}). Try again in a moment.`,
    );
  }
  if (!response.ok) {
    const { code, message } = errorOf(body);
    const hint = response.status === 401 || code === "unauthorized" ? " Check RECUR_SECRET_KEY." : "";
    throw new ProviderRequestError(
      "recur",
      `Recur rejected the request to ${request.action} (${response.status} ${code ?? "error"}): ${message ?? (text.slice(0, 200) || "no details")}.${hint}`,
      response.status,
      code,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ProviderUnavailableError("recur", `Recur answered the request to ${request.action} with an unreadable body (status ${response.status}). Try again in a moment.`);
  }
  return body as T;
}
