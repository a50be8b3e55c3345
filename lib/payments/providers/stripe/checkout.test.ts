import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderRequestError, ProviderUnavailableError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type { CheckoutRequest } from "@/lib/payments/types";
import { stripeProvider } from "./index";
import { STRIPE_CHECKOUT_LOCALES, toSessionParams, withSessionPlaceholder } from "./checkout";
import { callStripe } from "./client";
import { SANDBOX_SECRET_KEY, startStripeSandbox, type StripeSandbox } from "./testing/sandbox";

function request(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return {
    checkoutId: "chk_our_1",
    mode: "payment",
    lineItems: [
      {
        priceId: "credits_100_pack",
        productId: "credits_100",
        name: "100 credits",
        unitAmount: 1000,
        currency: "usd",
        quantity: 3,
        type: "one_time",
        interval: null,
        trialDays: null,
        externalPriceId: null,
      },
    ],
    customerEmail: "buyer@example.com",
    successUrl: "https://app.example/checkout/success?cid=chk_our_1",
    cancelUrl: "https://app.example/pricing?cid=chk_our_1&canceled=1",
    idempotencyKey: "checkout_chk_our_1",
    presentation: "redirect",
    ...overrides,
  };
}

const plan = {
  priceId: "pro_monthly",
  productId: "pro",
  name: "Pro",
  unitAmount: 2900,
  currency: "usd",
  quantity: 1,
  type: "recurring" as const,
  interval: "month" as const,
  trialDays: 7,
  externalPriceId: null,
};

describe("stripe request mapping (toSessionParams)", () => {
  it("builds inline price_data from our catalog amounts and carries our id three ways", () => {
    const params = toSessionParams(request());
    expect(params.mode).toBe("payment");
    expect(params.client_reference_id).toBe("chk_our_1");
    expect(params.metadata).toEqual({ checkout_id: "chk_our_1" });
    expect(params.payment_intent_data).toEqual({ metadata: { checkout_id: "chk_our_1" } });
    expect(params.line_items).toEqual([
      {
        quantity: 3,
        price_data: {
          currency: "usd",
          unit_amount: 1000,
          product_data: { name: "100 credits", metadata: { product_id: "credits_100", price_id: "credits_100_pack" } },
        },
      },
    ]);
    expect(params.success_url).toBe(
      "https://app.example/checkout/success?cid=chk_our_1&session_id={CHECKOUT_SESSION_ID}",
    );
    expect(params.cancel_url).toBe("https://app.example/pricing?cid=chk_our_1&canceled=1");
    expect(params.customer_email).toBe("buyer@example.com");
    expect(params.customer).toBeUndefined();
    expect(params.customer_creation).toBe("always");
  });

  it("uses recurring.interval, trial_period_days and subscription metadata for plans", () => {
    const params = toSessionParams(request({ mode: "subscription", lineItems: [plan], locale: "de" }));
    expect(params.line_items?.[0]).toMatchObject({ price_data: { recurring: { interval: "month" }, unit_amount: 2900 } });
    expect(params.subscription_data).toEqual({ metadata: { checkout_id: "chk_our_1" }, trial_period_days: 7 });
    expect(params.payment_intent_data).toBeUndefined();
    expect(params.locale).toBe("de");
  });

  it("references the provider's price id when the catalog has one", () => {
    const params = toSessionParams(request({ lineItems: [{ ...request().lineItems[0], externalPriceId: "price_123" }] }));
    expect(params.line_items).toEqual([{ price: "price_123", quantity: 3 }]);
  });

  it("prefers the known provider customer over the email", () => {
    const params = toSessionParams(request({ providerCustomerId: "cus_1" }));
    expect(params.customer).toBe("cus_1");
    expect(params.customer_email).toBeUndefined();
    expect(params.customer_creation).toBeUndefined();
  });

  it("keeps an existing {CHECKOUT_SESSION_ID} placeholder", () => {
    expect(withSessionPlaceholder("https://a.example/s?x={CHECKOUT_SESSION_ID}")).toBe("https://a.example/s?x={CHECKOUT_SESSION_ID}");
    expect(withSessionPlaceholder("https://a.example/s")).toBe("https://a.example/s?session_id={CHECKOUT_SESSION_ID}");
  });

  it("refuses what Stripe cannot do instead of dropping it", () => {
    expect(() => toSessionParams(request({ locale: "xx-YY" }))).toThrow(UnsupportedFeatureError);
    expect(() => toSessionParams(request({ discountCode: "SUMMER" }))).toThrow(UnsupportedFeatureError);
    expect(() => toSessionParams(request({ lineItems: [{ ...plan }] }))).toThrow(UnsupportedFeatureError); // trial outside a subscription
    expect(toSessionParams(request({ discountCode: "promo_1" })).discounts).toEqual([{ promotion_code: "promo_1" }]);
    expect(toSessionParams(request({ allowDiscountCodes: true })).allow_promotion_codes).toBe(true);
  });
});

