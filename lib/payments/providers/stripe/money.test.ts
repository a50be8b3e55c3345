// The money-policy mappings of the Stripe adapter (docs/money-policy.md), on Stripe's own object
// shapes: the OpenAPI fixtures (testing/fixtures/README.md says where from) changed only in the
// fields a case is about, and the objects the local sandbox emits on the pinned API version
// (stripe-node 23.1.0, 2026-10-28.endive). Each block names the SDK type it was checked with
// (node_modules/stripe/cjs/resources/…). No database. The contract suite (contract.test.ts) has
// each fixture's exact normalization, signatures, record-and-apply and the sandbox's drift; this
// file keeps the policy's variations on those shapes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type Stripe from "stripe";
import { stripeDeploymentMode } from "./config";
import { getStripeCheckout } from "./checkout";
import { sessionAmounts } from "./normalize";
import { signedHeaders } from "./testing/events";
import fixtures from "./testing/fixtures/openapi-fixtures3.json";
import { stripeMoneyControls } from "./testing/money-controls";
import { startStripeSandbox, type StripeSandbox } from "./testing/sandbox";
import { normalizeStripeEvent, verifyStripeWebhookResolved } from "./webhooks";

type Json = Record<string, unknown>;
const fixture = (name: keyof typeof fixtures, patch: Json = {}): Json => ({ ...structuredClone(fixtures[name] as Json), ...patch });
/** An event envelope as Stripe sends it (the `event` fixture) around `object`. */
const envelope = (type: string, object: Json, patch: Json = {}): Json => ({ ...fixture("event"), id: `evt_${type}_${Math.random().toString(36).slice(2)}`, type, data: { object }, ...patch });
const normalize = (type: string, object: Json, patch: Json = {}) => normalizeStripeEvent(envelope(type, object, patch));

describe("subscription status (Subscriptions.d.ts Subscription.Status)", () => {
  const subscription = (status: string) => fixture("subscription", { status });
  it("unpaid is unpaid: no access (was past_due before)", () => {
    expect(normalize("customer.subscription.updated", subscription("unpaid")).subscription!.status).toBe("unpaid");
  });
  it("incomplete_expired is expired; the others keep their word", () => {
    expect(normalize("customer.subscription.updated", subscription("incomplete_expired")).subscription!.status).toBe("expired");
    for (const status of ["trialing", "active", "past_due", "canceled", "incomplete", "paused"]) {
      expect(normalize("customer.subscription.updated", subscription(status)).subscription!.status).toBe(status);
    }
  });
});

describe("checkout amounts (Checkout/Sessions.d.ts: amount_subtotal, amount_total, total_details, currency_conversion)", () => {
  const session = (patch: Json) =>
    fixture("checkout.session", { status: "complete", payment_status: "paid", mode: "payment", client_reference_id: "our_1", currency_conversion: null, ...patch });

  it("carries total, tax and currency on every completion", () => {
    for (const type of ["checkout.session.completed", "checkout.session.async_payment_succeeded"]) {
      const event = normalize(type, session({ amount_subtotal: 2000, amount_total: 2000, currency: "usd", total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } }));
      expect(event.kind).toBe("checkout.completed");
      expect(event.amounts).toEqual({ subtotal: 2000, tax: 0, total: 2000, currency: "usd", taxInclusive: null, converted: null });
    }
  });

  it("taxInclusive from the tax rates of total_details.breakdown, else from the figures; null when it cannot tell", () => {
    const rate = (inclusive: boolean) => ({ amount: 200, rate: { id: "txr_1", object: "tax_rate", inclusive, percentage: 20 }, taxability_reason: null, taxable_amount: 1000 });
    const base = { amount_subtotal: 1000, currency: "eur" };
    const withRates = (total: number, rates: Json[]) => sessionAmounts(session({ ...base, amount_total: total, total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 200, breakdown: { discounts: [], taxes: rates } } }));
    expect(withRates(1000, [rate(true)]).taxInclusive).toBe(true);
    expect(withRates(1200, [rate(false)]).taxInclusive).toBe(false);
    expect(withRates(1200, [rate(true), rate(false)]).taxInclusive).toBeNull();
    const plain = (total: number, details: Json = {}) => sessionAmounts(session({ ...base, amount_total: total, total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 200, ...details } })).taxInclusive;
    expect(plain(1200)).toBe(false); // subtotal + tax
    expect(plain(1000)).toBe(true); // the tax is inside the subtotal
    expect(plain(1100, { amount_discount: 100 })).toBe(false);
    expect(plain(1111)).toBeNull();
    expect(plain(1000, { amount_tax: 0 })).toBeNull(); // no tax charged: nothing to say
  });

  it("adaptive pricing: the figures in our currency from currency_conversion (source_currency)", () => {
    // The fixture's own currency_conversion, with session figures in the buyer's currency.
    const conversion = { ...(fixtures["checkout.session"].currency_conversion as Json), amount_subtotal: 10_000, amount_total: 12_000, fx_rate: "150" };
    const event = normalize("checkout.session.completed", session({ amount_subtotal: 1_500_000, amount_total: 1_800_000, currency: "jpy", total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 300_000 }, currency_conversion: conversion }));
    expect(event.amounts).toEqual({
      subtotal: 1_500_000,
      tax: 300_000,
      total: 1_800_000,
      currency: "jpy",
      taxInclusive: false,
      converted: { subtotal: 10_000, tax: 2_000, total: 12_000, currency: "usd" },
    });
    // A tax-inclusive price: the converted tax in proportion to the totals.
    const inclusive = sessionAmounts(session({ amount_subtotal: 1_800_000, amount_total: 1_800_000, currency: "jpy", total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 300_000 }, currency_conversion: { ...conversion, amount_subtotal: 12_000 } }));
    expect(inclusive).toMatchObject({ taxInclusive: true, converted: { total: 12_000, tax: 2_000, currency: "usd" } });
  });
});

