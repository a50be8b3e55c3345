import { afterEach, describe, expect, it } from "vitest";
import { ProviderConfigurationError, WebhookVerificationError } from "@/lib/payments/errors";
import { recurEventPayload, recurHeaders, signRecur } from "./testing/sandbox";
import { normalizeRecurEvent, verifyRecurWebhook } from "./webhooks";

const SECRET = "whsec_recur_webhooks_unit";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const session = {
  id: "cs_1",
  object: "checkout.session",
  status: "COMPLETE",
  mode: "PAYMENT",
  productId: "prod_1",
  amount: 10,
  currency: "USD",
  customerId: "cus_1",
  customerEmail: "buyer@example.com",
  orderId: "ord_1",
  subscriptionId: null,
  metadata: { checkout_id: "our_1" },
};

const subscription = {
  id: "sub_1",
  object: "subscription",
  status: "ACTIVE",
  customerId: "cus_1",
  checkoutId: "cs_1",
  currentPeriodStart: "2027-01-01T00:00:00.000Z",
  currentPeriodEnd: "2027-02-01T00:00:00.000Z",
  trialEndsAt: null,
  cancelAtPeriodEnd: false,
  canceledAt: null,
  metadata: { checkout_id: "our_9" },
};

describe("recur webhook verification (X-Recur-Signature: base64 HMAC-SHA256 of the raw body)", () => {
  it("accepts a body signed by the documented scheme and normalizes it", () => {
    process.env.RECUR_WEBHOOK_SECRET = SECRET;
    const payload = recurEventPayload("checkout.completed", session, { id: "evt_ok", timestamp: "2027-01-01T00:00:00.000Z" });
    const event = verifyRecurWebhook(payload, recurHeaders(payload, SECRET));
    expect(event).toMatchObject({
      provider: "recur",
      eventId: "evt_ok",
      type: "checkout.completed",
      source: "webhook",
      kind: "checkout.completed",
      ourCheckoutId: "our_1",
      providerSessionId: "cs_1",
      customerId: "cus_1",
      amounts: { total: 1000, currency: "usd" },
      payment: { id: "ord_1", amount: 1000, currency: "usd" },
    });
    expect(event.occurredAt.toISOString()).toBe("2027-01-01T00:00:00.000Z");
  });

  it("also accepts the hex encoding of the same MAC (recur-tw's example verifier uses hex)", () => {
    process.env.RECUR_WEBHOOK_SECRET = SECRET;
    const payload = recurEventPayload("checkout.completed", session);
    const headers = recurHeaders(payload, SECRET, { "x-recur-signature": signRecur(payload, SECRET, "hex") });
    expect(verifyRecurWebhook(payload, headers).kind).toBe("checkout.completed");
  });

  it("rejects a missing header, another secret, a tampered body and headers that contradict the body", () => {
    process.env.RECUR_WEBHOOK_SECRET = SECRET;
    const payload = recurEventPayload("checkout.completed", session, { id: "evt_a" });
    expect(() => verifyRecurWebhook(payload, new Headers())).toThrow(WebhookVerificationError);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, "whsec_other"))).toThrow(WebhookVerificationError);
    expect(() => verifyRecurWebhook(payload.replace("our_1", "our_2"), recurHeaders(payload, SECRET))).toThrow(/does not match/);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET, { "x-recur-signature": "garbage" }))).toThrow(WebhookVerificationError);
    const truncated = signRecur(payload, SECRET).slice(0, 20);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET, { "x-recur-signature": truncated }))).toThrow(WebhookVerificationError);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET, { "x-recur-event-id": "evt_b" }))).toThrow(/disagree/);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET, { "x-recur-event-type": "order.paid" }))).toThrow(/disagree/);
    // Signed but not JSON.
    expect(() => verifyRecurWebhook("not json", new Headers({ "x-recur-signature": signRecur("not json", SECRET) }))).toThrow(/not JSON/);
  });

  it("does not rely on the unsigned X-Recur-Timestamp (replays are stopped by the event id, see flow.test.ts)", () => {
    process.env.RECUR_WEBHOOK_SECRET = SECRET;
    const payload = recurEventPayload("checkout.completed", session);
    // An old header changes nothing: anyone can rewrite it, so it proves nothing either way.
    const event = verifyRecurWebhook(payload, recurHeaders(payload, SECRET, { "x-recur-timestamp": String(Date.now() - 86_400_000) }));
    expect(event.kind).toBe("checkout.completed");
  });

  it("fails closed without RECUR_WEBHOOK_SECRET, even for a well-formed signature", () => {
    delete process.env.RECUR_WEBHOOK_SECRET;
    const payload = recurEventPayload("checkout.completed", session);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET))).toThrow(ProviderConfigurationError);
    expect(() => verifyRecurWebhook(payload, recurHeaders(payload, SECRET))).toThrow(/RECUR_WEBHOOK_SECRET/);
  });
});