describe("what Stripe requires of a create (each rule enforced by the sandbox too: sandbox/tests/stripe-rules.test.ts)", () => {
  it("automatic tax for an existing customer lets Checkout save the address it collects (customer_update[address]=auto)", () => {
    expect(toSessionParams(request({ automaticTax: true, providerCustomerId: "cus_1" }))).toMatchObject({ automatic_tax: { enabled: true }, customer: "cus_1", customer_update: { address: "auto" } });
    // customer_update only goes with customer; without automatic tax it is not needed.
    expect(toSessionParams(request({ automaticTax: true })).customer_update).toBeUndefined();
    expect(toSessionParams(request({ providerCustomerId: "cus_1" })).customer_update).toBeUndefined();
  });

  it("setup mode sends no line items and the currency (from the request's line item); without one it is refused before calling Stripe", () => {
    const params = toSessionParams(request({ mode: "setup", lineItems: [{ ...request().lineItems[0], currency: "eur" }] }));
    expect(params).toMatchObject({ mode: "setup", currency: "eur", setup_intent_data: { metadata: { checkout_id: "chk_our_1" } } });
    expect(params.line_items).toBeUndefined();
    expect(() => toSessionParams(request({ mode: "setup", lineItems: [] }))).toThrow(ProviderRequestError);
    expect(() => toSessionParams(request({ mode: "setup", lineItems: [] }))).toThrow(/currency/);
  });

  it("every locale of the pinned SDK's SessionCreateParams.Locale is sent (hi-IN was missing from a copied list); others are refused", () => {
    expect(STRIPE_CHECKOUT_LOCALES).toContain("hi-IN");
    for (const locale of STRIPE_CHECKOUT_LOCALES) expect(toSessionParams(request({ locale })).locale).toBe(locale);
    expect(() => toSessionParams(request({ locale: "hi" }))).toThrow(UnsupportedFeatureError);
  });
});