describe("refunds (Charges.d.ts amount_refunded / refunds?, Refunds.d.ts Refund.Status)", () => {
  const refund = (patch: Json) => fixture("refund", patch);

  it("charge.refunded: the running total, and each listed refund that moves money (succeeded, pending) by id", () => {
    // The fixture charge has no payment_intent: the charge id is the payment.
    const charge = fixture("charge", {
      amount: 10_000,
      amount_refunded: 7_000,
      refunded: false,
      refunds: {
        object: "list",
        has_more: false,
        url: "/v1/charges/ch_1PgafuB7WZ01zgkWXYmPNZs8/refunds",
        data: [
          refund({ id: "re_1", amount: 5_000, status: "succeeded" }),
          refund({ id: "re_2", amount: 2_000, status: "pending" }),
          refund({ id: "re_3", amount: 3_000, status: "failed" }),
          refund({ id: "re_4", amount: 1_000, status: "requires_action" }),
          refund({ id: "re_5", amount: 1_000, status: "canceled" }),
        ],
      },
    });
    const event = normalize("charge.refunded", charge);
    expect(event).toMatchObject({ kind: "payment.refunded", payment: { id: fixtures.charge.id, amount: 10_000, amountRefunded: 7_000, refunded: false, currency: "usd" } });
    expect(event.payment!.refunds).toEqual([
      { id: "re_1", amount: 5_000, currency: "usd" },
      { id: "re_2", amount: 2_000, currency: "usd" },
    ]);
    const withIntent = normalize("charge.refunded", fixture("charge", { payment_intent: "pi_1", amount: 10_000, amount_refunded: 10_000, refunded: true, refunds: undefined }));
    expect(withIntent.payment).toMatchObject({ id: "pi_1", amountRefunded: 10_000, refunded: true, refunds: [] });
  });

  it("refund.created / refund.updated / charge.refund.updated: that one refund; failed or canceled ones count for nothing", () => {
    for (const type of ["refund.created", "refund.updated", "charge.refund.updated"]) {
      const event = normalize(type, refund({ payment_intent: "pi_9", amount: 1_500 }));
      expect(event).toMatchObject({ kind: "payment.refunded", payment: { id: "pi_9", refunds: [{ id: fixtures.refund.id, amount: 1_500, currency: "usd" }] } });
      expect(event.payment!.amountRefunded).toBeUndefined(); // a single refund says nothing about the running total
    }
    // The fixture refund has no payment_intent: matched by its charge.
    expect(normalize("refund.created", refund({})).payment).toMatchObject({ id: fixtures.refund.charge, refunds: [{ id: fixtures.refund.id, amount: 100 }] });
    for (const [type, status] of [["refund.failed", "failed"], ["refund.updated", "canceled"], ["charge.refund.updated", "requires_action"]]) {
      expect(normalize(type, refund({ status })).payment).toMatchObject({ id: fixtures.refund.charge, refunds: [] });
    }
  });

  it("nothing about money is ignored for want of an id: a refund without a payment is still a refund event", () => {
    expect(normalize("refund.created", refund({ charge: null, payment_intent: null }))).toMatchObject({ kind: "payment.refunded", payment: null });
    expect(normalize("charge.refunded", { object: "charge", amount: 100 })).toMatchObject({ kind: "payment.refunded", payment: null });
  });
});

