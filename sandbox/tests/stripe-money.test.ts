// Stripe's money objects and events as the sandbox emits them, on the pinned API version
// (stripe-node 23.1.0, 2026-10-28.endive; types in node_modules/stripe/cjs/resources): an
// invoice's payment as an InvoicePayment (includable `payments`, GET /v1/invoice_payments — no
// `payment_intent` on the Invoice since 2025-03-31), charges without `refunds` unless expanded
// (since 2022-11-15) but with the running `amount_refunded`, refund.created per refund, disputes
// with their outcome, a failed renewal (past_due, period moved on) and unpaid, adaptive pricing
// (`currency_conversion`), and `livemode: false` on every event.
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUCCESS_URL, startStripe, tshirt, type TestSandbox } from "./helpers";

let t: TestSandbox;
type Json = Record<string, unknown>;

beforeAll(async () => {
  t = await startStripe();
});
afterAll(async () => {
  await t.stop();
});

const events = async () => (await t.control<{ events: Stripe.Event[] }>("GET", "/stripe/events")).body.events;
const objectOf = <T>(event: Stripe.Event) => event.data.object as unknown as T;

async function paidSession(extra: Json = {}): Promise<Stripe.Checkout.Session> {
  const s = await tshirt(t.stripe);
  const done = await t.control<{ outcome: string }>("POST", `/stripe/sessions/${s.id}/complete`, { card: "4242424242424242", ...extra });
  expect(done.body.outcome).toBe("succeeded");
  return t.stripe.checkout.sessions.retrieve(s.id);
}

async function subscribed(): Promise<{ session: Stripe.Checkout.Session; sub: Stripe.Subscription }> {
  const price = await t.stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
  const s = await t.stripe.checkout.sessions.create({ mode: "subscription", success_url: SUCCESS_URL, line_items: [{ price: price.id, quantity: 1 }], subscription_data: { metadata: { checkout_id: "chk_money" } } });
  await t.control("POST", `/stripe/sessions/${s.id}/complete`, { card: "4242424242424242", email: "sub@example.com" });
  const session = await t.stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription"] });
  return { session, sub: session.subscription as Stripe.Subscription };
}

