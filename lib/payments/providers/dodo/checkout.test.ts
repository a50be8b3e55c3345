import http from "node:http";
import type { AddressInfo } from "node:net";
import DodoPayments from "dodopayments";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderRequestError, ProviderUnavailableError, UnsupportedFeatureError, httpErrorFor } from "@/lib/payments/errors";
import type { CheckoutLineItem, CheckoutRequest } from "@/lib/payments/types";
import { dodoProvider } from "./index";
import { dodoCapabilities, toDodoSessionParams } from "./checkout";
import { callDodo } from "./client";
import { DodoCheckoutRequestError } from "./errors";
import { SANDBOX_API_KEY, startDodoSandbox, type DodoSandbox } from "./testing/sandbox";

const pack: CheckoutLineItem = {
  priceId: "credits_100_pack",
  productId: "credits_100",
  name: "100 credits",
  unitAmount: 1000,
  currency: "usd",
  quantity: 3,
  type: "one_time",
  interval: null,
  trialDays: null,
  externalPriceId: "pdt_sbx_credits_100_pack",
};
const lifetime: CheckoutLineItem = { ...pack, priceId: "lifetime_once", productId: "lifetime", name: "Lifetime", unitAmount: 14900, quantity: 1, externalPriceId: "pdt_sbx_lifetime_once" };
const plan: CheckoutLineItem = {
  priceId: "pro_monthly",
  productId: "pro",
  name: "Pro",
  unitAmount: 2900,
  currency: "usd",
  quantity: 1,
  type: "recurring",
  interval: "month",
  trialDays: 7,
  externalPriceId: "pdt_sbx_pro_monthly",
};

function request(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return {
    checkoutId: "chk_our_1",
    mode: "payment",
    lineItems: [pack],
    customerEmail: "buyer@example.com",
    successUrl: "https://app.example/checkout/success?cid=chk_our_1",
    cancelUrl: "https://app.example/checkout/cancel?cid=chk_our_1",
    idempotencyKey: "checkout_chk_our_1",
    presentation: "redirect",
    ...overrides,
  };
}

const fullAddress = { country: "US", state: "CA", city: "San Francisco", street: "1 Market St", zipcode: "94105" };