describe("stripe adapter over HTTP (real SDK → the local payments sandbox)", () => {
  let sandbox: StripeSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startStripeSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await sandbox.control("DELETE", "/stripe/faults");
  });
  function configure(url = sandbox.url) {
    sandbox.configureAdapter();
    process.env.STRIPE_API_URL = url;
  }

  it("sends a form-encoded create with our id and the idempotency key, and reads the session back", async () => {
    configure();
    const created = await stripeProvider.createCheckout(request());
    expect(created.providerSessionId).toMatch(/^cs_test_/);
    expect(created.url).toContain(created.providerSessionId);
    expect(created.expiresAt).toBeInstanceOf(Date);
    const sent = (await sandbox.creates()).at(-1)!;
    expect(sent.headers["content-type"]).toContain("application/x-www-form-urlencoded");
    expect(sent.headers["idempotency-key"]).toBe("checkout_chk_our_1");
    expect(sent.rawBody).toContain("line_items[0][price_data][unit_amount]=1000");
    expect(sent.body).toMatchObject({ client_reference_id: "chk_our_1", metadata: { checkout_id: "chk_our_1" }, mode: "payment" });

    const open = await stripeProvider.getCheckout(created.providerSessionId);
    expect(open).toMatchObject({ status: "open", ourCheckoutId: "chk_our_1", amounts: { subtotal: 3000, currency: "usd" } });

    const paidSession = await sandbox.pay(created.providerSessionId);
    const paid = await stripeProvider.getCheckout(created.providerSessionId);
    expect(paid.status).toBe("paid");
    expect(paid.paymentId).toMatch(/^pi_/);
    expect(paid.paymentId).toBe(paidSession.payment_intent);
    // customer_creation=always: one-time buyers get a Customer, reused by their next checkout.
    expect(paid.customerId).toMatch(/^cus_/);
  });

  it("reads the customer Stripe attached, for a session created for a known customer", async () => {
    configure();
    const customer = await sandbox.stripe.customers.create({ email: "buyer@example.com" });
    const created = await stripeProvider.createCheckout(request({ providerCustomerId: customer.id, idempotencyKey: "checkout_known_customer" }));
    expect((await sandbox.creates()).at(-1)!.body).toMatchObject({ customer: customer.id });
    await sandbox.pay(created.providerSessionId);
    expect((await stripeProvider.getCheckout(created.providerSessionId)).customerId).toBe(customer.id);
  });

  it("creates what Stripe accepts: automatic tax for a known customer, a setup session, an SDK locale", async () => {
    configure();
    const customer = await sandbox.stripe.customers.create({ email: "taxed@example.com" });
    const taxed = await stripeProvider.createCheckout(request({ automaticTax: true, providerCustomerId: customer.id, idempotencyKey: "checkout_tax_known_customer" }));
    expect((await sandbox.creates()).at(-1)!.body).toMatchObject({ automatic_tax: { enabled: "true" }, customer: customer.id, customer_update: { address: "auto" } });
    expect((await sandbox.stripe.checkout.sessions.retrieve(taxed.providerSessionId)).automatic_tax.enabled).toBe(true);
    const setup = await stripeProvider.createCheckout(request({ mode: "setup", idempotencyKey: "checkout_setup_1" }));
    expect(await sandbox.stripe.checkout.sessions.retrieve(setup.providerSessionId)).toMatchObject({ mode: "setup", currency: "usd" });
    const hindi = await stripeProvider.createCheckout(request({ locale: "hi-IN", idempotencyKey: "checkout_locale_hi" }));
    expect((await sandbox.stripe.checkout.sessions.retrieve(hindi.providerSessionId)).locale).toBe("hi-IN");
  });

  it("returns a subscription snapshot (period end from the items) for a paid subscription session", async () => {
    configure();
    const created = await stripeProvider.createCheckout(request({ mode: "subscription", lineItems: [plan], idempotencyKey: "checkout_sub_1" }));
    await sandbox.pay(created.providerSessionId);
    const state = await stripeProvider.getCheckout(created.providerSessionId);
    expect(state.status).toBe("paid"); // no_payment_required during the trial
    expect(state.customerId).toMatch(/^cus_/);
    expect(state.subscription).toMatchObject({ status: "trialing", cancelAtPeriodEnd: false, ourCheckoutId: "chk_our_1" });
    expect(state.subscription!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const canceled = await stripeProvider.cancelSubscriptionAtPeriodEnd(state.subscription!.id);
    expect(canceled.cancelAtPeriodEnd).toBe(true);
    expect((await sandbox.stripe.subscriptions.retrieve(state.subscription!.id)).cancel_at_period_end).toBe(true);
  });

  it("maps 5xx (after the SDK's one retry) to ProviderUnavailableError and 4xx to ProviderRequestError", async () => {
    configure();
    await sandbox.fault({ status: 500, count: 2 });
    await expect(stripeProvider.createCheckout(request({ idempotencyKey: "k1" }))).rejects.toBeInstanceOf(ProviderUnavailableError);
    const attempts = await sandbox.requests({ method: "POST" });
    expect(attempts.filter((r) => r.headers["idempotency-key"] === "k1").map((r) => r.status)).toEqual([500, 500]);
    await sandbox.fault({ status: 400, count: 1 });
    await expect(stripeProvider.createCheckout(request({ idempotencyKey: "k2" }))).rejects.toBeInstanceOf(ProviderRequestError);
  });

  it("maps a provider timeout to ProviderUnavailableError (SDK timeout, on a client like the adapter's)", async () => {
    // The adapter's client waits 10 s twice (one retry); the mapping is the same for any
    // timeout, so the same translation is checked on a client with a short timeout.
    configure();
    await sandbox.fault({ delayMs: 1_000, count: 2 });
    const port = Number(new URL(sandbox.url).port);
    const impatient = new Stripe(SANDBOX_SECRET_KEY, { host: "127.0.0.1", port, protocol: "http", timeout: 100, maxNetworkRetries: 1 });
    const error = await callStripe("read a checkout session", () => impatient.checkout.sessions.list()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/Try again/);
  });

  it("maps a refused connection to ProviderUnavailableError with an actionable message", async () => {
    configure(await closedPortUrl());
    const error = await stripeProvider.createCheckout(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/Try again/);
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
