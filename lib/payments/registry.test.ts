import { afterEach, describe, expect, it } from "vitest";
import { activeProviderName, getProvider } from "@/lib/payments";
import { ProviderConfigurationError, UnknownProviderError, httpErrorFor, ProviderUnavailableError, WebhookVerificationError } from "@/lib/payments/errors";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("provider registry", () => {
  it("defaults to stripe and honours PAYMENTS_PROVIDER", () => {
    delete process.env.PAYMENTS_PROVIDER;
    expect(getProvider().name).toBe("stripe");
    process.env.PAYMENTS_PROVIDER = "Stripe";
    expect(activeProviderName()).toBe("stripe");
  });

  it("names PAYMENTS_PROVIDER when it is invalid or has no adapter in this build", () => {
    process.env.PAYMENTS_PROVIDER = "paypal";
    expect(() => getProvider()).toThrow(ProviderConfigurationError);
    expect(() => getProvider()).toThrow(/PAYMENTS_PROVIDER/);
    process.env.PAYMENTS_PROVIDER = "faststar";
    expect(getProvider().name).toBe("faststar");
    expect(() => getProvider("bogus")).toThrow(UnknownProviderError);
  });

  it("maps errors to HTTP answers without leaking configuration details", () => {
    expect(httpErrorFor(new WebhookVerificationError("bad signature")).status).toBe(400);
    expect(httpErrorFor(new ProviderUnavailableError("stripe", "down")).status).toBe(502);
    const config = httpErrorFor(new ProviderConfigurationError("STRIPE_SECRET_KEY is not set", "STRIPE_SECRET_KEY"));
    expect(config.status).toBe(500);
    expect(config.body.error).not.toMatch(/STRIPE_SECRET_KEY/);
    expect(httpErrorFor(new Error("boom"))).toEqual({ status: 500, body: { error: "Internal error", code: "internal" } });
  });
});
