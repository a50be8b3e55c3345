import "server-only";
import DodoPayments from "dodopayments";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { dodoApiKey, dodoApiTarget } from "./config";

const TIMEOUT_MS = 10_000;
// Dodo's API takes no idempotency key (the SDK sends none), so a retried create after a lost
// answer may leave one extra, never-shown session behind: harmless, and one retry is enough.
const MAX_RETRIES = 1;

// One SDK instance per (key, target); the environment is re-read on each call so a test (or a
// rotated key) takes effect without a restart.
const clients = new Map<string, DodoPayments>();

export function dodoClient(env: Record<string, string | undefined> = process.env): DodoPayments {
  const bearerToken = dodoApiKey(env);
  const target = dodoApiTarget(env);
  const cacheKey = `${bearerToken}|${target.baseURL ?? target.environment}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new DodoPayments({
      bearerToken,
      // Never both: the SDK throws on a baseURL together with an environment. An explicit
      // `baseURL: null` also stops it from reading DODO_PAYMENTS_BASE_URL behind our back.
      ...(target.baseURL !== null ? { baseURL: target.baseURL } : { baseURL: null, environment: target.environment }),
      webhookKey: null,
      timeout: TIMEOUT_MS,
      maxRetries: MAX_RETRIES,
      logLevel: "off",
    });
    clients.set(cacheKey, client);
  }
  return client;
}

function errorCode(error: InstanceType<typeof DodoPayments.APIError>): string | undefined {
  const body = error.error as { code?: unknown } | undefined;
  return typeof body?.code === "string" ? body.code : undefined;
}

function errorMessage(error: InstanceType<typeof DodoPayments.APIError>): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : error.message;
}

/** Translates an SDK error into the neutral errors; anything else passes through. */
export function translateDodoError(error: unknown, action: string): unknown {
  if (!(error instanceof DodoPayments.APIError)) return error;
  const status = error.status;
  if (error instanceof DodoPayments.APIConnectionError || status === undefined || status >= 500 || status === 429) {
    const what = error instanceof DodoPayments.APIConnectionTimeoutError ? "timed out" : `${status ?? "no answer"}: ${errorMessage(error)}`;
    return new ProviderUnavailableError(
      "dodo",
      `Dodo Payments is unreachable or failing while trying to ${action} (${what}). Try again in a moment; if it persists, check DODO_PAYMENTS_BASE_URL and Dodo's status page.`,
      { cause: error },
    );
  }
  const code = errorCode(error);
  const hint =
    status === 401
      ? " Check DODO_PAYMENTS_API_KEY (and DODO_PAYMENTS_ENVIRONMENT: test keys work only in test_mode, live keys only in live_mode)."
      : status === 403
        ? " The key lacks a permission this call needs."
        : "";
  return new ProviderRequestError(
    "dodo",
    `Dodo Payments rejected the request to ${action} (${status}${code ? ` ${code}` : ""}): ${errorMessage(error)}.${hint}`,
    status,
    code,
    { cause: error },
  );
}

export async function callDodo<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateDodoError(error, action);
  }
}
