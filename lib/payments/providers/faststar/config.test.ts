import { describe, expect, it } from "vitest";
import { ProviderConfigurationError } from "@/lib/payments/errors";
import { assertPaymentsConfigured } from "@/lib/payments/config";
import { assertFaststarConfigured, faststarApiBase, faststarApiKey, faststarApiOverride, faststarMerchantMode, faststarWebhookSecret } from "./config";

function configError(run: () => unknown): ProviderConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ProviderConfigurationError");
}

const good = { FASTSTAR_API_KEY: "fs_test_abc", FASTSTAR_WEBHOOK_SECRET: "secret" };

describe("faststar configuration", () => {
  it("names the missing or malformed variable", () => {
    expect(configError(() => faststarApiKey({})).variable).toBe("FASTSTAR_API_KEY");
    expect(configError(() => faststarApiKey({})).message).toMatch(/FASTSTAR_API_KEY is not set/);
    expect(configError(() => faststarApiKey({ FASTSTAR_API_KEY: "pk_live_123" })).message).toMatch(/publishable/);
    expect(configError(() => faststarApiKey({ FASTSTAR_API_KEY: "a b" })).variable).toBe("FASTSTAR_API_KEY");
    expect(configError(() => faststarWebhookSecret({ FASTSTAR_WEBHOOK_SECRET: "  " })).variable).toBe("FASTSTAR_WEBHOOK_SECRET");
    expect(configError(() => faststarMerchantMode({ FASTSTAR_MERCHANT_MODE: "psp" })).variable).toBe("FASTSTAR_MERCHANT_MODE");
    expect(faststarApiKey(good)).toBe("fs_test_abc");
  });

  it("defaults to Merchant of Record and accepts direct", () => {
    expect(faststarMerchantMode({})).toBe("mor");
    expect(faststarMerchantMode({ FASTSTAR_MERCHANT_MODE: "Direct" })).toBe("direct");
  });

  it("talks to api.faststarpay.com unless FASTSTAR_API_URL overrides it, never with a live key", () => {
    expect(faststarApiBase({})).toBe("https://api.faststarpay.com");
    expect(faststarApiOverride({})).toBeNull();
    expect(faststarApiBase({ FASTSTAR_API_URL: "http://127.0.0.1:4014/" })).toBe("http://127.0.0.1:4014");
    expect(faststarApiBase({ FASTSTAR_API_URL: "https://proxy.local/faststar" })).toBe("https://proxy.local/faststar");
    expect(configError(() => faststarApiOverride({ FASTSTAR_API_URL: "nope" })).variable).toBe("FASTSTAR_API_URL");
    expect(configError(() => faststarApiOverride({ FASTSTAR_API_URL: "ftp://x" })).variable).toBe("FASTSTAR_API_URL");
    expect(configError(() => faststarApiOverride({ FASTSTAR_API_URL: "http://x/api/v1" })).message).toMatch(/api\/v1/);
    expect(configError(() => faststarApiOverride({ FASTSTAR_API_URL: "http://127.0.0.1:4014" }, "sk_live_x")).message).toMatch(/live/);
  });

  it("boot check: the active provider's variables, named", () => {
    expect(() => assertFaststarConfigured(good)).not.toThrow();
    expect(configError(() => assertFaststarConfigured({ FASTSTAR_API_KEY: "fs_test_abc" })).variable).toBe("FASTSTAR_WEBHOOK_SECRET");
    expect(assertPaymentsConfigured({ ...good, PAYMENTS_PROVIDER: "faststar" })).toBe("faststar");
    expect(configError(() => assertPaymentsConfigured({ PAYMENTS_PROVIDER: "faststar", FASTSTAR_WEBHOOK_SECRET: "s" })).variable).toBe("FASTSTAR_API_KEY");
  });
});