describe("recur event normalization", () => {
  const envelope = (type: string, data: Record<string, unknown>, timestamp = "2027-01-15T00:00:00.000Z") =>
    JSON.parse(recurEventPayload(type, data, { id: `evt_${type}`, timestamp }));

  it("checkout.completed and order.paid complete the checkout they name — by session id and metadata only", () => {
    const completed = normalizeRecurEvent(envelope("checkout.completed", { ...session, mode: "SUBSCRIPTION", subscriptionId: "sub_1" }));
    expect(completed).toMatchObject({ kind: "checkout.completed", subscriptionId: "sub_1", ourCheckoutId: "our_1", providerSessionId: "cs_1" });
    const order = { id: "ord_1", status: "PAID", checkoutId: "cs_1", amount: 10, currency: "USD", customerEmail: "buyer@example.com", metadata: { checkout_id: "our_1" } };
    expect(normalizeRecurEvent(envelope("order.paid", order))).toMatchObject({ kind: "checkout.completed", providerSessionId: "cs_1", ourCheckoutId: "our_1", payment: { id: "ord_1", amount: 1000 } });
    // An order that names neither the session nor our id is never matched by email/customer/product.
    expect(normalizeRecurEvent(envelope("order.paid", { ...order, checkoutId: undefined, metadata: {} })).kind).toBe("ignored");
    expect(() => normalizeRecurEvent({ id: "evt_x", type: "checkout.completed" })).toThrow(WebhookVerificationError);
    expect(() => normalizeRecurEvent({ id: "evt_x", type: "checkout.completed", data: {} })).toThrow(/timestamp/);
  });

  it("maps the subscription family; cancelled keeps access to the period end, expired ends it", () => {
    for (const type of ["subscription.created", "subscription.activated", "subscription.renewed"]) {
      const event = normalizeRecurEvent(envelope(type, subscription));
      expect(event).toMatchObject({ kind: "subscription.updated", subscriptionId: "sub_1", ourCheckoutId: "our_9", subscription: { status: "active", cancelAtPeriodEnd: false } });
      expect(event.subscription!.currentPeriodEnd!.toISOString()).toBe("2027-02-01T00:00:00.000Z");
      expect(event.occurredAt.toISOString()).toBe("2027-01-15T00:00:00.000Z");
    }
    const trial = normalizeRecurEvent(envelope("subscription.created", { ...subscription, status: "TRIALING", trialEndsAt: subscription.currentPeriodEnd }));
    expect(trial.subscription!.status).toBe("trialing");
    const cancelled = normalizeRecurEvent(envelope("subscription.cancelled", { ...subscription, status: "CANCELED", cancelAtPeriodEnd: true, canceledAt: "2027-01-15T00:00:00.000Z" }));
    expect(cancelled).toMatchObject({ kind: "subscription.updated", subscription: { status: "active", cancelAtPeriodEnd: true } });
    const cancelledTrial = normalizeRecurEvent(envelope("subscription.cancelled", { ...subscription, status: "CANCELED", trialEndsAt: subscription.currentPeriodEnd }));
    expect(cancelledTrial.subscription).toMatchObject({ status: "trialing", cancelAtPeriodEnd: true });
    const pastDue = normalizeRecurEvent(envelope("subscription.past_due", { ...subscription, status: "PAST_DUE" }));
    expect(pastDue).toMatchObject({ kind: "subscription.updated", subscription: { status: "past_due" } });
    const expired = normalizeRecurEvent(envelope("subscription.expired", { ...subscription, status: "EXPIRED" }));
    expect(expired).toMatchObject({ kind: "subscription.deleted", subscription: { status: "expired" } });
    expect(normalizeRecurEvent(envelope("subscription.activated", { id: "sub_1" })).kind).toBe("ignored");
  });

  it("maps invoice.paid to the period it pays for; invoice.payment_failed is recorded only", () => {
    const invoice = { id: "inv_1", status: "PAID", subscriptionId: "sub_1", periodStart: "2027-02-01T00:00:00.000Z", periodEnd: "2027-03-01T00:00:00.000Z", metadata: { checkout_id: "our_9" } };
    const paid = normalizeRecurEvent(envelope("invoice.paid", invoice));
    expect(paid).toMatchObject({ kind: "invoice.paid", subscriptionId: "sub_1", ourCheckoutId: "our_9" });
    expect(paid.periodEnd!.toISOString()).toBe("2027-03-01T00:00:00.000Z");
    expect(normalizeRecurEvent(envelope("invoice.paid", { ...invoice, subscriptionId: null })).kind).toBe("ignored");
    expect(normalizeRecurEvent(envelope("invoice.payment_failed", { ...invoice, status: "FAILED" })).kind).toBe("ignored");
  });

  it("maps refunds that went through to payment.refunded on the order; pending or failed ones are ignored", () => {
    const refund = { id: "rf_1", status: "SUCCEEDED", orderId: "ord_1", checkoutId: "cs_1", amount: 10, currency: "USD", metadata: { checkout_id: "our_1" } };
    expect(normalizeRecurEvent(envelope("refund.succeeded", refund))).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1", payment: { id: "ord_1", currency: "usd", refunds: [{ id: "rf_1", amount: 1000 }] } });
    // `amount` is this refund's own, never a running total (two 50 % refunds must add up).
    expect(normalizeRecurEvent(envelope("refund.succeeded", refund)).payment!.amountRefunded).toBeUndefined();
    expect(normalizeRecurEvent(envelope("refund.created", refund)).kind).toBe("payment.refunded");
    expect(normalizeRecurEvent(envelope("refund.created", { ...refund, status: "PENDING" })).kind).toBe("ignored");
    expect(normalizeRecurEvent(envelope("refund.failed", { ...refund, status: "FAILED" })).kind).toBe("ignored");
    expect(normalizeRecurEvent(envelope("refund.succeeded", { ...refund, orderId: null })).kind).toBe("ignored");
  });

  it("marks unknown types as ignored", () => {
    expect(normalizeRecurEvent(envelope("checkout.created", { ...session, status: "OPEN" })).kind).toBe("ignored");
    expect(normalizeRecurEvent(envelope("customer.created", { id: "cus_1" })).kind).toBe("ignored");
  });
});
