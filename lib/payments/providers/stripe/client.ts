import "server-only";
import Stripe from "stripe";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { stripeApiTarget, stripeSecretKey } from "./config";

const TIMEOUT_MS = 10_000;
const MAX_NETWORK_RETRIES = 1;

// One SDK instance per (key, base URL); the environment is re-read on each call so a test
// (or a rotated key) takes effect without a restart.
const clients = new Map<string, Stripe>();

export function stripeClient(env: Record<string, string | undefined> = process.env): Stripe {
  const key = stripeSecretKey(env);
  const target = stripeApiTarget(env, key);
  const cacheKey = `${key}|${target ? `${target.protocol}://${target.host}:${target.port}` : "stripe"}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new Stripe(key, {
      ...(target ?? {}),
      timeout: TIMEOUT_MS,
      maxNetworkRetries: MAX_NETWORK_RETRIES,
      telemetry: false,
      appInfo: { name: "checkout-starter" },
    });
    clients.set(cacheKey, client);
  }
  return client;
}

/** Translates an SDK error into the neutral errors; anything else passes through. */
export function translateStripeError(error: unknown, action: string): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const status = error.statusCode;
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    status === undefined ||
    status >= 500 ||
    status === 429
  ) {
    return new ProviderUnavailableError(
      "stripe",
      `Stripe is unreachable or failing while trying to ${action} (${status ?? error.type}: ${error.message}). Try again in a moment; if it persists, check STRIPE_API_URL and Stripe's status page.`,
      { cause: error },
    );
  }
  const hint =
    error instanceof Stripe.errors.StripeAuthenticationError || status === 401
      ? " Check STRIPE_SECRET_KEY."
      : error instanceof Stripe.errors.StripePermissionError || status === 403
        ? " The key lacks a permission this call needs."
        : "";
  return new ProviderRequestError(
    "stripe",
    `Stripe rejected the request to ${action} (${status} ${error.code ?? error.type}): ${error.message}.${hint}`,
    status,
    error.code,
    { cause: error },
  );
}

export async function callStripe<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw translateStripeError(error, action);
  }
}
