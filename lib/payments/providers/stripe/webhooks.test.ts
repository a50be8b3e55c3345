import { afterEach, describe, expect, it } from "vitest";
import { ProviderConfigurationError, WebhookVerificationError } from "@/lib/payments/errors";
import { signedHeaders, stripeEventPayload } from "./testing/events";
import { normalizeStripeEvent, verifyStripeWebhook } from "./webhooks";

const SECRET = "whsec_test_webhooks_unit";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const session = {
  id: "cs_test_1",
  object: "checkout.session",
  mode: "payment",
  status: "complete",
  payment_status: "paid",
  client_reference_id: "our_1",
  metadata: { checkout_id: "our_1" },
  customer: "cus_1",
  payment_intent: "pi_1",
  subscription: null,
  amount_subtotal: 1000,
  amount_total: 1000,
  total_details: { amount_tax: 0 },
  currency: "usd",
  expires_at: 1_900_000_000,
};

describe("stripe webhook verification (constructEvent, tolerance 300 s)", () => {
  it("accepts a correctly signed body and normalizes it", () => {
    process.env.STRIPE_WEBHOOK_SECRET = SECRET;
    const payload = stripeEventPayload("checkout.session.completed", session, { id: "evt_ok" });
    const event = verifyStripeWebhook(payload, signedHeaders(payload, SECRET));
    expect(event).toMatchObject({
      provider: "stripe",
      eventId: "evt_ok",
      type: "checkout.session.completed",
      source: "webhook",
      kind: "checkout.completed",
      ourCheckoutId: "our_1",
      providerSessionId: "cs_test_1",
      customerId: "cus_1",
      payment: { id: "pi_1", amount: 1000, currency: "usd" },
    });
    expect(event.occurredAt).toBeInstanceOf(Date);
  });

  it("rejects a missing header, a wrong secret, a tampered body and an expired timestamp", () => {
    process.env.STRIPE_WEBHOOK_SECRET = SECRET;
    const payload = stripeEventPayload("checkout.session.completed", session);
    expect(() => verifyStripeWebhook(payload, new Headers())).toThrow(WebhookVerificationError);
    expect(() => verifyStripeWebhook(payload, signedHeaders(payload, "whsec_other"))).toThrow(WebhookVerificationError);
    expect(() => verifyStripeWebhook(payload.replace("our_1", "our_2"), signedHeaders(payload, SECRET))).toThrow(WebhookVerificationError);
    const old = Math.floor(Date.now() / 1000) - 301;
    expect(() => verifyStripeWebhook(payload, signedHeaders(payload, SECRET, old))).toThrow(/timestamp|tolerance/i);
  });

  it("fails closed without STRIPE_WEBHOOK_SECRET, even for a well-formed signature", () => {
    delete process.env.STRIPE_WEBHOOK_SECRET;
    const payload = stripeEventPayload("checkout.session.completed", session);
    expect(() => verifyStripeWebhook(payload, signedHeaders(payload, SECRET))).toThrow(ProviderConfigurationError);
    expect(() => verifyStripeWebhook(payload, signedHeaders(payload, SECRET))).toThrow(/STRIPE_WEBHOOK_SECRET/);
  });
});

