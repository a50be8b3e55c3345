import { describe, expect, it } from "vitest";
import { assertPaymentsConfigured } from "@/lib/payments/config";
import { ProviderConfigurationError } from "@/lib/payments/errors";
import { RECUR_API_BASE, assertRecurConfigured, recurApiBase, recurApiOverride, recurSecretKey, recurWebhookSecret } from "./config";

function configError(run: () => unknown): ProviderConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ProviderConfigurationError");
}

describe("recur configuration", () => {
  it("names the missing variable", () => {
    expect(configError(() => recurSecretKey({})).variable).toBe("RECUR_SECRET_KEY");
    expect(configError(() => recurSecretKey({})).message).toMatch(/RECUR_SECRET_KEY is not set/);
    expect(configError(() => recurWebhookSecret({ RECUR_WEBHOOK_SECRET: " " })).variable).toBe("RECUR_WEBHOOK_SECRET");
  });

  it("rejects keys of the wrong kind", () => {
    expect(configError(() => recurSecretKey({ RECUR_SECRET_KEY: "pk_test_123" })).message).toMatch(/publishable/);
    expect(configError(() => recurSecretKey({ RECUR_SECRET_KEY: "secret" })).message).toMatch(/sk_test_/);
    expect(configError(() => recurWebhookSecret({ RECUR_WEBHOOK_SECRET: "secret" })).message).toMatch(/whsec_/);
    expect(recurSecretKey({ RECUR_SECRET_KEY: "sk_test_abc" })).toBe("sk_test_abc");
    expect(recurSecretKey({ RECUR_SECRET_KEY: "sk_live_abc" })).toBe("sk_live_abc");
  });

  it("uses api.recur.tw unless RECUR_API_URL points elsewhere, never with a live key", () => {
    expect(recurApiBase({})).toBe(RECUR_API_BASE);
    expect(recurApiBase({ RECUR_API_URL: "http://127.0.0.1:4013/" })).toBe("http://127.0.0.1:4013");
    expect(recurApiOverride({})).toBeNull();
    expect(configError(() => recurApiOverride({ RECUR_API_URL: "nope" })).variable).toBe("RECUR_API_URL");
    expect(configError(() => recurApiOverride({ RECUR_API_URL: "http://x:1/v1" })).variable).toBe("RECUR_API_URL");
    expect(configError(() => recurApiOverride({ RECUR_API_URL: "ftp://x" })).variable).toBe("RECUR_API_URL");
    expect(configError(() => recurApiOverride({ RECUR_API_URL: "http://127.0.0.1:4013" }, "sk_live_x")).message).toMatch(/live/);
  });

  it("is the boot check for PAYMENTS_PROVIDER=recur", () => {
    const good = { PAYMENTS_PROVIDER: "recur", RECUR_SECRET_KEY: "sk_test_1", RECUR_WEBHOOK_SECRET: "whsec_1" };
    expect(assertPaymentsConfigured(good)).toBe("recur");
    expect(() => assertRecurConfigured({ ...good, RECUR_WEBHOOK_SECRET: undefined })).toThrow(/RECUR_WEBHOOK_SECRET/);
    expect(configError(() => assertPaymentsConfigured({ ...good, RECUR_SECRET_KEY: "" })).variable).toBe("RECUR_SECRET_KEY");
  });
});
