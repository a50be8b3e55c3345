import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CANCEL_URL, SUCCESS_URL, startStripe, tshirt, type TestSandbox } from "./helpers";

let t: TestSandbox;
let stripe: Stripe;
beforeAll(async () => {
  t = await startStripe();
  stripe = t.stripe;
});
afterAll(() => t.stop());
beforeEach(async () => {
  await t.control("POST", "/reset");
});

async function rejection(p: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.origin}${path}`, {
    method,
    headers: { authorization: "Bearer sk_test_sandbox", "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { error?: Record<string, unknown> } & Record<string, unknown> };
}

describe("POST /v1/checkout/sessions", () => {
  it("creates a session from inline price_data, shaped like Stripe's", async () => {
    const s = await tshirt(stripe);
    expect(s.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(s).toMatchObject({
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      amount_subtotal: 4000,
      amount_total: 4000,
      currency: "usd",
      livemode: false,
      customer: null,
      customer_email: "buyer@example.com",
      client_reference_id: "chk_123",
      metadata: { checkout_id: "chk_123" },
      payment_intent: null,
      subscription: null,
      success_url: SUCCESS_URL,
      cancel_url: CANCEL_URL,
      ui_mode: "hosted_page",
      client_secret: null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    });
    expect(s.url).toBe(`${t.origin}/pay/stripe/${s.id}`);
    expect(s.expires_at - s.created).toBe(24 * 3600);
    expect(Math.abs(s.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it("creates a session from a created product and price, and expands line_items", async () => {
    const product = await stripe.products.create({ name: "Pro plan", metadata: { tier: "pro" } });
    const price = await stripe.prices.create({ product: product.id, currency: "eur", unit_amount: 1500, lookup_key: "pro_once" });
    expect(price).toMatchObject({ object: "price", type: "one_time", unit_amount: 1500, currency: "eur", product: product.id, active: true });
    const found = await stripe.prices.list({ lookup_keys: ["pro_once"] });
    expect(found.data.map((p) => p.id)).toEqual([price.id]);

    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      success_url: SUCCESS_URL,
      line_items: [{ price: price.id, quantity: 3 }],
      expand: ["line_items"],
    });
    expect(s.amount_total).toBe(4500);
    expect(s.currency).toBe("eur");
    expect(s.line_items?.data).toHaveLength(1);
    expect(s.line_items?.data[0]).toMatchObject({ object: "item", quantity: 3, amount_subtotal: 4500, description: "Pro plan", price: { id: price.id } });

    const again = await stripe.checkout.sessions.retrieve(s.id, { expand: ["line_items.data.price.product"] });
    const li = again.line_items!.data[0];
    expect((li.price!.product as Stripe.Product).name).toBe("Pro plan");
    const items = await stripe.checkout.sessions.listLineItems(s.id);
    expect(items.data[0].amount_total).toBe(4500);
  });

  it("creates a subscription session with a trial and a setup session", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Team" }, currency: "usd", unit_amount: 1200, recurring: { interval: "month" } });
    const sub = await stripe.checkout.sessions.create({
      mode: "subscription",
      success_url: SUCCESS_URL,
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { trial_period_days: 14, metadata: { checkout_id: "chk_9" } },
      locale: "de",
      allow_promotion_codes: true,
    });
    expect(sub).toMatchObject({ mode: "subscription", status: "open", payment_status: "unpaid", amount_total: 0, locale: "de", allow_promotion_codes: true });
    const setup = await stripe.checkout.sessions.create({ mode: "setup", success_url: SUCCESS_URL, currency: "usd" });
    expect(setup).toMatchObject({ mode: "setup", payment_status: "no_payment_required", amount_total: null });
  });

  it("applies a coupon and a promotion code to the totals", async () => {
    const coupon = await stripe.coupons.create({ percent_off: 25, duration: "once" });
    const s = await tshirt(stripe, { discounts: [{ coupon: coupon.id }] });
    expect(s).toMatchObject({ amount_subtotal: 4000, amount_total: 3000, total_details: { amount_discount: 1000 }, discounts: [{ coupon: coupon.id }] });
    const promo = await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "SPRING" });
    const s2 = await tshirt(stripe, { discounts: [{ promotion_code: promo.id }] });
    expect(s2.amount_total).toBe(3000);
    const e = await rejection(tshirt(stripe, { discounts: [{ coupon: coupon.id }], allow_promotion_codes: true }));
    expect(e.code).toBe("parameters_exclusive");
  });

  it("honours expires_at within Stripe's window", async () => {
    const now = Math.floor(Date.now() / 1000);
    const s = await tshirt(stripe, { expires_at: now + 3600 });
    expect(s.expires_at).toBe(now + 3600);
    const e = await rejection(tshirt(stripe, { expires_at: now + 60 }));
    expect(e).toMatchObject({ type: "StripeInvalidRequestError", param: "expires_at" });
  });

  it("supports ui_mode embedded_page with return_url and client_secret", async () => {
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      ui_mode: "embedded_page",
      return_url: "http://localhost:3000/return?session_id={CHECKOUT_SESSION_ID}",
      line_items: [{ price_data: { currency: "usd", product_data: { name: "X" }, unit_amount: 500 }, quantity: 1 }],
    });
    expect(s.url).toBeNull();
    expect(s.client_secret).toMatch(new RegExp(`^${s.id}_secret_`));
    const e = await rejection(tshirt(stripe, { ui_mode: "hosted" as never }));
    expect(e.param).toBe("ui_mode");
  });
});

describe("validation and errors", () => {
  it("missing mode / success_url / line_items → 400 parameter_missing with param", async () => {
    const noMode = await rejection(stripe.checkout.sessions.create({ success_url: SUCCESS_URL } as Stripe.Checkout.SessionCreateParams));
    expect(noMode).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 400, code: "parameter_missing", param: "mode", message: "Missing required param: mode." });
    const noUrl = await rejection(stripe.checkout.sessions.create({ mode: "payment", line_items: [{ price_data: { currency: "usd", product_data: { name: "x" }, unit_amount: 1 }, quantity: 1 }] }));
    expect(noUrl).toMatchObject({ code: "parameter_missing", param: "success_url" });
    const noItems = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL }));
    expect(noItems).toMatchObject({ code: "parameter_missing", param: "line_items" });
    const noQty = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "x" }, unit_amount: 1 } }] }));
    expect(noQty).toMatchObject({ code: "parameter_missing", param: "line_items[0][quantity]" });
  });

  it("unknown parameter and invalid integer, with Stripe's raw error JSON", async () => {
    const unknown = await raw("POST", "/v1/checkout/sessions", `mode=payment&success_url=${encodeURIComponent(SUCCESS_URL)}&bogus=1`);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toEqual({
      code: "parameter_unknown",
      doc_url: "https://stripe.com/docs/error-codes/parameter-unknown",
      message: "Received unknown parameter: bogus",
      param: "bogus",
      type: "invalid_request_error",
    });
    const nested = await raw("POST", "/v1/checkout/sessions", "mode=payment&line_items[0][pricee]=x");
    expect(nested.json.error).toMatchObject({ code: "parameter_unknown", param: "line_items[0][pricee]" });
    const badInt = await raw(
      "POST",
      "/v1/checkout/sessions",
      `mode=payment&success_url=${encodeURIComponent(SUCCESS_URL)}&line_items[0][price_data][currency]=usd&line_items[0][price_data][product_data][name]=x&line_items[0][price_data][unit_amount]=12.5&line_items[0][quantity]=1`,
    );
    expect(badInt.json.error).toMatchObject({ code: "parameter_invalid_integer", param: "line_items[0][price_data][unit_amount]", message: "Invalid integer: 12.5" });
    const badMode = await rejection(tshirt(stripe, { mode: "donation" as never }));
    expect(badMode).toMatchObject({ param: "mode", statusCode: 400 });
    const recurringInPayment = await rejection(
      stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "x" }, unit_amount: 1, recurring: { interval: "month" } }, quantity: 1 }] }),
    );
    expect(recurringInPayment.message).toMatch(/recurring price/);
  });

  it("bad or missing API key → 401 authentication error", async () => {
    const port = Number(new URL(t.origin).port);
    const wrong = new Stripe("sk_live_realkey1234", { host: "127.0.0.1", port, protocol: "http", maxNetworkRetries: 0 });
    const e = await rejection(wrong.checkout.sessions.retrieve("cs_test_x"));
    expect(e).toMatchObject({ type: "StripeAuthenticationError", statusCode: 401, message: "Invalid API Key provided: sk_live_****1234" });
    const none = await fetch(`${t.origin}/v1/checkout/sessions`, { method: "POST", body: "mode=payment" });
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^You did not provide an API key/);
  });

  it("a pinned API key rejects other test keys", async () => {
    const pinned = await startStripe({ apiKeys: { stripe: "sk_test_only_this" } });
    try {
      const e = await rejection(pinned.stripe.checkout.sessions.list());
      expect(e.statusCode).toBe(401);
      const port = Number(new URL(pinned.origin).port);
      const ok = new Stripe("sk_test_only_this", { host: "127.0.0.1", port, protocol: "http" });
      expect((await ok.checkout.sessions.list()).object).toBe("list");
    } finally {
      await pinned.stop();
    }
  });

  it("unknown ids → 404 resource_missing; unknown URL → 404", async () => {
    const e = await rejection(stripe.checkout.sessions.retrieve("cs_test_nope"));
    expect(e).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 404, code: "resource_missing", message: "No such checkout.session: 'cs_test_nope'" });
    const sub = await rejection(stripe.subscriptions.retrieve("sub_nope"));
    expect(sub).toMatchObject({ statusCode: 404, code: "resource_missing" });
    const price = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [{ price: "price_missing", quantity: 1 }] }));
    expect(price).toMatchObject({ statusCode: 400, code: "resource_missing", param: "line_items[0][price]" });
    const url = await raw("GET", "/v1/nothing_here");
    expect(url.status).toBe(404);
    expect(String(url.json.error?.message)).toMatch(/^Unrecognized request URL \(GET: \/v1\/nothing_here\)/);
  });
});

describe("idempotency", () => {
  it("same key + same body replays the same session; the SDK sees the same id", async () => {
    const a = await tshirt(stripe, undefined);
    const key = `idem-${Date.now()}`;
    const first = await stripe.checkout.sessions.create(
      { mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "A" }, unit_amount: 100 }, quantity: 1 }] },
      { idempotencyKey: key },
    );
    const second = await stripe.checkout.sessions.create(
      { mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "A" }, unit_amount: 100 }, quantity: 1 }] },
      { idempotencyKey: key },
    );
    expect(second.id).toBe(first.id);
    expect(second.id).not.toBe(a.id);
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const list = await stripe.checkout.sessions.list({ limit: 100 });
    expect(list.data.filter((s) => s.id === first.id)).toHaveLength(1);
    expect(list.data).toHaveLength(2);
  });

  it("same key + different body → 400 idempotency_error", async () => {
    const key = `idem-conflict-${Date.now()}`;
    await stripe.checkout.sessions.create(
      { mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "A" }, unit_amount: 100 }, quantity: 1 }] },
      { idempotencyKey: key },
    );
    const e = await rejection(
      stripe.checkout.sessions.create(
        { mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "A" }, unit_amount: 999 }, quantity: 1 }] },
        { idempotencyKey: key },
      ),
    );
    expect(e).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(e.statusCode).toBe(400);
    expect(e.message).toBe(
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    );
  });

  it("validation failures are not saved under the key", async () => {
    const key = `idem-invalid-${Date.now()}`;
    await rejection(stripe.checkout.sessions.create({ success_url: SUCCESS_URL } as Stripe.Checkout.SessionCreateParams, { idempotencyKey: key }));
    const ok = await stripe.checkout.sessions.create(
      { mode: "payment", success_url: SUCCESS_URL, line_items: [{ price_data: { currency: "usd", product_data: { name: "A" }, unit_amount: 100 }, quantity: 1 }] },
      { idempotencyKey: key },
    ).catch((e: unknown) => e);
    // A different body under a key whose first use failed validation: Stripe saved nothing, so it succeeds.
    expect((ok as Stripe.Checkout.Session).object).toBe("checkout.session");
  });
});

describe("expire, subscriptions, refunds", () => {
  it("expires an open session; expiring again fails", async () => {
    const s = await tshirt(stripe);
    const expired = await stripe.checkout.sessions.expire(s.id);
    expect(expired).toMatchObject({ id: s.id, status: "expired", url: null, payment_status: "unpaid" });
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("expired");
    const e = await rejection(stripe.checkout.sessions.expire(s.id));
    expect(e.statusCode).toBe(400);
    const missing = await rejection(stripe.checkout.sessions.expire("cs_test_missing"));
    expect(missing.statusCode).toBe(404);
  });

  it("subscription: retrieve, cancel at period end, delete", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
    const s = await stripe.checkout.sessions.create({ mode: "subscription", success_url: SUCCESS_URL, line_items: [{ price: price.id, quantity: 1 }], subscription_data: { metadata: { checkout_id: "chk_s" } } });
    const done = await t.control<{ outcome: string; session: Stripe.Checkout.Session }>("POST", `/stripe/sessions/${s.id}/complete`, { card: "4242424242424242", email: "sub@example.com" });
    expect(done.body.outcome).toBe("succeeded");
    const session = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription"] });
    expect(session).toMatchObject({ status: "complete", payment_status: "paid", amount_total: 900 });
    expect(session.customer).toMatch(/^cus_/);
    const sub = session.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ object: "subscription", status: "active", cancel_at_period_end: false, metadata: { checkout_id: "chk_s" }, customer: session.customer });
    const item = sub.items.data[0];
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * 86400);
    expect(item.price.id).toBe(price.id);
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 900, billing_reason: "subscription_create", parent: { subscription_details: { subscription: sub.id } } });

    const updated = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(updated).toMatchObject({ cancel_at_period_end: true, status: "active", cancel_at: item.current_period_end });
    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled).toMatchObject({ status: "canceled" });
    expect(canceled.ended_at).not.toBeNull();
    const e = await rejection(stripe.subscriptions.update(sub.id, { cancel_at_period_end: false }));
    expect(e.statusCode).toBe(400);
  });

  it("refunds a payment intent fully or partly, and refuses over-refunds", async () => {
    const s = await tshirt(stripe);
    await t.control("POST", `/stripe/sessions/${s.id}/complete`, { card: "4242 4242 4242 4242" });
    const paid = await stripe.checkout.sessions.retrieve(s.id);
    expect(paid.payment_intent).toMatch(/^pi_/);
    const found = await stripe.checkout.sessions.list({ payment_intent: paid.payment_intent as string });
    expect(found.data.map((x) => x.id)).toEqual([s.id]);
    const part = await stripe.refunds.create({ payment_intent: paid.payment_intent as string, amount: 1000 });
    expect(part).toMatchObject({ object: "refund", amount: 1000, status: "succeeded", payment_intent: paid.payment_intent });
    const rest = await stripe.refunds.create({ payment_intent: paid.payment_intent as string });
    expect(rest.amount).toBe(3000);
    const charge = await stripe.charges.retrieve(rest.charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_refunded: 4000 });
    const e = await rejection(stripe.refunds.create({ payment_intent: paid.payment_intent as string }));
    expect(e).toMatchObject({ code: "charge_already_refunded", statusCode: 400 });
    const missing = await rejection(stripe.refunds.create({ payment_intent: "pi_missing" }));
    expect(missing).toMatchObject({ code: "resource_missing", param: "payment_intent" });
  });

  it("control complete reports Stripe's card errors for the test cards", async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ["4000000000000002", { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." }],
      ["4000000000009995", { code: "card_declined", decline_code: "insufficient_funds", message: "Your card has insufficient funds." }],
      ["4000000000000069", { code: "expired_card" }],
    ];
    for (const [number, error] of cases) {
      const s = await tshirt(stripe);
      const r = await t.control<{ outcome: string; error: Record<string, unknown> }>("POST", `/stripe/sessions/${s.id}/complete`, { card: number });
      expect(r.status).toBe(402);
      expect(r.body).toMatchObject({ outcome: "declined", error: { type: "card_error", ...error } });
      expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    }
    const s = await tshirt(stripe);
    const failed = await t.control<{ outcome: string }>("POST", `/stripe/sessions/${s.id}/complete`, { card: "4000002500003155", authentication: "fail" });
    expect(failed.body.outcome).toBe("authentication_failed");
    const ok = await t.control<{ outcome: string; redirectUrl: string }>("POST", `/stripe/sessions/${s.id}/complete`, { card: "4000002500003155" });
    expect(ok.body).toMatchObject({ outcome: "succeeded", redirectUrl: SUCCESS_URL.replace("{CHECKOUT_SESSION_ID}", s.id) });
    const again = await t.control("POST", `/stripe/sessions/${s.id}/complete`, {});
    expect(again.status).toBe(409);
  });

  it("payment mode makes a customer only with customer_creation=always", async () => {
    const guest = await tshirt(stripe);
    await t.control("POST", `/stripe/sessions/${guest.id}/complete`, {});
    const g = await stripe.checkout.sessions.retrieve(guest.id);
    expect(g.customer).toBeNull();
    expect(g.customer_details?.email).toBe("buyer@example.com");
    const always = await tshirt(stripe, { customer_creation: "always" });
    await t.control("POST", `/stripe/sessions/${always.id}/complete`, {});
    const a = await stripe.checkout.sessions.retrieve(always.id, { expand: ["customer"] });
    expect((a.customer as Stripe.Customer).email).toBe("buyer@example.com");
  });
});

// Create-time rules of Checkout Sessions that Stripe enforces and the sandbox enforces too, so an
// adapter that breaks them fails here and not in production. Each names its source.
const taxedItem = { price_data: { currency: "usd", product_data: { name: "Pack" }, unit_amount: 1000 }, quantity: 1 };

describe("automatic_tax with an existing customer (Stripe Tax: the customer's location)", () => {
  // Stripe: 400 customer_tax_location_invalid, "Automatic tax calculation in Checkout requires a
  // valid address on the Customer. Add a valid address to the Customer or set either
  // `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' …".
  it("is refused when the customer has no address and Checkout may not save one", async () => {
    const customer = await stripe.customers.create({ email: "buyer@example.com" });
    const error = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, customer: customer.id, line_items: [taxedItem], automatic_tax: { enabled: true } }));
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe("StripeInvalidRequestError");
    expect(error.code).toBe("customer_tax_location_invalid");
    expect(error.message).toMatch(/^Automatic tax calculation in Checkout requires a valid address on the Customer\..*`customer_update\[address\]` to 'auto'/);
  });

  it("is accepted with customer_update[address]=auto or [shipping]=auto, a customer with an address, or no customer", async () => {
    const customer = await stripe.customers.create({ email: "buyer@example.com" });
    const base = { mode: "payment" as const, success_url: SUCCESS_URL, line_items: [taxedItem], automatic_tax: { enabled: true } };
    const saved = await stripe.checkout.sessions.create({ ...base, customer: customer.id, customer_update: { address: "auto" } });
    expect(saved.automatic_tax).toMatchObject({ enabled: true, liability: { type: "self" } });
    await stripe.checkout.sessions.create({ ...base, customer: customer.id, customer_update: { shipping: "auto" } });
    const located = await stripe.customers.create({ email: "b@example.com", address: { country: "DE", postal_code: "10115" } });
    await stripe.checkout.sessions.create({ ...base, customer: located.id });
    await stripe.checkout.sessions.create({ ...base, customer_email: "c@example.com" });
    // Without automatic tax the customer's address does not matter.
    await stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, customer: customer.id, line_items: [taxedItem] });
  });

  it("customer_update needs a customer (SDK: \"Can only be provided when `customer` is provided\")", async () => {
    const error = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [taxedItem], customer_update: { address: "auto" } }));
    expect(error.statusCode).toBe(400);
    expect(error.param).toBe("customer_update");
  });
});