describe("stripe event normalization", () => {
  const envelope = (type: string, object: Record<string, unknown>, created = 1_800_000_000) =>
    JSON.parse(stripeEventPayload(type, object, { id: `evt_${type}`, created }));

  it("maps the checkout.session family by payment status", () => {
    expect(normalizeStripeEvent(envelope("checkout.session.completed", { ...session, payment_status: "unpaid" })).kind).toBe("checkout.processing");
    expect(normalizeStripeEvent(envelope("checkout.session.completed", { ...session, payment_status: "no_payment_required" })).kind).toBe("checkout.completed");
    expect(normalizeStripeEvent(envelope("checkout.session.async_payment_succeeded", session)).kind).toBe("checkout.completed");
    expect(normalizeStripeEvent(envelope("checkout.session.async_payment_failed", { ...session, payment_status: "unpaid" })).kind).toBe("checkout.failed");
    expect(normalizeStripeEvent(envelope("checkout.session.expired", { ...session, status: "expired", payment_status: "unpaid" })).kind).toBe("checkout.expired");
  });

  it("takes our id from metadata when client_reference_id is absent", () => {
    const event = normalizeStripeEvent(envelope("checkout.session.completed", { ...session, client_reference_id: null }));
    expect(event.ourCheckoutId).toBe("our_1");
  });

  it("maps subscription events with the period end from the items and the event time", () => {
    const subscription = {
      id: "sub_1",
      object: "subscription",
      status: "active",
      cancel_at_period_end: false,
      cancel_at: null,
      metadata: { checkout_id: "our_9" },
      customer: "cus_1",
      items: { data: [{ current_period_end: 1_800_086_400 }] },
    };
    const updated = normalizeStripeEvent(envelope("customer.subscription.updated", subscription));
    expect(updated).toMatchObject({ kind: "subscription.updated", ourCheckoutId: "our_9", subscriptionId: "sub_1" });
    expect(updated.subscription).toMatchObject({ status: "active", cancelAtPeriodEnd: false });
    expect(updated.subscription!.currentPeriodEnd!.toISOString()).toBe(new Date(1_800_086_400_000).toISOString());
    expect(updated.occurredAt.getTime()).toBe(1_800_000_000_000);
    const deleted = normalizeStripeEvent(envelope("customer.subscription.deleted", { ...subscription, status: "canceled" }));
    expect(deleted.kind).toBe("subscription.deleted");
    expect(normalizeStripeEvent(envelope("customer.subscription.updated", { ...subscription, status: "unpaid" })).subscription!.status).toBe("unpaid");
    expect(normalizeStripeEvent(envelope("customer.subscription.updated", { ...subscription, status: "incomplete_expired" })).subscription!.status).toBe("expired");
  });

  it("maps invoice.paid, charge.refunded and charge.dispute.created", () => {
    const invoice = normalizeStripeEvent(
      envelope("invoice.paid", {
        id: "in_1",
        parent: { subscription_details: { subscription: "sub_1", metadata: { checkout_id: "our_9" } } },
        lines: { data: [{ period: { start: 1, end: 1_810_000_000 } }] },
      }),
    );
    expect(invoice).toMatchObject({ kind: "invoice.paid", subscriptionId: "sub_1", ourCheckoutId: "our_9" });
    expect(invoice.periodEnd!.getTime()).toBe(1_810_000_000_000);
    const refund = normalizeStripeEvent(
      envelope("charge.refunded", { id: "ch_1", payment_intent: "pi_1", amount: 1000, amount_refunded: 1000, refunded: true, currency: "usd", metadata: {} }),
    );
    expect(refund).toMatchObject({ kind: "payment.refunded", payment: { id: "pi_1", amountRefunded: 1000, refunded: true } });
    const dispute = normalizeStripeEvent(envelope("charge.dispute.created", { id: "dp_1", charge: "ch_1", payment_intent: "pi_1", amount: 1000, currency: "usd" }));
    expect(dispute).toMatchObject({ kind: "dispute.created", payment: { id: "pi_1", disputeId: "dp_1" } });
  });

  it("marks unknown types as ignored and refuses malformed envelopes", () => {
    expect(normalizeStripeEvent(envelope("customer.created", { id: "cus_1" })).kind).toBe("ignored");
    // A paid invoice is money: carried even without a subscription (billing decides what it is).
    expect(normalizeStripeEvent(envelope("invoice.paid", { id: "in_2", lines: { data: [] } }))).toMatchObject({ kind: "invoice.paid", subscriptionId: null, invoice: { id: "in_2" } });
    expect(() => normalizeStripeEvent({ id: "evt_x", type: "x" })).toThrow(WebhookVerificationError);
  });
});

