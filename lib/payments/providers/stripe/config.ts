import { ProviderConfigurationError } from "../../errors";

// Stripe's configuration, read and validated here (not in lib/env-schema.ts) so the adapter
// is self-contained. Read on every call: cheap, and tests can change the environment.
// No `server-only` marker: it holds no secret itself, and the boot check imports it.
//   STRIPE_SECRET_KEY      sk_test_… / sk_live_… / rk_… (restricted key)   — API calls
//   STRIPE_WEBHOOK_SECRET  whsec_…                                           — webhook signatures
//   STRIPE_API_URL         optional base URL override (the local sandbox), e.g. http://127.0.0.1:4010

type Env = Record<string, string | undefined>;

export type StripeApiTarget = { host: string; port: number; protocol: "http" | "https" };

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function stripeSecretKey(env: Env = process.env): string {
  const key = value(env, "STRIPE_SECRET_KEY");
  if (!key) {
    throw new ProviderConfigurationError(
      "STRIPE_SECRET_KEY is not set: add your Stripe secret key (sk_test_… or sk_live_…) to the environment.",
      "STRIPE_SECRET_KEY",
    );
  }
  if (!/^(sk|rk)_(test|live)_\S+$/.test(key)) {
    throw new ProviderConfigurationError(
      "STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_test_…, sk_live_…, rk_…); a publishable key (pk_…) does not work on the server.",
      "STRIPE_SECRET_KEY",
    );
  }
  return key;
}

export function stripeWebhookSecret(env: Env = process.env): string {
  const secret = value(env, "STRIPE_WEBHOOK_SECRET");
  if (!secret) {
    throw new ProviderConfigurationError(
      "STRIPE_WEBHOOK_SECRET is not set: webhooks cannot be verified, so none is accepted. Add the endpoint's signing secret (whsec_…).",
      "STRIPE_WEBHOOK_SECRET",
    );
  }
  if (!secret.startsWith("whsec_")) {
    throw new ProviderConfigurationError(
      "STRIPE_WEBHOOK_SECRET must be a webhook signing secret starting with whsec_.",
      "STRIPE_WEBHOOK_SECRET",
    );
  }
  return secret;
}

/** The API base URL override, or null for api.stripe.com. */
export function stripeApiTarget(env: Env = process.env, secretKey?: string): StripeApiTarget | null {
  const raw = value(env, "STRIPE_API_URL");
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderConfigurationError(
      `STRIPE_API_URL must be an absolute http(s) URL such as http://127.0.0.1:4010 (got "${raw}").`,
      "STRIPE_API_URL",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ProviderConfigurationError("STRIPE_API_URL must use http or https.", "STRIPE_API_URL");
  }
  if (url.pathname !== "/" && url.pathname !== "") {
    throw new ProviderConfigurationError(
      "STRIPE_API_URL must be a base URL without a path (the SDK adds /v1/…).",
      "STRIPE_API_URL",
    );
  }
  // A live key is never sent anywhere but Stripe.
  if (secretKey && /^(sk|rk)_live_/.test(secretKey)) {
    throw new ProviderConfigurationError(
      "STRIPE_API_URL is set together with a live STRIPE_SECRET_KEY: unset STRIPE_API_URL (it is for the local sandbox only).",
      "STRIPE_API_URL",
    );
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  const port = url.port ? Number(url.port) : protocol === "http" ? 80 : 443;
  return { host: url.hostname, port, protocol };
}

/** Boot check: throws ProviderConfigurationError naming the first bad variable. */
export function assertStripeConfigured(env: Env = process.env): void {
  stripeWebhookSecret(env);
  stripeApiTarget(env, stripeSecretKey(env));
}

/** The mode the configured key is in (sk_live_/rk_live_ → live, sk_test_/rk_test_ → test), null when unset. */
export function stripeDeploymentMode(env: Env = process.env): "live" | "test" | null {
  const key = env.STRIPE_SECRET_KEY?.trim() ?? "";
  if (/^(sk|rk)_live_/.test(key)) return "live";
  if (/^(sk|rk)_test_/.test(key)) return "test";
  return null;
}