describe("dodo request mapping (toDodoSessionParams)", () => {
  it("maps the cart to product ids and quantities and carries our id in metadata and the return URL", () => {
    const params = toDodoSessionParams(request({ lineItems: [pack, lifetime], metadata: { source: "pricing" } }));
    expect(params.product_cart).toEqual([
      { product_id: "pdt_sbx_credits_100_pack", quantity: 3 },
      { product_id: "pdt_sbx_lifetime_once", quantity: 1 },
    ]);
    expect(params.metadata).toEqual({ source: "pricing", checkout_id: "chk_our_1" });
    expect(params.return_url).toBe("https://app.example/checkout/success?cid=chk_our_1");
    expect(params.cancel_url).toBe("https://app.example/checkout/cancel?cid=chk_our_1");
    expect(params.customer).toEqual({ email: "buyer@example.com" });
    expect(params.subscription_data).toBeUndefined();
    expect(params.feature_flags).toEqual({ allow_discount_code: false });
    // Nothing of our catalog's amounts travels: Dodo prices its own products.
    expect(JSON.stringify(params)).not.toContain("1000");
  });

  it("refuses to mix one-time and subscription products with a clear 400, before any call", () => {
    const mixed = () => toDodoSessionParams(request({ mode: "subscription", lineItems: [plan, pack] }));
    expect(mixed).toThrow(DodoCheckoutRequestError);
    expect(mixed).toThrow(/cannot mix one-time and subscription products/);
    const error = (() => {
      try {
        mixed();
      } catch (e) {
        return e;
      }
    })();
    expect(httpErrorFor(error)).toMatchObject({ status: 400, body: { code: "invalid_checkout_request" } });
    expect(() => toDodoSessionParams(request({ mode: "subscription", lineItems: [plan, { ...plan, externalPriceId: "pdt_sbx_starter_monthly" }] }))).toThrow(/exactly one subscription/);
    expect(() => toDodoSessionParams(request({ mode: "payment", lineItems: [{ ...plan, trialDays: null }] }))).toThrow(DodoCheckoutRequestError);
    expect(() => toDodoSessionParams(request({ lineItems: [] }))).toThrow(DodoCheckoutRequestError);
    expect(() => toDodoSessionParams(request({ lineItems: Array.from({ length: 21 }, () => lifetime) }))).toThrow(/at most 20/);
    expect(() => toDodoSessionParams(request({ lineItems: [{ ...pack, quantity: 0 }] }))).toThrow(DodoCheckoutRequestError);
  });

  it("sends the catalog's trial (or 0, overriding the product) as subscription_data.trial_period_days", () => {
    expect(toDodoSessionParams(request({ mode: "subscription", lineItems: [plan] })).subscription_data).toEqual({ trial_period_days: 7 });
    expect(toDodoSessionParams(request({ mode: "subscription", lineItems: [{ ...plan, trialDays: null }] })).subscription_data).toEqual({ trial_period_days: 0 });
  });

  it("refuses what Dodo cannot do (422) instead of dropping it", () => {
    expect(() => toDodoSessionParams(request({ mode: "setup" }))).toThrow(UnsupportedFeatureError);
    expect(() => toDodoSessionParams(request({ lineItems: [{ ...pack, externalPriceId: null }] }))).toThrow(/no Dodo product id/);
    expect(() => toDodoSessionParams(request({ lineItems: [{ ...lifetime, trialDays: 7 }] }))).toThrow(UnsupportedFeatureError);
    expect(() => toDodoSessionParams(request({ locale: "klingon" }))).toThrow(UnsupportedFeatureError);
  });

  it("maps the customer: an existing Dodo customer by id, else email with the optional name and phone", () => {
    expect(toDodoSessionParams(request({ providerCustomerId: "cus_1" })).customer).toEqual({ customer_id: "cus_1" });
    const params = toDodoSessionParams(request({ providerOptions: { dodo: { customer: { name: "Ada Lovelace", phoneNumber: "+14155550100" } } } }));
    expect(params.customer).toEqual({ email: "buyer@example.com", name: "Ada Lovelace", phone_number: "+14155550100" });
    expect(toDodoSessionParams(request({ customerEmail: null })).customer).toBeUndefined();
  });

  it("maps every Dodo-only option: address, payment methods, currency, saved methods, theme, flags, 3DS, locale, discount code", () => {
    const params = toDodoSessionParams(
      request({
        locale: "de",
        discountCode: "SANDBOX10",
        allowDiscountCodes: true,
        providerOptions: {
          dodo: {
            billingAddress: fullAddress,
            allowedPaymentMethodTypes: ["apple_pay", "google_pay", "credit", "debit"],
            billingCurrency: "EUR",
            showSavedPaymentMethods: true,
            force3ds: true,
            customization: { theme: "dark", showOrderDetails: false },
            featureFlags: { allowPhoneNumberCollection: true, allowTaxId: true, allowCurrencySelection: false, alwaysCreateNewCustomer: true },
          },
        },
      }),
    );
    expect(params).toMatchObject({
      billing_address: fullAddress,
      allowed_payment_method_types: ["apple_pay", "google_pay", "credit", "debit"],
      billing_currency: "EUR",
      show_saved_payment_methods: true,
      force_3ds: true,
      discount_code: "SANDBOX10",
      customization: { theme: "dark", show_order_details: false, force_language: "de" },
      feature_flags: {
        allow_discount_code: true,
        allow_phone_number_collection: true,
        allow_tax_id: true,
        allow_currency_selection: false,
        always_create_new_customer: true,
      },
    });
    expect(params.confirm).toBeUndefined();
  });

  it("takes the app's defaults (config) and lets the request override them", () => {
    const defaults = { customization: { theme: "dark" as const }, featureFlags: { allowDiscountCode: true }, billingAddress: { country: "IN" } };
    expect(toDodoSessionParams(request(), defaults)).toMatchObject({ customization: { theme: "dark" }, feature_flags: { allow_discount_code: true }, billing_address: { country: "IN" } });
    const overridden = toDodoSessionParams(request({ providerOptions: { dodo: { customization: { theme: "light" }, billingAddress: { country: "GB" } } } }), defaults);
    expect(overridden.customization).toEqual({ theme: "light" });
    expect(overridden.billing_address).toEqual({ country: "GB", state: undefined, city: undefined, street: undefined, zipcode: undefined });
  });

  it("insists on credit and debit among allowed payment methods", () => {
    expect(() => toDodoSessionParams(request({ providerOptions: { dodo: { allowedPaymentMethodTypes: ["upi_collect", "upi_intent"] } } }))).toThrow(/"credit" and "debit"/);
  });

  it("confirm:true needs the customer and the full billing address (or country + zipcode with minimal_address)", () => {
    const confirm = (dodo: NonNullable<CheckoutRequest["providerOptions"]>["dodo"], extra: Partial<CheckoutRequest> = {}) => () =>
      toDodoSessionParams(request({ ...extra, providerOptions: { dodo } }));
    expect(confirm({ confirm: true })).toThrow(/billing address/);
    expect(confirm({ confirm: true, billingAddress: { country: "US", zipcode: "94105" } })).toThrow(/billing address street, billing address city, billing address state/);
    expect(confirm({ confirm: true, billingAddress: fullAddress }, { customerEmail: null })).toThrow(/customer email/);
    expect(confirm({ confirm: true, billingAddress: fullAddress })()).toMatchObject({ confirm: true, billing_address: fullAddress });
    expect(confirm({ confirm: true, minimalAddress: true, billingAddress: { country: "US", zipcode: "94105" } })()).toMatchObject({ confirm: true, minimal_address: true });
  });
});

