import { ProviderConfigurationError } from "../../errors";

// Creem's configuration, read and validated here so the adapter is self-contained. Read on
// every call: cheap, and tests can change the environment. No `server-only` marker: it holds
// no secret itself, and the boot check (lib/payments/config.ts) imports it.
//   CREEM_API_KEY         creem_test_… (test mode) / creem_… (live)   — API calls, and the salt of redirect signatures
//   CREEM_WEBHOOK_SECRET  the endpoint's signing secret                 — key of `creem-signature` (or Standard Webhooks) signatures
//   CREEM_API_URL         optional base URL override (the local sandbox), e.g. http://127.0.0.1:4011

type Env = Record<string, string | undefined>;

/** Creem's two hosts (creem@1.13.0 `src/lib/config.ts` ServerList): the key decides which one. */
export const CREEM_LIVE_URL = "https://api.creem.io";
export const CREEM_TEST_URL = "https://test-api.creem.io";

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function isCreemTestKey(key: string): boolean {
  return key.startsWith("creem_test_");
}

export function creemApiKey(env: Env = process.env): string {
  const key = value(env, "CREEM_API_KEY");
  if (!key) {
    throw new ProviderConfigurationError(
      "CREEM_API_KEY is not set: add your Creem API key (creem_test_… for test mode, creem_… for live) to the environment.",
      "CREEM_API_KEY",
    );
  }
  if (!/^creem_[A-Za-z0-9_]+$/.test(key)) {
    throw new ProviderConfigurationError(
      "CREEM_API_KEY must be a Creem API key (creem_test_… or creem_…), from Developers → API keys in the Creem dashboard.",
      "CREEM_API_KEY",
    );
  }
  return key;
}

export function creemWebhookSecret(env: Env = process.env): string {
  const secret = value(env, "CREEM_WEBHOOK_SECRET");
  if (!secret) {
    throw new ProviderConfigurationError(
      "CREEM_WEBHOOK_SECRET is not set: webhooks cannot be verified, so none is accepted. Add the signing secret of your Creem webhook endpoint (Developers → Webhooks).",
      "CREEM_WEBHOOK_SECRET",
    );
  }
  if (/\s/.test(secret)) {
    throw new ProviderConfigurationError("CREEM_WEBHOOK_SECRET must not contain whitespace.", "CREEM_WEBHOOK_SECRET");
  }
  return secret;
}

/** The sandbox override (CREEM_API_URL), or null. */
export function creemApiOverride(env: Env = process.env, apiKey?: string): string | null {
  const raw = value(env, "CREEM_API_URL");
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigurationError(
      `CREEM_API_URL must be an absolute http(s) URL such as http://127.0.0.1:4011 (got "${raw}").`,
      "CREEM_API_URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigurationError("CREEM_API_URL must use http or https.", "CREEM_API_URL");
  }
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash) {
    throw new ProviderConfigurationError("CREEM_API_URL must be a base URL without a path (the SDK adds /v1/…).", "CREEM_API_URL");
  }
  // A live key is never sent anywhere but Creem.
  if (apiKey && !isCreemTestKey(apiKey)) {
    throw new ProviderConfigurationError(
      "CREEM_API_URL is set together with a live CREEM_API_KEY: unset CREEM_API_URL (it is for the local sandbox only).",
      "CREEM_API_URL",
    );
  }
  return url.origin;
}

/** Base URL the SDK talks to: the override, else test-api.creem.io for creem_test_ keys, else api.creem.io. */
export function creemServerUrl(env: Env = process.env, apiKey: string = creemApiKey(env)): string {
  return creemApiOverride(env, apiKey) ?? (isCreemTestKey(apiKey) ? CREEM_TEST_URL : CREEM_LIVE_URL);
}

/** Boot check: throws ProviderConfigurationError naming the first bad variable. */
export function assertCreemConfigured(env: Env = process.env): void {
  const key = creemApiKey(env);
  creemWebhookSecret(env);
  creemApiOverride(env, key);
}

/** The mode the configured key is in: creem_test_ → test, another creem_ key → live, none → null. */
export function creemDeploymentMode(env: Record<string, string | undefined> = process.env): "live" | "test" | null {
  const key = env.CREEM_API_KEY?.trim() ?? "";
  if (!key.startsWith("creem_")) return null;
  return isCreemTestKey(key) ? "test" : "live";
}