describe("stripe sandbox: money objects on the pinned API version", () => {
  it("the first invoice (subscription_create) is paid by a PaymentIntent named by its InvoicePayment, not on the invoice", async () => {
    const { session, sub } = await subscribed();
    const paid = (await events()).find((e) => e.type === "invoice.paid" && objectOf<Json>(e).id === session.invoice)!;
    const invoice = objectOf<Stripe.Invoice & Json>(paid);
    expect(invoice).toMatchObject({ billing_reason: "subscription_create", amount_due: 900, amount_paid: 900, status: "paid", parent: { subscription_details: { subscription: sub.id } } });
    expect("payments" in invoice).toBe(false); // includable: never in an event
    expect("payment_intent" in invoice).toBe(false); // removed in 2025-03-31
    const list = await t.stripe.invoicePayments.list({ invoice: invoice.id, status: "paid" });
    expect(list.data).toHaveLength(1);
    const [payment] = list.data;
    expect(payment).toMatchObject({ object: "invoice_payment", invoice: invoice.id, is_default: true, status: "paid", amount_paid: 900, payment: { type: "payment_intent" } });
    const pi = await t.stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 900 });
    const expanded = await t.stripe.invoices.retrieve(invoice.id, { expand: ["payments.data.payment.payment_intent"] });
    expect((expanded.payments!.data[0].payment.payment_intent as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(await t.stripe.invoicePayments.retrieve(payment.id)).toMatchObject({ id: payment.id });
  });

  it("several partial refunds: charge.refunded with the running amount_refunded (no refunds list), refund.created per refund", async () => {
    const session = await paidSession();
    const pi = session.payment_intent as string;
    const before = (await events()).length;
    const first = await t.stripe.refunds.create({ payment_intent: pi, amount: 1000 });
    const second = await t.stripe.refunds.create({ payment_intent: pi, amount: 500 });
    const rest = await t.stripe.refunds.create({ payment_intent: pi });
    expect(rest.amount).toBe(2500);
    await expect(t.stripe.refunds.create({ payment_intent: pi, amount: 1 })).rejects.toMatchObject({ code: "charge_already_refunded" });
    const emitted = (await events()).slice(before);
    const charges = emitted.filter((e) => e.type === "charge.refunded").map((e) => objectOf<Stripe.Charge>(e));
    expect(charges.map((c) => [c.amount_refunded, c.refunded])).toEqual([[1000, false], [1500, false], [4000, true]]);
    for (const charge of charges) expect(charge.refunds).toBeUndefined();
    const refunds = emitted.filter((e) => e.type === "refund.created").map((e) => objectOf<Stripe.Refund>(e));
    expect(refunds.map((r) => [r.id, r.amount, r.status, r.payment_intent])).toEqual([
      [first.id, 1000, "succeeded", pi],
      [second.id, 500, "succeeded", pi],
      [rest.id, 2500, "succeeded", pi],
    ]);
    const charge = await t.stripe.charges.retrieve(charges[0].id, { expand: ["refunds"] });
    expect(charge.refunds!.data.map((r) => r.id).sort()).toEqual([first.id, second.id, rest.id].sort());
  });

  it("a refund that fails later: refund.failed, refund.updated, charge.refund.updated; amount_refunded drops back", async () => {
    const session = await paidSession();
    const refund = await t.stripe.refunds.create({ payment_intent: session.payment_intent as string, amount: 700 });
    const before = (await events()).length;
    const failed = await t.control<{ refund: Stripe.Refund; charge: Stripe.Charge }>("POST", `/stripe/refunds/${refund.id}/fail`, {});
    expect(failed.body.refund).toMatchObject({ status: "failed", failure_reason: "expired_or_canceled_card" });
    expect(failed.body.charge.amount_refunded).toBe(0);
    expect((await events()).slice(before).map((e) => e.type)).toEqual(["refund.failed", "refund.updated", "charge.refund.updated"]);
    expect((await t.control("POST", `/stripe/refunds/${refund.id}/fail`, {})).status).toBe(409);
  });

  it("disputes: created + funds_withdrawn (needs_response); closed won + funds_reinstated; closed lost; no second open one; no refund while charged back", async () => {
    const won = await paidSession();
    const before = (await events()).length;
    const opened = await t.control<{ dispute: Stripe.Dispute }>("POST", `/stripe/payment_intents/${won.payment_intent as string}/dispute`, { outcome: "open" });
    expect(opened.body.dispute).toMatchObject({ object: "dispute", status: "needs_response", amount: 4000, currency: "usd", payment_intent: won.payment_intent, is_charge_refundable: false, livemode: false });
    expect(opened.body.dispute.balance_transactions).toHaveLength(1);
    expect((await t.control("POST", `/stripe/payment_intents/${won.payment_intent as string}/dispute`, { outcome: "open" })).status).toBe(409);
    await expect(t.stripe.refunds.create({ payment_intent: won.payment_intent as string })).rejects.toMatchObject({ code: "charge_disputed" });
    await t.control("POST", `/stripe/payment_intents/${won.payment_intent as string}/dispute`, { outcome: "won" });
    const lost = await paidSession();
    await t.control("POST", `/stripe/payment_intents/${lost.payment_intent as string}/dispute`, { outcome: "lost" });
    const emitted = (await events()).slice(before).filter((e) => e.type.startsWith("charge.dispute."));
    expect(emitted.map((e) => [e.type, objectOf<Stripe.Dispute>(e).payment_intent, objectOf<Stripe.Dispute>(e).status])).toEqual([
      ["charge.dispute.created", won.payment_intent, "needs_response"],
      ["charge.dispute.funds_withdrawn", won.payment_intent, "needs_response"],
      ["charge.dispute.closed", won.payment_intent, "won"],
      ["charge.dispute.funds_reinstated", won.payment_intent, "won"],
      ["charge.dispute.created", lost.payment_intent, "needs_response"],
      ["charge.dispute.funds_withdrawn", lost.payment_intent, "needs_response"],
      ["charge.dispute.closed", lost.payment_intent, "lost"],
    ]);
    const closed = emitted.find((e) => e.type === "charge.dispute.closed")!;
    expect(closed.data.previous_attributes).toMatchObject({ status: "needs_response" });
    expect(await t.stripe.disputes.retrieve(opened.body.dispute.id)).toMatchObject({ status: "won" });
  });

  it("a failed renewal: the period still moves on, invoice.payment_failed (open, its InvoicePayment open) and the subscription past_due; then unpaid", async () => {
    const { sub } = await subscribed();
    const before = (await events()).length;
    await t.control("POST", `/stripe/subscriptions/${sub.id}/advance`, { action: "payment_failed" });
    const emitted = (await events()).slice(before);
    expect(emitted.map((e) => e.type)).toEqual(["customer.subscription.updated", "invoice.payment_failed"]);
    const updated = objectOf<Stripe.Subscription>(emitted[0]);
    expect(updated.status).toBe("past_due");
    expect(updated.items.data[0].current_period_start).toBe(sub.items.data[0].current_period_end);
    const invoice = objectOf<Stripe.Invoice>(emitted[1]);
    expect(invoice).toMatchObject({ status: "open", amount_paid: 0, amount_due: 900, billing_reason: "subscription_cycle" });
    expect((await t.stripe.invoicePayments.list({ invoice: invoice.id })).data.map((p) => p.status)).toEqual(["open"]);
    await t.control("POST", `/stripe/subscriptions/${sub.id}/advance`, { action: "unpaid" });
    const last = (await events()).at(-1)!;
    expect(last.type).toBe("customer.subscription.updated");
    expect(objectOf<Stripe.Subscription>(last).status).toBe("unpaid");
    expect(last.data.previous_attributes).toEqual({ status: "past_due" });
  });

  it("a completion reported in another currency carries currency_conversion with the session's own figures", async () => {
    const session = await paidSession({ amount: 600_000, currency: "jpy" });
    expect(session).toMatchObject({ currency: "jpy", amount_total: 600_000, amount_subtotal: 600_000, currency_conversion: { amount_total: 4000, amount_subtotal: 4000, source_currency: "usd" } });
    expect(String(session.currency_conversion!.fx_rate)).toBe("150"); // the SDK reads it as a Decimal
    const charge = await t.stripe.charges.retrieve((await t.stripe.paymentIntents.retrieve(session.payment_intent as string)).latest_charge as string);
    expect(charge).toMatchObject({ amount: 600_000, currency: "jpy" });
    const same = await paidSession({ amount: 3999 });
    expect(same).toMatchObject({ currency: "usd", amount_total: 3999, currency_conversion: null });
  });

  it("total_details.breakdown is includable on a session; every event says livemode: false", async () => {
    const session = await paidSession();
    const expanded = await t.stripe.checkout.sessions.retrieve(session.id, { expand: ["total_details.breakdown"] });
    expect(expanded.total_details!.breakdown).toEqual({ discounts: [], taxes: [] });
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).total_details!.breakdown).toBeUndefined();
    const all = await events();
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((e) => e.livemode === false)).toBe(true);
  });
});
