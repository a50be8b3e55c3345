import { Webhook } from "standardwebhooks";
import { ProviderConfigurationError } from "../../errors";
import { dodoCheckoutOptionsSchema, type DodoCheckoutOptions } from "./options";

// Dodo Payments' configuration, read and validated here so the adapter is self-contained.
// Read on every call: cheap, and tests can change the environment. No `server-only` marker:
// it holds no secret itself, and the boot check (lib/payments/config.ts) imports it.
//   DODO_PAYMENTS_API_KEY           the API key (Bearer)                                 — API calls
//   DODO_PAYMENTS_WEBHOOK_KEY       whsec_<base64> (Standard Webhooks secret)            — webhook signatures
//   DODO_PAYMENTS_BASE_URL          optional base URL override (the SDK's own variable; the local sandbox)
//   DODO_PAYMENTS_ENVIRONMENT       test_mode (default) | live_mode — used when no base URL is set:
//                                   Dodo keys do not say whether they are test or live keys
//   DODO_PAYMENTS_CHECKOUT_OPTIONS  optional JSON: the app's default DodoCheckoutOptions
//                                   (e.g. {"customization":{"theme":"dark"},"allowedPaymentMethodTypes":["credit","debit","apple_pay"]})

type Env = Record<string, string | undefined>;

export type DodoEnvironment = "test_mode" | "live_mode";

/** Where the SDK sends requests: an explicit base URL (override), or Dodo's host for the environment. */
export type DodoApiTarget =
  | { baseURL: string; environment: null; sandbox: boolean }
  | { baseURL: null; environment: DodoEnvironment; sandbox: false };

/** Dodo's own API hosts (live.dodopayments.com / test.dodopayments.com). */
const DODO_HOST = /(^|\.)dodopayments\.com$/i;

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function dodoApiKey(env: Env = process.env): string {
  const key = value(env, "DODO_PAYMENTS_API_KEY");
  if (!key) {
    throw new ProviderConfigurationError(
      "DODO_PAYMENTS_API_KEY is not set: add your Dodo Payments API key (Dashboard → Developer → API Keys) to the environment.",
      "DODO_PAYMENTS_API_KEY",
    );
  }
  if (/\s/.test(key)) {
    throw new ProviderConfigurationError("DODO_PAYMENTS_API_KEY must not contain whitespace.", "DODO_PAYMENTS_API_KEY");
  }
  return key;
}

export function dodoWebhookKey(env: Env = process.env): string {
  const secret = value(env, "DODO_PAYMENTS_WEBHOOK_KEY");
  if (!secret) {
    throw new ProviderConfigurationError(
      "DODO_PAYMENTS_WEBHOOK_KEY is not set: webhooks cannot be verified, so none is accepted. Add the endpoint's signing secret (whsec_…).",
      "DODO_PAYMENTS_WEBHOOK_KEY",
    );
  }
  if (!secret.startsWith("whsec_")) {
    throw new ProviderConfigurationError(
      "DODO_PAYMENTS_WEBHOOK_KEY must be the webhook signing secret starting with whsec_.",
      "DODO_PAYMENTS_WEBHOOK_KEY",
    );
  }
  try {
    new Webhook(secret); // base64 after whsec_, non-empty: exactly what verification will need
  } catch {
    throw new ProviderConfigurationError(
      "DODO_PAYMENTS_WEBHOOK_KEY must be whsec_ followed by base64 (copy it unchanged from the dashboard).",
      "DODO_PAYMENTS_WEBHOOK_KEY",
    );
  }
  return secret;
}

export function dodoEnvironment(env: Env = process.env): DodoEnvironment {
  const raw = value(env, "DODO_PAYMENTS_ENVIRONMENT") ?? "test_mode";
  if (raw !== "test_mode" && raw !== "live_mode") {
    throw new ProviderConfigurationError(
      `DODO_PAYMENTS_ENVIRONMENT must be test_mode or live_mode (got "${raw}").`,
      "DODO_PAYMENTS_ENVIRONMENT",
    );
  }
  return raw;
}

/**
 * DODO_PAYMENTS_BASE_URL when set (never together with an environment: the SDK refuses both),
 * else Dodo's host for DODO_PAYMENTS_ENVIRONMENT. `sandbox` is true when the override points
 * somewhere other than Dodo's own hosts (the local payments sandbox).
 */
export function dodoApiTarget(env: Env = process.env): DodoApiTarget {
  const raw = value(env, "DODO_PAYMENTS_BASE_URL");
  if (!raw) return { baseURL: null, environment: dodoEnvironment(env), sandbox: false };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigurationError(
      `DODO_PAYMENTS_BASE_URL must be an absolute http(s) URL such as http://127.0.0.1:4012 (got "${raw}").`,
      "DODO_PAYMENTS_BASE_URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigurationError("DODO_PAYMENTS_BASE_URL must use http or https.", "DODO_PAYMENTS_BASE_URL");
  }
  if (url.search || url.hash) {
    throw new ProviderConfigurationError("DODO_PAYMENTS_BASE_URL must not carry a query or fragment.", "DODO_PAYMENTS_BASE_URL");
  }
  const sandbox = !DODO_HOST.test(url.hostname);
  // A live deployment never sends its key anywhere but Dodo.
  if (sandbox && value(env, "DODO_PAYMENTS_ENVIRONMENT") === "live_mode") {
    throw new ProviderConfigurationError(
      "DODO_PAYMENTS_BASE_URL points away from Dodo while DODO_PAYMENTS_ENVIRONMENT=live_mode: unset DODO_PAYMENTS_BASE_URL (it is for the local sandbox only).",
      "DODO_PAYMENTS_BASE_URL",
    );
  }
  return { baseURL: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, environment: null, sandbox };
}

/** The app's default Dodo checkout options (DODO_PAYMENTS_CHECKOUT_OPTIONS, JSON); {} when unset. */
export function dodoCheckoutDefaults(env: Env = process.env): DodoCheckoutOptions {
  const raw = value(env, "DODO_PAYMENTS_CHECKOUT_OPTIONS");
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ProviderConfigurationError(
      'DODO_PAYMENTS_CHECKOUT_OPTIONS must be JSON such as {"customization":{"theme":"dark"}}.',
      "DODO_PAYMENTS_CHECKOUT_OPTIONS",
    );
  }
  const parsed = dodoCheckoutOptionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProviderConfigurationError(
      `DODO_PAYMENTS_CHECKOUT_OPTIONS: ${issue.path.join(".") || "value"}: ${issue.message}`,
      "DODO_PAYMENTS_CHECKOUT_OPTIONS",
    );
  }
  return parsed.data;
}

/** Boot check: throws ProviderConfigurationError naming the first bad variable. */
export function assertDodoConfigured(env: Env = process.env): void {
  dodoApiKey(env);
  dodoWebhookKey(env);
  dodoApiTarget(env);
  dodoCheckoutDefaults(env);
}
