import { ProviderConfigurationError } from "../../errors";

// FastStar's configuration, read and validated here so the adapter is self-contained. Read on
// every call: cheap, and tests can change the environment. No `server-only` marker: it holds
// no secret itself, and the boot check (lib/payments/config.ts) imports it.
//   FASTSTAR_API_KEY         merchant API key, sent as X-API-Key               — API calls
//   FASTSTAR_WEBHOOK_SECRET  the signing secret set in the merchant dashboard  — webhook signatures
//   FASTSTAR_API_URL         optional base URL override (the local sandbox), e.g. http://127.0.0.1:4014
//   FASTSTAR_MERCHANT_MODE   mor (default) | direct — Merchant of Record merchants must reference
//                            catalog ids in every line item; only Direct/PSP merchants may send
//                            ad hoc amounts (faststarpay.com/docs/checkout-sessions, "MoR rule").

type Env = Record<string, string | undefined>;

export type FaststarMerchantMode = "mor" | "direct";

/** The real API (faststarpay.com/docs/api): every endpoint lives under {base}/api/v1. */
export const FASTSTAR_DEFAULT_API_URL = "https://api.faststarpay.com";

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/**
 * FastStar's docs show neither a key format nor separate test/live hosts, so any key is
 * accepted; only a key that says it is live (`…_live_…`, the convention of the publishable
 * `pk_live_…` keys FastStar documents) is refused next to FASTSTAR_API_URL. **unconfirmed**
 */
const LIVE_KEY = /(^|_)live_/;

export function faststarApiKey(env: Env = process.env): string {
  const key = value(env, "FASTSTAR_API_KEY");
  if (!key) {
    throw new ProviderConfigurationError(
      "FASTSTAR_API_KEY is not set: add the API key from the FastStar merchant dashboard (it is sent as X-API-Key).",
      "FASTSTAR_API_KEY",
    );
  }
  if (/\s/.test(key)) {
    throw new ProviderConfigurationError("FASTSTAR_API_KEY must be a single token without spaces.", "FASTSTAR_API_KEY");
  }
  if (/^pk_/.test(key)) {
    throw new ProviderConfigurationError(
      "FASTSTAR_API_KEY looks like a publishable key (pk_…); the server needs the secret API key from the merchant dashboard.",
      "FASTSTAR_API_KEY",
    );
  }
  return key;
}

export function faststarWebhookSecret(env: Env = process.env): string {
  const secret = value(env, "FASTSTAR_WEBHOOK_SECRET");
  if (!secret) {
    throw new ProviderConfigurationError(
      "FASTSTAR_WEBHOOK_SECRET is not set: webhooks cannot be verified, so none is accepted. Add the signing secret you set for the endpoint in the FastStar merchant dashboard.",
      "FASTSTAR_WEBHOOK_SECRET",
    );
  }
  return secret;
}

export function faststarMerchantMode(env: Env = process.env): FaststarMerchantMode {
  const raw = value(env, "FASTSTAR_MERCHANT_MODE")?.toLowerCase() ?? "mor";
  if (raw !== "mor" && raw !== "direct") {
    throw new ProviderConfigurationError(
      `FASTSTAR_MERCHANT_MODE must be "mor" (Merchant of Record, the default) or "direct" (Direct/PSP); got "${raw}".`,
      "FASTSTAR_MERCHANT_MODE",
    );
  }
  return raw;
}

/** The FASTSTAR_API_URL override (no trailing slash), or null for the real API. */
export function faststarApiOverride(env: Env = process.env, apiKey?: string): string | null {
  const raw = value(env, "FASTSTAR_API_URL");
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigurationError(
      `FASTSTAR_API_URL must be an absolute http(s) URL such as http://127.0.0.1:4014 (got "${raw}").`,
      "FASTSTAR_API_URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigurationError("FASTSTAR_API_URL must use http or https.", "FASTSTAR_API_URL");
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ProviderConfigurationError(
      "FASTSTAR_API_URL must be a plain base URL (no query, fragment or credentials); the adapter adds /api/v1/….",
      "FASTSTAR_API_URL",
    );
  }
  if (/\/api\/v1\/?$/.test(url.pathname)) {
    throw new ProviderConfigurationError(
      "FASTSTAR_API_URL must not end in /api/v1: give the origin (e.g. http://127.0.0.1:4014); the adapter adds /api/v1/….",
      "FASTSTAR_API_URL",
    );
  }
  // A live key is never sent anywhere but FastStar.
  if (apiKey && LIVE_KEY.test(apiKey)) {
    throw new ProviderConfigurationError(
      "FASTSTAR_API_URL is set together with a live FASTSTAR_API_KEY: unset FASTSTAR_API_URL (it is for the local sandbox only).",
      "FASTSTAR_API_URL",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The base URL the client calls: the override, else https://api.faststarpay.com. */
export function faststarApiBase(env: Env = process.env, apiKey?: string): string {
  return faststarApiOverride(env, apiKey) ?? FASTSTAR_DEFAULT_API_URL;
}

/** Boot check: throws ProviderConfigurationError naming the first bad variable. */
export function assertFaststarConfigured(env: Env = process.env): void {
  faststarWebhookSecret(env);
  faststarMerchantMode(env);
  faststarApiOverride(env, faststarApiKey(env));
}

/**
 * The mode the configured key is in, for billing's livemode check. FastStar documents no key
 * format (**unconfirmed**): a key that says `…_live_…` is live, one that says `…_test_…` test
 * (the sandbox's `fs_test_…`), anything else — or no key — null (then nothing is refused).
 */
export function faststarDeploymentMode(env: Env = process.env): "live" | "test" | null {
  const key = value(env, "FASTSTAR_API_KEY") ?? "";
  if (LIVE_KEY.test(key)) return "live";
  if (/(^|_)test_/.test(key)) return "test";
  return null;
}