describe("disputes (Disputes.d.ts Dispute.Status)", () => {
  // The fixture: status warning_needs_response (an inquiry), payment_intent null.
  const dispute = (patch: Json = {}) => fixture("dispute", patch);

  it("charge.dispute.created opens, whatever the status word; the payment is the intent, else the charge", () => {
    expect(normalize("charge.dispute.created", dispute())).toMatchObject({
      kind: "dispute.created",
      dispute: { id: fixtures.dispute.id, status: "open", amount: 1000, currency: "usd" },
      payment: { id: fixtures.dispute.charge },
    });
    expect(normalize("charge.dispute.created", dispute({ payment_intent: "pi_1", status: "needs_response" })).payment!.id).toBe("pi_1");
  });

  it("charge.dispute.closed: won and warning_closed and prevented are won, lost is lost", () => {
    const outcome = (status: string) => normalize("charge.dispute.closed", dispute({ status })).dispute!.status;
    expect(normalize("charge.dispute.closed", dispute({ status: "won" })).kind).toBe("dispute.closed");
    expect(outcome("won")).toBe("won");
    expect(outcome("warning_closed")).toBe("won");
    expect(outcome("prevented")).toBe("won");
    expect(outcome("lost")).toBe("lost");
    expect(outcome("under_review")).toBe("open");
  });

  it("funds_withdrawn / funds_reinstated / updated repeat created/closed: ignored", () => {
    for (const type of ["charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", "charge.dispute.updated"]) expect(normalize(type, dispute()).kind).toBe("ignored");
  });
});

describe("invoice.paid (Invoices.d.ts billing_reason, amount_due, amount_paid, payments?; InvoicePayments.d.ts)", () => {
  const invoice = (patch: Json = {}) =>
    fixture("invoice", {
      billing_reason: "subscription_create",
      status: "paid",
      amount_due: 900,
      amount_paid: 900,
      parent: { quote_details: null, subscription_details: { metadata: { checkout_id: "our_1" }, subscription: "sub_1" }, type: "subscription_details" },
      ...patch,
    });
  const payments = (entries: Json[]) => ({ object: "list", has_more: false, url: "/v1/invoice_payments", data: entries });
  const paidPayment = (patch: Json = {}) => ({ ...fixtures.invoice_payment, status: "paid", amount_paid: 900, currency: "usd", payment: { type: "payment_intent", payment_intent: "pi_first" }, ...patch });

  it("the invoice, whether it is the subscription's first, and its payment intent from the (expanded) payments", () => {
    const event = normalize("invoice.paid", invoice({ payments: payments([paidPayment({ status: "canceled", payment: { type: "payment_intent", payment_intent: "pi_old" } }), paidPayment()]) }));
    expect(event).toMatchObject({
      kind: "invoice.paid",
      subscriptionId: "sub_1",
      ourCheckoutId: "our_1",
      invoice: { id: fixtures.invoice.id, firstPayment: true, amountDue: 900, amountPaid: 900, currency: "usd" },
      payment: { id: "pi_first", amount: 900, currency: "usd" },
    });
    expect(event.periodEnd).toEqual(new Date(fixtures.invoice.lines.data[0].period.end * 1000));
    const renewal = normalize("invoice.paid", invoice({ billing_reason: "subscription_cycle", payment_intent: "pi_old_api" }));
    expect(renewal).toMatchObject({ invoice: { firstPayment: false }, payment: { id: "pi_old_api" } }); // API versions before 2025-03-31
  });

  it("an invoice paid only in part says so (amountPaid < amountDue)", () => {
    expect(normalize("invoice.paid", invoice({ amount_paid: 100 })).invoice).toMatchObject({ amountDue: 900, amountPaid: 100 });
  });
});

