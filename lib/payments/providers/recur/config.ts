import { ProviderConfigurationError } from "../../errors";

// Recur's configuration, read and validated here so the adapter is self-contained. Read on
// every call: cheap, and tests can change the environment. No `server-only` marker: it holds
// no secret itself, and the boot check (lib/payments/config.ts) imports it.
//   RECUR_SECRET_KEY      sk_test_… / sk_live_…  — API calls (a publishable pk_… key cannot set metadata)
//   RECUR_WEBHOOK_SECRET  whsec_…                — webhook signatures (X-Recur-Signature)
//   RECUR_API_URL         optional base URL override (the local sandbox), e.g. http://127.0.0.1:4013

type Env = Record<string, string | undefined>;

/** Recur serves test and live mode from one host; the key's prefix picks the mode. */
export const RECUR_API_BASE = "https://api.recur.tw";

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function recurSecretKey(env: Env = process.env): string {
  const key = value(env, "RECUR_SECRET_KEY");
  if (!key) {
    throw new ProviderConfigurationError(
      "RECUR_SECRET_KEY is not set: add your Recur secret key (sk_test_… or sk_live_…) to the environment.",
      "RECUR_SECRET_KEY",
    );
  }
  if (/^pk_/.test(key)) {
    throw new ProviderConfigurationError(
      "RECUR_SECRET_KEY holds a publishable key (pk_…): the server needs the secret key (sk_test_… or sk_live_…); only it may set checkout metadata, which carries our checkout id.",
      "RECUR_SECRET_KEY",
    );
  }
  if (!/^sk_(test|live)_\S+$/.test(key)) {
    throw new ProviderConfigurationError("RECUR_SECRET_KEY must be a Recur secret key (sk_test_… or sk_live_…).", "RECUR_SECRET_KEY");
  }
  return key;
}

export function recurWebhookSecret(env: Env = process.env): string {
  const secret = value(env, "RECUR_WEBHOOK_SECRET");
  if (!secret) {
    throw new ProviderConfigurationError(
      "RECUR_WEBHOOK_SECRET is not set: webhooks cannot be verified, so none is accepted. Add the endpoint's webhook secret (whsec_…) from the Recur dashboard.",
      "RECUR_WEBHOOK_SECRET",
    );
  }
  if (!secret.startsWith("whsec_")) {
    throw new ProviderConfigurationError("RECUR_WEBHOOK_SECRET must be a Recur webhook secret starting with whsec_.", "RECUR_WEBHOOK_SECRET");
  }
  return secret;
}

/** The RECUR_API_URL override (the local sandbox) as an origin, or null for api.recur.tw. */
export function recurApiOverride(env: Env = process.env, secretKey?: string): string | null {
  const raw = value(env, "RECUR_API_URL");
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigurationError(
      `RECUR_API_URL must be an absolute http(s) URL such as http://127.0.0.1:4013 (got "${raw}").`,
      "RECUR_API_URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigurationError("RECUR_API_URL must use http or https.", "RECUR_API_URL");
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new ProviderConfigurationError("RECUR_API_URL must be a base URL without a path (the adapter adds /v1/…).", "RECUR_API_URL");
  }
  // A live key is never sent anywhere but Recur.
  if (secretKey && secretKey.startsWith("sk_live_")) {
    throw new ProviderConfigurationError(
      "RECUR_API_URL is set together with a live RECUR_SECRET_KEY: unset RECUR_API_URL (it is for the local sandbox only).",
      "RECUR_API_URL",
    );
  }
  return url.origin;
}

/** Where API calls go: the override, else https://api.recur.tw (test or live by the key). */
export function recurApiBase(env: Env = process.env, secretKey?: string): string {
  return recurApiOverride(env, secretKey) ?? RECUR_API_BASE;
}

/** Boot check: throws ProviderConfigurationError naming the first bad variable. */
export function assertRecurConfigured(env: Env = process.env): void {
  recurWebhookSecret(env);
  recurApiOverride(env, recurSecretKey(env));
}
