import "server-only";
import { Creem, HTTPClient } from "creem";
import {
  ConnectionError,
  CreemError,
  InvalidRequestError,
  RequestAbortedError,
  RequestTimeoutError,
  ResponseValidationError,
  SDKValidationError,
  UnexpectedClientError,
} from "creem/models/errors";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { creemApiKey, creemServerUrl } from "./config";

const TIMEOUT_MS = 10_000;

type Env = Record<string, string | undefined>;

// One SDK instance per (key, base URL); the environment is re-read on each call so a test
// (or a rotated key) takes effect without a restart.
const clients = new Map<string, Creem>();

function build(apiKey: string, serverURL: string, httpClient?: HTTPClient): Creem {
  return new Creem({
    apiKey,
    serverURL,
    timeoutMs: TIMEOUT_MS,
    // No automatic retries: a checkout create has no idempotency key at Creem, so a retried
    // POST could open a second session. The caller (billing) retries with its own bookkeeping.
    retryConfig: { strategy: "none" },
    ...(httpClient ? { httpClient } : {}),
  });
}

/**
 * The official SDK, pointed at CREEM_API_URL (sandbox) or Creem's test/live host by key.
 * `extraCheckoutFields` are merged into the JSON body of `POST /v1/checkouts`: fields the seed
 * documents but creem@1.13.0's request schema does not know (its zod schema strips them), see
 * checkout.ts. Such a client is built for the one call, never cached.
 */
export function creemClient(options: { env?: Env; extraCheckoutFields?: Record<string, unknown> } = {}): Creem {
  const env = options.env ?? process.env;
  const apiKey = creemApiKey(env);
  const serverURL = creemServerUrl(env, apiKey);
  const extra = options.extraCheckoutFields;
  if (extra && Object.keys(extra).length > 0) {
    const httpClient = new HTTPClient();
    httpClient.addHook("beforeRequest", async (request) => {
      if (request.method !== "POST" || new URL(request.url).pathname !== "/v1/checkouts") return;
      const body = JSON.parse(await request.clone().text()) as Record<string, unknown>;
      return new Request(request, { body: JSON.stringify({ ...body, ...extra }) });
    });
    return build(apiKey, serverURL, httpClient);
  }
  const cacheKey = `${apiKey}|${serverURL}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = build(apiKey, serverURL);
    clients.set(cacheKey, client);
  }
  return client;
}

/** Creem's error body: `{trace_id, status, error, message?: string[] | string, timestamp}`. */
export function creemErrorDetail(body: string): { code: string | null; message: string | null } {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const code = typeof parsed.error === "string" ? parsed.error : null;
    const raw = parsed.message;
    const message = Array.isArray(raw) ? raw.filter((m) => typeof m === "string").join("; ") : typeof raw === "string" ? raw : null;
    return { code, message: message || null };
  } catch {
    return { code: null, message: body ? body.slice(0, 300) : null };
  }
}

/** Translates an SDK error into the neutral errors; anything else passes through. */
export function translateCreemError(error: unknown, action: string): unknown {
  if (
    error instanceof ConnectionError ||
    error instanceof RequestTimeoutError ||
    error instanceof RequestAbortedError ||
    error instanceof UnexpectedClientError
  ) {
    return new ProviderUnavailableError(
      "creem",
      `Creem is unreachable while trying to ${action} (${error.name}: ${error.message}). Try again in a moment; if it persists, check CREEM_API_URL and Creem's status page.`,
      { cause: error },
    );
  }
  if (error instanceof ResponseValidationError) {
    return new ProviderRequestError("creem", `Creem answered the request to ${action} with a body the SDK cannot read: ${error.message}`, error.statusCode, undefined, {
      cause: error,
    });
  }
  if (error instanceof SDKValidationError || error instanceof InvalidRequestError) {
    return new ProviderRequestError("creem", `The request to ${action} is invalid before it was sent: ${error.message}`, undefined, undefined, { cause: error });
  }
  if (error instanceof CreemError) {
    const status = error.statusCode;
    const detail = creemErrorDetail(error.body);
    const text = detail.message ?? detail.code ?? error.message;
    if (status >= 500 || status === 429) {
      return new ProviderUnavailableError(
        "creem",
        `Creem is failing while trying to ${action} (${status}: ${text}). Try again in a moment; if it persists, check Creem's status page.`,
        { cause: error },
      );
    }
    const hint =
      status === 401 || status === 403
        ? " Check CREEM_API_KEY: test keys (creem_test_…) work only against test-api.creem.io, live keys only against api.creem.io."
        : status === 404
          ? " Check the Creem product/customer/discount ids (PriceExternalId / CREEM_PRODUCT_IDS)."
          : "";
    return new ProviderRequestError("creem", `Creem rejected the request to ${action} (${status} ${detail.code ?? ""}): ${text}.${hint}`, status, detail.code ?? undefined, {
      cause: error,
    });
  }
  return error;
}

export async function callCreem<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateCreemError(error, action);
  }
}