// Money-policy mappings (docs/money-policy.md), on the object shapes of the pinned SDK's API
// version (node_modules/stripe/cjs/resources: Invoices.d.ts `payments`, Charges.d.ts
// `refunds`, Disputes.d.ts `status`, Checkout/Sessions.d.ts `currency_conversion`).
describe("stripe money events", () => {
  const envelope = (type: string, object: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...JSON.parse(stripeEventPayload(type, object, { id: `evt_${type}`, created: 1_800_000_000 })),
    ...extra,
  });

  it("charge.refunded: the running total and each listed refund by id (failed ones do not count)", () => {
    const charge = {
      id: "ch_1", object: "charge", payment_intent: "pi_1", amount: 10_000, amount_refunded: 7_000, currency: "usd", refunded: false,
      refunds: { object: "list", data: [
        { id: "re_1", object: "refund", amount: 5_000, currency: "usd", status: "succeeded", payment_intent: "pi_1" },
        { id: "re_2", object: "refund", amount: 2_000, currency: "usd", status: "pending", payment_intent: "pi_1" },
        { id: "re_3", object: "refund", amount: 3_000, currency: "usd", status: "failed", payment_intent: "pi_1" },
      ] },
    };
    const event = normalizeStripeEvent(envelope("charge.refunded", charge));
    expect(event).toMatchObject({ kind: "payment.refunded", payment: { id: "pi_1", amount: 10_000, amountRefunded: 7_000, refunded: false } });
    expect(event.payment!.refunds).toEqual([
      { id: "re_1", amount: 5_000, currency: "usd" },
      { id: "re_2", amount: 2_000, currency: "usd" },
    ]);
  });

  it("refund.created: one refund, matched by its payment intent", () => {
    const event = normalizeStripeEvent(envelope("refund.created", { id: "re_9", object: "refund", amount: 1_500, currency: "usd", status: "succeeded", payment_intent: "pi_9", charge: "ch_9" }));
    expect(event).toMatchObject({ kind: "payment.refunded", payment: { id: "pi_9", refunds: [{ id: "re_9", amount: 1_500 }] } });
    expect(event.payment!.amountRefunded).toBeUndefined();
  });

  it("charge.dispute.created opens; charge.dispute.closed is won (or warning_closed) or lost", () => {
    const dispute = { id: "dp_1", object: "dispute", amount: 10_000, currency: "usd", charge: "ch_1", payment_intent: "pi_1", status: "needs_response" };
    expect(normalizeStripeEvent(envelope("charge.dispute.created", dispute))).toMatchObject({ kind: "dispute.created", payment: { id: "pi_1" }, dispute: { id: "dp_1", status: "open" } });
    expect(normalizeStripeEvent(envelope("charge.dispute.closed", { ...dispute, status: "won" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "won" } });
    expect(normalizeStripeEvent(envelope("charge.dispute.closed", { ...dispute, status: "warning_closed" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "won" } });
    expect(normalizeStripeEvent(envelope("charge.dispute.closed", { ...dispute, status: "lost" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "lost" } });
  });

  it("invoice.paid: the invoice, whether it is the first, and the payment intent from invoice.payments", () => {
    const invoice = {
      id: "in_1", object: "invoice", billing_reason: "subscription_create", amount_due: 900, amount_paid: 900, currency: "usd",
      parent: { type: "subscription_details", subscription_details: { subscription: "sub_1", metadata: { checkout_id: "our_1" } } },
      lines: { object: "list", data: [{ period: { start: 1_800_000_000, end: 1_802_592_000 } }] },
      payments: { object: "list", data: [{ object: "invoice_payment", status: "paid", payment: { type: "payment_intent", payment_intent: "pi_first" } }] },
    };
    const event = normalizeStripeEvent(envelope("invoice.paid", invoice));
    expect(event).toMatchObject({
      kind: "invoice.paid", subscriptionId: "sub_1", ourCheckoutId: "our_1",
      invoice: { id: "in_1", firstPayment: true, amountDue: 900, amountPaid: 900, currency: "usd" },
      payment: { id: "pi_first", amount: 900 },
    });
    const renewal = normalizeStripeEvent(envelope("invoice.paid", { ...invoice, billing_reason: "subscription_cycle", payments: undefined, payment_intent: "pi_old_api" }));
    expect(renewal).toMatchObject({ invoice: { firstPayment: false }, payment: { id: "pi_old_api" } });
  });

  it("checkout.session.completed with adaptive pricing: the figures in our currency from currency_conversion", () => {
    const session = { id: "cs_1", object: "checkout.session", mode: "payment", status: "complete", payment_status: "paid", client_reference_id: "our_1", amount_subtotal: 1_500_000, amount_total: 1_500_000, currency: "jpy", total_details: { amount_tax: 0 }, currency_conversion: { amount_subtotal: 10_000, amount_total: 10_000, fx_rate: "150", source_currency: "usd" } };
    const event = normalizeStripeEvent(envelope("checkout.session.completed", session));
    expect(event.amounts).toMatchObject({ total: 1_500_000, currency: "jpy", converted: { total: 10_000, currency: "usd" } });
  });

  it("livemode travels on every event", () => {
    expect(normalizeStripeEvent(envelope("charge.dispute.created", { id: "dp_1", charge: "ch_1", status: "needs_response" }, { livemode: true })).livemode).toBe(true);
    expect(normalizeStripeEvent(envelope("customer.subscription.updated", { id: "sub_1", status: "active" }, { livemode: false })).livemode).toBe(false);
  });
});