describe("setup mode without line items (SessionCreateParams.currency: required in setup mode when the payment method types are not set)", () => {
  it("is refused without currency", async () => {
    const error = await rejection(stripe.checkout.sessions.create({ mode: "setup", success_url: SUCCESS_URL }));
    expect(error.statusCode).toBe(400);
    expect(error.type).toBe("StripeInvalidRequestError");
    expect(error.code).toBe("parameter_missing");
    expect(error.param).toBe("currency");
  });

  it("is accepted with currency, or with allowed_payment_method_types named", async () => {
    expect((await stripe.checkout.sessions.create({ mode: "setup", success_url: SUCCESS_URL, currency: "eur" })).currency).toBe("eur");
    expect((await stripe.checkout.sessions.create({ mode: "setup", success_url: SUCCESS_URL, allowed_payment_method_types: ["card"] })).currency).toBeNull();
  });
});

describe("locale (SessionCreateParams.Locale of the pinned SDK)", () => {
  it("takes every locale the SDK lists, hi-IN included, and refuses others", async () => {
    for (const locale of ["hi-IN", "fil", "es-419", "zh-HK", "auto"] as const) {
      expect((await stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [taxedItem], locale })).locale).toBe(locale);
    }
    const error = await rejection(stripe.checkout.sessions.create({ mode: "payment", success_url: SUCCESS_URL, line_items: [taxedItem], locale: "xx" }));
    expect(error.param).toBe("locale");
  });
});
