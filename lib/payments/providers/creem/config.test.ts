import { describe, expect, it } from "vitest";
import { assertPaymentsConfigured } from "@/lib/payments/config";
import { ProviderConfigurationError } from "@/lib/payments/errors";
import { CREEM_LIVE_URL, CREEM_TEST_URL, assertCreemConfigured, creemApiKey, creemServerUrl, creemWebhookSecret } from "./config";

function configError(run: () => unknown): ProviderConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ProviderConfigurationError");
}

const good = { CREEM_API_KEY: "creem_test_abc123", CREEM_WEBHOOK_SECRET: "whsec_abc" };

describe("creem configuration", () => {
  it("names the missing or malformed variable", () => {
    expect(configError(() => creemApiKey({})).variable).toBe("CREEM_API_KEY");
    expect(configError(() => creemApiKey({})).message).toMatch(/CREEM_API_KEY is not set/);
    expect(configError(() => creemApiKey({ CREEM_API_KEY: "sk_test_123" })).message).toMatch(/creem_test_/);
    expect(configError(() => creemWebhookSecret({ CREEM_WEBHOOK_SECRET: " " })).variable).toBe("CREEM_WEBHOOK_SECRET");
    expect(configError(() => creemWebhookSecret({ CREEM_WEBHOOK_SECRET: "a b" })).variable).toBe("CREEM_WEBHOOK_SECRET");
    expect(creemApiKey({ CREEM_API_KEY: " creem_abc " })).toBe("creem_abc");
  });

  it("picks the host by key (test → test-api.creem.io) and honours CREEM_API_URL only with a test key", () => {
    expect(creemServerUrl({ CREEM_API_KEY: "creem_test_1" })).toBe(CREEM_TEST_URL);
    expect(creemServerUrl({ CREEM_API_KEY: "creem_1" })).toBe(CREEM_LIVE_URL);
    expect(creemServerUrl({ CREEM_API_KEY: "creem_test_1", CREEM_API_URL: "http://127.0.0.1:4011/" })).toBe("http://127.0.0.1:4011");
    expect(configError(() => creemServerUrl({ CREEM_API_KEY: "creem_1", CREEM_API_URL: "http://127.0.0.1:4011" })).message).toMatch(/live/);
    expect(configError(() => creemServerUrl({ CREEM_API_KEY: "creem_test_1", CREEM_API_URL: "nope" })).variable).toBe("CREEM_API_URL");
    expect(configError(() => creemServerUrl({ CREEM_API_KEY: "creem_test_1", CREEM_API_URL: "http://x:1/v1" })).variable).toBe("CREEM_API_URL");
  });

  it("boot check: PAYMENTS_PROVIDER=creem needs the key and the webhook secret", () => {
    expect(() => assertCreemConfigured(good)).not.toThrow();
    expect(assertPaymentsConfigured({ ...good, PAYMENTS_PROVIDER: "creem" })).toBe("creem");
    expect(configError(() => assertPaymentsConfigured({ PAYMENTS_PROVIDER: "creem", CREEM_API_KEY: "creem_test_1" })).variable).toBe("CREEM_WEBHOOK_SECRET");
    expect(configError(() => assertPaymentsConfigured({ PAYMENTS_PROVIDER: "creem", CREEM_WEBHOOK_SECRET: "x" })).variable).toBe("CREEM_API_KEY");
  });
});
