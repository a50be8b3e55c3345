import { describe, expect, it } from "vitest";
import { ProviderConfigurationError } from "@/lib/payments/errors";
import { assertDodoConfigured, dodoApiKey, dodoApiTarget, dodoCheckoutDefaults, dodoEnvironment, dodoWebhookKey } from "./config";
import { mergeDodoOptions } from "./options";

function configError(run: () => unknown): ProviderConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProviderConfigurationError) return error;
    throw error;
  }
  throw new Error("expected a ProviderConfigurationError");
}

const SECRET = `whsec_${Buffer.from("a-dodo-config-test-secret-32byte").toString("base64")}`;

describe("dodo configuration", () => {
  it("names the missing or malformed variable", () => {
    expect(configError(() => dodoApiKey({})).variable).toBe("DODO_PAYMENTS_API_KEY");
    expect(configError(() => dodoApiKey({ DODO_PAYMENTS_API_KEY: "a b" })).variable).toBe("DODO_PAYMENTS_API_KEY");
    expect(dodoApiKey({ DODO_PAYMENTS_API_KEY: " key_123 " })).toBe("key_123");
    expect(configError(() => dodoWebhookKey({})).message).toMatch(/DODO_PAYMENTS_WEBHOOK_KEY is not set/);
    expect(configError(() => dodoWebhookKey({ DODO_PAYMENTS_WEBHOOK_KEY: "secret" })).message).toMatch(/whsec_/);
    expect(configError(() => dodoWebhookKey({ DODO_PAYMENTS_WEBHOOK_KEY: "whsec_not base64!" })).message).toMatch(/base64/);
    expect(dodoWebhookKey({ DODO_PAYMENTS_WEBHOOK_KEY: SECRET })).toBe(SECRET);
    expect(configError(() => dodoEnvironment({ DODO_PAYMENTS_ENVIRONMENT: "prod" })).variable).toBe("DODO_PAYMENTS_ENVIRONMENT");
  });

  it("targets Dodo's test host by default, live by DODO_PAYMENTS_ENVIRONMENT, and the base URL override otherwise", () => {
    expect(dodoApiTarget({})).toEqual({ baseURL: null, environment: "test_mode", sandbox: false });
    expect(dodoApiTarget({ DODO_PAYMENTS_ENVIRONMENT: "live_mode" })).toEqual({ baseURL: null, environment: "live_mode", sandbox: false });
    expect(dodoApiTarget({ DODO_PAYMENTS_BASE_URL: "http://127.0.0.1:4012/" })).toEqual({ baseURL: "http://127.0.0.1:4012", environment: null, sandbox: true });
    // Dodo's own hosts given explicitly are not the sandbox (no overlay).
    expect(dodoApiTarget({ DODO_PAYMENTS_BASE_URL: "https://test.dodopayments.com" }).sandbox).toBe(false);
    expect(configError(() => dodoApiTarget({ DODO_PAYMENTS_BASE_URL: "nope" })).variable).toBe("DODO_PAYMENTS_BASE_URL");
    expect(configError(() => dodoApiTarget({ DODO_PAYMENTS_BASE_URL: "ftp://x" })).variable).toBe("DODO_PAYMENTS_BASE_URL");
    // A live deployment never sends its key to the sandbox.
    expect(configError(() => dodoApiTarget({ DODO_PAYMENTS_BASE_URL: "http://127.0.0.1:4012", DODO_PAYMENTS_ENVIRONMENT: "live_mode" })).message).toMatch(/live_mode/);
  });

  it("reads the app's default checkout options from DODO_PAYMENTS_CHECKOUT_OPTIONS and validates them", () => {
    expect(dodoCheckoutDefaults({})).toEqual({});
    const defaults = dodoCheckoutDefaults({
      DODO_PAYMENTS_CHECKOUT_OPTIONS: JSON.stringify({ customization: { theme: "dark" }, allowedPaymentMethodTypes: ["credit", "debit", "apple_pay"], featureFlags: { allowTaxId: true } }),
    });
    expect(defaults).toEqual({ customization: { theme: "dark" }, allowedPaymentMethodTypes: ["credit", "debit", "apple_pay"], featureFlags: { allowTaxId: true } });
    expect(configError(() => dodoCheckoutDefaults({ DODO_PAYMENTS_CHECKOUT_OPTIONS: "{" })).variable).toBe("DODO_PAYMENTS_CHECKOUT_OPTIONS");
    expect(configError(() => dodoCheckoutDefaults({ DODO_PAYMENTS_CHECKOUT_OPTIONS: '{"customization":{"theme":"neon"}}' })).message).toMatch(/customization\.theme/);
    expect(configError(() => dodoCheckoutDefaults({ DODO_PAYMENTS_CHECKOUT_OPTIONS: '{"billingAddress":{"country":"usa"}}' })).message).toMatch(/billingAddress\.country/);
    expect(configError(() => dodoCheckoutDefaults({ DODO_PAYMENTS_CHECKOUT_OPTIONS: '{"themeColour":"red"}' })).variable).toBe("DODO_PAYMENTS_CHECKOUT_OPTIONS");
  });

  it("merges a request's options over the defaults field by field", () => {
    const merged = mergeDodoOptions(
      { customization: { theme: "dark", showOrderDetails: false }, featureFlags: { allowTaxId: true }, billingAddress: { country: "US", zipcode: "94103" } },
      { customization: { theme: "light" }, featureFlags: { allowPhoneNumberCollection: true }, billingAddress: { country: "DE" } },
    );
    expect(merged).toEqual({
      customization: { theme: "light", showOrderDetails: false },
      featureFlags: { allowTaxId: true, allowPhoneNumberCollection: true },
      billingAddress: { country: "DE" },
    });
  });

  it("boot check: the first bad variable stops the start", () => {
    const good = { DODO_PAYMENTS_API_KEY: "k", DODO_PAYMENTS_WEBHOOK_KEY: SECRET };
    expect(() => assertDodoConfigured(good)).not.toThrow();
    expect(configError(() => assertDodoConfigured({ DODO_PAYMENTS_API_KEY: "k" })).variable).toBe("DODO_PAYMENTS_WEBHOOK_KEY");
    expect(configError(() => assertDodoConfigured({ ...good, DODO_PAYMENTS_CHECKOUT_OPTIONS: "[]" })).variable).toBe("DODO_PAYMENTS_CHECKOUT_OPTIONS");
  });
});