describe("dodo adapter over HTTP (real SDK → the local payments sandbox)", () => {
  let sandbox: DodoSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startDodoSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await sandbox.control("DELETE", "/dodo/faults");
  });
  function configure(url = sandbox.url) {
    sandbox.configureAdapter();
    process.env.DODO_PAYMENTS_BASE_URL = url;
    delete process.env.DODO_PAYMENTS_CHECKOUT_OPTIONS;
  }

  it("sends JSON to POST /checkouts (no /v1) with the Bearer key, and reads the session back", async () => {
    configure();
    const before = Date.now();
    const created = await dodoProvider.createCheckout(request());
    expect(created.providerSessionId).toMatch(/^cks_/);
    expect(created.url).toBe(`${sandbox.url}/pay/dodo/${created.providerSessionId}`);
    expect(created.expiresAt!.getTime()).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    const sent = (await sandbox.creates()).at(-1)!;
    expect(sent.path).toBe("/checkouts");
    expect(sent.headers["content-type"]).toContain("application/json");
    expect(sent.headers.authorization).toBe(`Bearer ${SANDBOX_API_KEY}`);
    expect(sent.body).toMatchObject({ product_cart: [{ product_id: "pdt_sbx_credits_100_pack", quantity: 3 }], metadata: { checkout_id: "chk_our_1" } });

    const open = await dodoProvider.getCheckout(created.providerSessionId);
    expect(open).toMatchObject({ status: "open", paymentId: null, ourCheckoutId: null, mode: null });

    const paid = await sandbox.pay(created.providerSessionId);
    expect(paid.status).toBe(200);
    expect(paid.body.redirectUrl).toMatch(/^https:\/\/app\.example\/checkout\/success\?cid=chk_our_1&payment_id=pay_\w+&status=succeeded$/);
    const state = await dodoProvider.getCheckout(created.providerSessionId);
    expect(state).toMatchObject({ status: "paid", ourCheckoutId: "chk_our_1", mode: "payment", subscription: null, amounts: { subtotal: 3000, tax: 0, total: 3000, currency: "usd" } });
    expect(state.paymentId).toMatch(/^pay_/);
    expect(state.customerId).toMatch(/^cus_/);
  });

  it("a confirm:true session lives 15 minutes", async () => {
    configure();
    const before = Date.now();
    const created = await dodoProvider.createCheckout(request({ providerOptions: { dodo: { confirm: true, billingAddress: fullAddress } } }));
    expect(created.expiresAt!.getTime()).toBeLessThan(before + 16 * 60_000);
    expect((await sandbox.creates()).at(-1)!.body).toMatchObject({ confirm: true, billing_address: fullAddress });
  });

  it("applies the configured defaults (DODO_PAYMENTS_CHECKOUT_OPTIONS) on the wire", async () => {
    configure();
    process.env.DODO_PAYMENTS_CHECKOUT_OPTIONS = JSON.stringify({ customization: { theme: "dark" }, allowedPaymentMethodTypes: ["credit", "debit", "google_pay"] });
    await dodoProvider.createCheckout(request());
    expect((await sandbox.creates()).at(-1)!.body).toMatchObject({ customization: { theme: "dark" }, allowed_payment_method_types: ["credit", "debit", "google_pay"] });
  });

  it("a declined card makes the session's payment failed", async () => {
    configure();
    const created = await dodoProvider.createCheckout(request({ lineItems: [lifetime] }));
    const declined = await sandbox.pay(created.providerSessionId, "4000000000000002");
    expect(declined.status).toBe(402);
    const state = await dodoProvider.getCheckout(created.providerSessionId);
    expect(state.status).toBe("failed");
    expect(state.paymentId).toMatch(/^pay_/);
  });

  it("returns a subscription snapshot for a paid trial and cancels it at the next billing date", async () => {
    configure();
    const created = await dodoProvider.createCheckout(request({ mode: "subscription", lineItems: [plan] }));
    await sandbox.pay(created.providerSessionId);
    const state = await dodoProvider.getCheckout(created.providerSessionId);
    expect(state).toMatchObject({ status: "paid", mode: "subscription", ourCheckoutId: "chk_our_1", amounts: { total: 0 } });
    expect(state.subscription).toMatchObject({ status: "trialing", cancelAtPeriodEnd: false, ourCheckoutId: "chk_our_1" });
    const end = state.subscription!.currentPeriodEnd!.getTime();
    expect(end).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(end).toBeLessThan(Date.now() + 8 * 86_400_000);
    const canceled = await dodoProvider.cancelSubscriptionAtPeriodEnd(state.subscription!.id);
    expect(canceled).toMatchObject({ id: state.subscription!.id, cancelAtPeriodEnd: true, status: "trialing" });
    expect((await sandbox.dodo.subscriptions.retrieve(state.subscription!.id)).cancel_at_next_billing_date).toBe(true);
  });

  it("maps 5xx (after the SDK's one retry) to ProviderUnavailableError and 4xx to ProviderRequestError with Dodo's code", async () => {
    configure();
    await sandbox.fault({ status: 500, count: 2 });
    await expect(dodoProvider.createCheckout(request())).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await sandbox.creates()).slice(-2).map((r) => r.status)).toEqual([500, 500]);
    const unknown = await dodoProvider.createCheckout(request({ lineItems: [{ ...pack, externalPriceId: "pdt_missing" }] })).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ProviderRequestError);
    expect(unknown).toMatchObject({ providerStatus: 404, providerCode: "NOT_FOUND" });
    process.env.DODO_PAYMENTS_API_KEY = "wrong key";
    await expect(dodoProvider.getCheckout("cks_x")).rejects.toThrow(/DODO_PAYMENTS_API_KEY/);
  });

  it("maps a timeout and a refused connection to ProviderUnavailableError with an actionable message", async () => {
    configure();
    await sandbox.fault({ delayMs: 1_000, count: 2 });
    const impatient = new DodoPayments({ bearerToken: SANDBOX_API_KEY, baseURL: sandbox.url, timeout: 100, maxRetries: 1, logLevel: "off" });
    const timedOut = await callDodo("read a checkout session", () => impatient.checkoutSessions.retrieve("cks_x")).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ProviderUnavailableError);
    expect((timedOut as Error).message).toMatch(/timed out.*Try again/);
    configure(await closedPortUrl());
    const refused = await dodoProvider.createCheckout(request()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as Error).message).toMatch(/Try again/);
  });

  it("offers the overlay only when DODO_PAYMENTS_BASE_URL points at the sandbox", () => {
    configure();
    expect(dodoCapabilities.overlay).toBe(true);
    process.env.DODO_PAYMENTS_BASE_URL = "https://test.dodopayments.com";
    expect(dodoCapabilities.overlay).toBe(false);
    delete process.env.DODO_PAYMENTS_BASE_URL;
    expect(dodoCapabilities.overlay).toBe(false);
  });
});

/** A URL on a port that was just free: nothing listens, connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