describe("livemode and the deployment's mode", () => {
  it("event.livemode travels on every event, null when the payload does not say", () => {
    expect(normalize("charge.dispute.created", fixture("dispute")).livemode).toBe(false); // the event fixture
    expect(normalize("customer.subscription.updated", fixture("subscription"), { livemode: true }).livemode).toBe(true);
    expect(normalize("customer.created", { id: "cus_1" }, { livemode: undefined }).livemode).toBeNull();
  });

  it("deploymentMode from the key: sk_/rk_ live → live, test → test, none → null", () => {
    expect(stripeDeploymentMode({ STRIPE_SECRET_KEY: "sk_live_abc" })).toBe("live");
    expect(stripeDeploymentMode({ STRIPE_SECRET_KEY: "rk_live_abc" })).toBe("live");
    expect(stripeDeploymentMode({ STRIPE_SECRET_KEY: "sk_test_abc" })).toBe("test");
    expect(stripeDeploymentMode({ STRIPE_SECRET_KEY: "rk_test_abc" })).toBe("test");
    expect(stripeDeploymentMode({})).toBeNull();
    expect(stripeDeploymentMode({ STRIPE_SECRET_KEY: "pk_test_abc" })).toBeNull();
  });
});

// The sandbox's real objects through the adapter: signed deliveries verified and normalized as
// the webhook route does (verifyWebhook), and the money controls the billing tests drive.
describe("stripe money events from the sandbox, through verifyWebhook", () => {
  const SECRET = "whsec_lib_stripe_money";
  const saved = { ...process.env };
  let sandbox: StripeSandbox;
  beforeAll(async () => {
    sandbox = await startStripeSandbox({ webhookSecret: SECRET });
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  const configure = () => {
    sandbox.configureAdapter();
    process.env.STRIPE_WEBHOOK_SECRET = SECRET;
  };
  const allEvents = async () => (await sandbox.control<{ events: Stripe.Event[] }>("GET", "/stripe/events")).body.events;
  const verify = (event: Stripe.Event) => {
    const payload = JSON.stringify(event);
    return verifyStripeWebhookResolved(payload, signedHeaders(payload, SECRET));
  };

  async function subscriptionCheckout() {
    const price = await sandbox.stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
    const session = await sandbox.stripe.checkout.sessions.create({ mode: "subscription", success_url: "https://app.test/checkout/success?cid=our_sub", client_reference_id: "our_sub", line_items: [{ price: price.id, quantity: 1 }], subscription_data: { metadata: { checkout_id: "our_sub" } } });
    return sandbox.pay(session.id);
  }

  it("a subscription's first invoice names its payment intent, so refunds and disputes of the first payment match", async () => {
    configure();
    const session = await subscriptionCheckout();
    expect(session.payment_intent).toBeNull(); // a subscription-mode session carries none
    const paid = await sandbox.event("invoice.paid", session.invoice as string);
    const event = await verify(paid);
    const [invoicePayment] = (await sandbox.stripe.invoicePayments.list({ invoice: session.invoice as string })).data;
    const pi = invoicePayment.payment.payment_intent as string;
    expect(event).toMatchObject({ kind: "invoice.paid", livemode: false, subscriptionId: session.subscription, ourCheckoutId: "our_sub", invoice: { id: session.invoice, firstPayment: true, amountDue: 900, amountPaid: 900 }, payment: { id: pi, amount: 900 } });
    expect(await sandbox.requests({ method: "GET", path: "^/v1/invoice_payments$" })).toHaveLength(2); // the adapter's read, and ours

    const controls = stripeMoneyControls(sandbox);
    const before = (await allEvents()).length;
    await controls.refund(pi, 300);
    await controls.refund(pi, 200);
    const refundEvents = await Promise.all((await allEvents()).slice(before).map(verify));
    expect(refundEvents.map((e) => [e.type, e.payment?.id, e.payment?.amountRefunded, e.payment?.refunds?.map((r) => r.amount)])).toEqual([
      ["charge.refunded", pi, 300, []],
      ["refund.created", pi, undefined, [300]],
      ["charge.refunded", pi, 500, []],
      ["refund.created", pi, undefined, [200]],
    ]);
    const ids = refundEvents.filter((e) => e.type === "refund.created").map((e) => e.payment!.refunds![0].id);
    expect(new Set(ids).size).toBe(2);

    const disputeFrom = (await allEvents()).length;
    await controls.dispute(pi, "open");
    await controls.dispute(pi, "lost");
    const disputeEvents = (await Promise.all((await allEvents()).slice(disputeFrom).map(verify))).filter((e) => e.kind !== "ignored");
    expect(disputeEvents.map((e) => [e.kind, e.payment?.id, e.dispute?.status])).toEqual([
      ["dispute.created", pi, "open"],
      ["dispute.closed", pi, "lost"],
    ]);
  });

  it("a dispute won restores; failRenewal → past_due with the period moved on; markUnpaid → unpaid", async () => {
    configure();
    const session = await subscriptionCheckout();
    const controls = stripeMoneyControls(sandbox);
    const [invoicePayment] = (await sandbox.stripe.invoicePayments.list({ invoice: session.invoice as string })).data;
    const before = (await allEvents()).length;
    await controls.dispute(invoicePayment.payment.payment_intent as string, "won");
    await controls.failRenewal(session.subscription as string);
    await controls.markUnpaid(session.subscription as string);
    const events = (await Promise.all((await allEvents()).slice(before).map(verify))).filter((e) => e.kind !== "ignored");
    expect(events.map((e) => [e.kind, e.dispute?.status ?? e.subscription?.status])).toEqual([
      ["dispute.created", "open"],
      ["dispute.closed", "won"],
      ["subscription.updated", "past_due"],
      ["subscription.updated", "unpaid"],
    ]);
    const firstPeriodEnd = (await sandbox.event("customer.subscription.created", session.subscription as string)).data.object as Stripe.Subscription;
    expect(events[2].subscription!.currentPeriodEnd!.getTime()).toBeGreaterThan(firstPeriodEnd.items.data[0].current_period_end * 1000);
  });

  it("payDifferentAmount: the completion and getCheckout carry the reported total, in another currency with currency_conversion", async () => {
    configure();
    const controls = stripeMoneyControls(sandbox);
    const create = () =>
      sandbox.stripe.checkout.sessions.create({ mode: "payment", success_url: "https://app.test/s", client_reference_id: "our_pay", line_items: [{ price_data: { currency: "usd", product_data: { name: "Pack" }, unit_amount: 4000 }, quantity: 1 }] });
    const converted = await create();
    await controls.payDifferentAmount(converted.id, { amount: 600_000, currency: "jpy" });
    const completed = await verify(await sandbox.event("checkout.session.completed", converted.id));
    expect(completed).toMatchObject({ kind: "checkout.completed", amounts: { total: 600_000, currency: "jpy", converted: { total: 4000, subtotal: 4000, tax: 0, currency: "usd" } } });
    expect((await getStripeCheckout(converted.id)).amounts).toEqual(completed.amounts);

    const less = await create();
    await controls.payDifferentAmount(less.id, { amount: 3999 });
    const state = await getStripeCheckout(less.id);
    expect(state).toMatchObject({ status: "paid", amounts: { total: 3999, currency: "usd", tax: 0, taxInclusive: null, converted: null } });
  });

  it("a failed refund arrives as a refund event that counts for nothing", async () => {
    configure();
    const session = await sandbox.stripe.checkout.sessions.create({ mode: "payment", success_url: "https://app.test/s", line_items: [{ price_data: { currency: "usd", product_data: { name: "Pack" }, unit_amount: 1000 }, quantity: 1 }] });
    const paid = await sandbox.pay(session.id);
    const refund = await sandbox.stripe.refunds.create({ payment_intent: paid.payment_intent as string });
    const before = (await allEvents()).length;
    await sandbox.control("POST", `/stripe/refunds/${refund.id}/fail`, {});
    const events = await Promise.all((await allEvents()).slice(before).map(verify));
    expect(events.map((e) => [e.type, e.kind, e.payment?.id, e.payment?.refunds])).toEqual([
      ["refund.failed", "payment.refunded", paid.payment_intent, []],
      ["refund.updated", "payment.refunded", paid.payment_intent, []],
      ["charge.refund.updated", "payment.refunded", paid.payment_intent, []],
    ]);
  });
});
