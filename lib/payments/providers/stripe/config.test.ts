import { describe, expect, it } from "vitest";
import { ProviderConfigurationError } from "@/lib/payments/errors";
import { stripeApiTarget, stripeSecretKey, stripeWebhookSecret } from "./config";

function configError(run: () => unknown): ProviderConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ProviderConfigurationError");
}

describe("stripe configuration", () => {
  it("names the missing variable", () => {
    expect(configError(() => stripeSecretKey({})).variable).toBe("STRIPE_SECRET_KEY");
    expect(configError(() => stripeSecretKey({})).message).toMatch(/STRIPE_SECRET_KEY is not set/);
    expect(configError(() => stripeWebhookSecret({ STRIPE_WEBHOOK_SECRET: " " })).variable).toBe("STRIPE_WEBHOOK_SECRET");
  });

  it("rejects keys of the wrong kind", () => {
    expect(configError(() => stripeSecretKey({ STRIPE_SECRET_KEY: "pk_test_123" })).message).toMatch(/publishable/);
    expect(configError(() => stripeWebhookSecret({ STRIPE_WEBHOOK_SECRET: "secret" })).message).toMatch(/whsec_/);
    expect(stripeSecretKey({ STRIPE_SECRET_KEY: "sk_test_abc" })).toBe("sk_test_abc");
    expect(stripeSecretKey({ STRIPE_SECRET_KEY: "rk_live_abc" })).toBe("rk_live_abc");
  });

  it("parses STRIPE_API_URL into host/port/protocol and refuses it with a live key", () => {
    expect(stripeApiTarget({})).toBeNull();
    expect(stripeApiTarget({ STRIPE_API_URL: "http://127.0.0.1:4010" })).toEqual({ host: "127.0.0.1", port: 4010, protocol: "http" });
    expect(stripeApiTarget({ STRIPE_API_URL: "https://stripe.local/" })).toEqual({ host: "stripe.local", port: 443, protocol: "https" });
    expect(configError(() => stripeApiTarget({ STRIPE_API_URL: "nope" })).variable).toBe("STRIPE_API_URL");
    expect(configError(() => stripeApiTarget({ STRIPE_API_URL: "http://x:1/v1" })).variable).toBe("STRIPE_API_URL");
    expect(configError(() => stripeApiTarget({ STRIPE_API_URL: "http://127.0.0.1:4010" }, "sk_live_x")).message).toMatch(/live/);
  });
});
