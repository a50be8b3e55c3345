import "server-only";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { faststarApiBase, faststarApiKey } from "./config";

// FastStar has no npm SDK: a small typed fetch client. Every endpoint lives under
// {base}/api/v1, authenticates with `X-API-Key`, speaks JSON, and wraps EVERY answer —
// errors too — in `{ success, message, data }` (faststarpay.com/docs/api). The client unwraps
// the envelope: `data` on success, a typed error otherwise.

export const FASTSTAR_TIMEOUT_MS = 10_000;

export type Json = Record<string, unknown>;

export interface FaststarRequest {
  method: "GET" | "POST";
  /** Path under /api/v1, e.g. "/public/checkout/sessions". */
  path: string;
  body?: Json;
  /** Sent as `Idempotency-Key` (FastStar's support for it is **unconfirmed**; harmless if ignored). */
  idempotencyKey?: string;
  /** What we were doing, for error messages ("create a checkout session"). */
  action: string;
  timeoutMs?: number;
}

interface Envelope {
  success?: unknown;
  message?: unknown;
  data?: unknown;
  code?: unknown;
  error_code?: unknown;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Calls the FastStar API and returns the envelope's `data`. */
export async function faststarRequest<T = Json>(request: FaststarRequest, env: Record<string, string | undefined> = process.env): Promise<T> {
  const key = faststarApiKey(env);
  const base = faststarApiBase(env, key);
  const url = `${base}/api/v1${request.path}`;
  const headers: Record<string, string> = {
    "X-API-Key": key,
    Accept: "application/json",
    "User-Agent": "checkout-starter (faststar adapter)",
  };
  if (request.body !== undefined) headers["Content-Type"] = "application/json";
  if (request.idempotencyKey) headers["Idempotency-Key"] = request.idempotencyKey;

  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(request.timeoutMs ?? FASTSTAR_TIMEOUT_MS),
      cache: "no-store",
      redirect: "error",
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const reason = timedOut ? `no answer within ${request.timeoutMs ?? FASTSTAR_TIMEOUT_MS} ms` : describe(error);
    throw new ProviderUnavailableError(
      "faststar",
      `FastStar is unreachable while trying to ${request.action} (${reason}). Try again in a moment; if it persists, check FASTSTAR_API_URL and FastStar's status.`,
      { cause: error },
    );
  }

  const text = await response.text().catch(() => "");
  let envelope: Envelope | null = null;
  try {
    const parsed: unknown = text ? JSON.parse(text) : null;
    envelope = isObject(parsed) ? parsed : null;
  } catch {
    envelope = null;
  }
  const message = envelope && typeof envelope.message === "string" && envelope.message ? envelope.message : null;
  const code = envelope ? (str(envelope.code) ?? str(envelope.error_code)) : null;

  if (response.status === 429 || response.status >= 500) {
    throw new ProviderUnavailableError(
      "faststar",
      `FastStar is failing while trying to ${request.action} (${response.status}${message ? `: ${message}` : ""}). Try again in a moment.`,
    );
  }
  if (response.status >= 400) {
    const hint = response.status === 401 || response.status === 403 ? " Check FASTSTAR_API_KEY." : "";
    throw new ProviderRequestError(
      "faststar",
      `FastStar rejected the request to ${request.action} (${response.status}${code ? ` ${code}` : ""}): ${message ?? "no message"}.${hint}`,
      response.status,
      code ?? undefined,
    );
  }
  if (!envelope) {
    throw new ProviderRequestError("faststar", `FastStar answered ${response.status} to ${request.action} with a body that is not its JSON envelope.`, response.status);
  }
  // A 2xx whose envelope says success:false is still a refusal.
  if (envelope.success !== true) {
    throw new ProviderRequestError(
      "faststar",
      `FastStar refused to ${request.action}: ${message ?? "success is not true"}.`,
      response.status,
      code ?? undefined,
    );
  }
  if (!isObject(envelope.data)) {
    throw new ProviderRequestError("faststar", `FastStar answered ${request.action} without a data object.`, response.status);
  }
  return envelope.data as T;
}

function str(value: unknown): string | null {
  return typeof value === "string" && value ? value : typeof value === "number" ? String(value) : null;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : "";
  return detail && detail !== error.message ? `${error.message}: ${detail}` : error.message;
}
