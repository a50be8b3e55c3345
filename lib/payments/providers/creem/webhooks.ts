import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind, SubscriptionSnapshot } from "@/lib/payments/types";
import { creemWebhookSecret } from "./config";
import {
  checkoutStateFromCheckout,
  field,
  idOf,
  invoiceRefOf,
  isObject,
  livemodeOf,
  metadataValue,
  ourCheckoutIdOfPayment,
  paidTransaction,
  paymentFromDispute,
  paymentFromRefund,
  str,
  subscriptionSnapshot,
  toDate,
  type Json,
} from "./normalize";

// Creem's webhook schemes, as the official verifier (creem@1.13.0 src/webhooks.ts,
// `verifyWebhookSignature`) accepts them, in its order:
// 1. Standard Webhooks, when `webhook-id`, `webhook-timestamp` and `webhook-signature` are all
//    present: v1 = base64 HMAC-SHA256 of "id.timestamp.body" keyed by the base64 secret after
//    `whsec_`, timestamp within ±5 minutes. These headers, once present, decide alone.
// 2. Otherwise `creem-signature` (or `x-creem-signature`) = hex HMAC-SHA256 of the exact raw
//    body keyed by the secret as UTF-8 text (docs.creem.io "Webhook Signatures"). It has no
//    timestamp: a replay is stopped by the event id (WebhookEvent is unique per provider + id,
//    and lib/billing/handleWebhook answers a known id as a duplicate without applying it).

export const CREEM_SIGNATURE_HEADER = "creem-signature";
/** The SDK's default tolerance for `webhook-timestamp` (defaultToleranceInSeconds). */
export const CREEM_STANDARD_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** hex(HMAC-SHA256(secret, rawBody)). */
export function creemSignature(rawBody: string, secret: string): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest("hex");
}

function verifyCreemSignature(rawBody: string, header: string, secret: string): void {
  // The official verifier tolerates a "sha256=" prefix and upper-case hex; so does this one.
  const given = header.trim().replace(/^sha256=/i, "").toLowerCase();
  const expected = creemSignature(rawBody, secret);
  if (!/^[0-9a-f]{64}$/.test(given) || !timingSafeEqual(Buffer.from(given, "utf8"), Buffer.from(expected, "utf8"))) {
    throw new WebhookVerificationError("Invalid Creem webhook signature.");
  }
}

function verifyStandardWebhook(rawBody: string, headers: { id: string; timestamp: string; signature: string }, secret: string): void {
  const timestamp = Number(headers.timestamp);
  if (!/^\d+$/.test(headers.timestamp.trim()) || !Number.isSafeInteger(timestamp)) {
    throw new WebhookVerificationError("Invalid Creem webhook-timestamp header.");
  }
  const skew = Math.floor(Date.now() / 1000) - timestamp;
  if (skew > CREEM_STANDARD_WEBHOOK_TOLERANCE_SECONDS) throw new WebhookVerificationError("The Creem webhook-timestamp is too old (more than 5 minutes).");
  if (-skew > CREEM_STANDARD_WEBHOOK_TOLERANCE_SECONDS) throw new WebhookVerificationError("The Creem webhook-timestamp is too far in the future (more than 5 minutes).");
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${headers.id}.${timestamp}.${rawBody}`, "utf8").digest();
  const matches = headers.signature.split(" ").some((versioned) => {
    const [version, value] = versioned.split(",");
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError("Invalid Creem webhook-signature.");
}

/**
 * Verifies a Creem delivery over the exact raw body by either scheme above, then normalizes
 * the event. Fails closed: without CREEM_WEBHOOK_SECRET this throws ProviderConfigurationError
 * and accepts nothing.
 */
export function verifyCreemWebhook(rawBody: string, headers: Headers): PaymentEvent {
  const secret = creemWebhookSecret();
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  const legacy = headers.get(CREEM_SIGNATURE_HEADER) ?? headers.get(`x-${CREEM_SIGNATURE_HEADER}`);
  if (id && timestamp && signature) verifyStandardWebhook(rawBody, { id, timestamp, signature }, secret);
  else if (legacy) verifyCreemSignature(rawBody, legacy, secret);
  else throw new WebhookVerificationError("Missing creem-signature header (or the Standard Webhooks webhook-id, webhook-timestamp and webhook-signature).");
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch (error) {
    throw new WebhookVerificationError("The Creem webhook body is not JSON.", { cause: error });
  }
  return normalizeCreemEvent(event);
}

const SUBSCRIPTION_EVENTS = new Set([
  "subscription.active",
  "subscription.trialing",
  "subscription.paid",
  "subscription.update",
  "subscription.canceled",
  "subscription.scheduled_cancel",
  "subscription.past_due",
  "subscription.paused",
  "subscription.expired",
  "subscription.unpaid",
]);

/**
 * The status an event implies, when the object's own status word says less. The payload is the
 * subscription as it is now, so its status normally wins; only these events force one:
 * - canceled: the subscription ended (immediate cancel, or the end of a scheduled one).
 * - expired: the period ended without a payment; Creem keeps retrying and the subscription
 *   is terminal only once canceled (docs), and the sample payload still says "active":
 *   treated as past_due (access kept while Creem collects), unless the object says worse.
 */
function impliedSubscription(type: string, snapshot: SubscriptionSnapshot): SubscriptionSnapshot {
  if (type === "subscription.canceled" && snapshot.status !== "canceled" && snapshot.status !== "expired") {
    return { ...snapshot, status: "canceled", cancelAtPeriodEnd: false };
  }
  if (type === "subscription.expired" && (snapshot.status === "active" || snapshot.status === "trialing")) {
    return { ...snapshot, status: "past_due" };
  }
  if (type === "subscription.scheduled_cancel" && !snapshot.cancelAtPeriodEnd && snapshot.status !== "canceled") {
    return { ...snapshot, cancelAtPeriodEnd: true };
  }
  return snapshot;
}

/** A verified Creem envelope `{id, eventType, created_at, object}` → PaymentEvent. Exported for tests. */
export function normalizeCreemEvent(event: unknown): PaymentEvent {
  const occurredAt = isObject(event) ? toDate(event.created_at) : null;
  if (!isObject(event) || !str(event.id) || !str(event.eventType) || !occurredAt || !isObject(event.object)) {
    throw new WebhookVerificationError("Malformed Creem event: expected {id, eventType, created_at, object}.");
  }
  const object = event.object as Json;
  const base = {
    provider: "creem" as const,
    eventId: event.id as string,
    type: event.eventType as string,
    occurredAt,
    source: "webhook" as const,
    livemode: livemodeOf(object),
    raw: event,
  };
  const ignored = (): PaymentEvent => ({ ...base, kind: "ignored" });

  if (base.type === "checkout.completed") {
    // Never dropped for want of an id: billing matches it by our id or the session's, or says why not.
    const state = checkoutStateFromCheckout(object);
    const kind: PaymentEventKind = state.status === "processing" ? "checkout.processing" : "checkout.completed";
    return {
      ...base,
      kind,
      ourCheckoutId: state.ourCheckoutId,
      providerSessionId: state.providerSessionId || null,
      customerId: state.customerId,
      amounts: state.amounts,
      subscriptionId: state.subscriptionId,
      subscription: state.subscription,
      payment: state.paymentId ? { id: state.paymentId, amount: state.amounts.total, currency: state.amounts.currency } : null,
    };
  }
  if (base.type === "subscription.paid") {
    // A paid period (docs: "initial payments and renewals"): an invoice whose payment is its
    // transaction — the id its refunds and disputes name (normalize.ts, transactionIdOf). Which
    // payment is the first is read off the period's dates (normalize.ts, isFirstPaidPeriod);
    // billing also recognises it by its transaction id, the one the checkout.completed order
    // names. The subscription snapshot rides along for billing to upsert.
    const snapshot = subscriptionSnapshot(object);
    const subscription = snapshot ? impliedSubscription(base.type, snapshot) : null;
    const paid = paidTransaction(object);
    return {
      ...base,
      kind: "invoice.paid",
      ourCheckoutId: subscription?.ourCheckoutId ?? metadataValue(object, "checkout_id"),
      subscriptionId: subscription?.id ?? str(object.id),
      subscription,
      customerId: idOf(field(object, "customer")),
      periodEnd: paid.periodEnd ?? subscription?.currentPeriodEnd ?? toDate(field(object, "current_period_end_date")),
      invoice: paid.id ? { id: paid.id, firstPayment: paid.firstPayment, amountDue: null, amountPaid: paid.amount, currency: paid.currency } : null,
      payment: paid.id ? { id: paid.id, amount: paid.amount, currency: paid.currency } : null,
    };
  }
  if (SUBSCRIPTION_EVENTS.has(base.type)) {
    const snapshot = subscriptionSnapshot(object);
    if (!snapshot) return ignored();
    const subscription = impliedSubscription(base.type, snapshot);
    return {
      ...base,
      kind: subscription.status === "canceled" ? "subscription.deleted" : "subscription.updated",
      ourCheckoutId: subscription.ourCheckoutId ?? null,
      subscriptionId: subscription.id,
      subscription,
      customerId: idOf(field(object, "customer")),
    };
  }
  if (base.type === "refund.created") {
    // A refund Creem reports as failed or canceled (RefundStatus) moved no money: it is not
    // counted (the event still goes to billing, with the running total if any). Pending and
    // requiresAction ones are counted: the merchant's refund stands, and Creem documents no
    // later refund event that would report them again.
    const payment = paymentFromRefund(object);
    const status = str(object.status);
    const moved = status !== "failed" && status !== "canceled";
    return {
      ...base,
      kind: "payment.refunded",
      payment: moved ? payment : { ...payment, refunds: [] },
      invoice: invoiceRefOf(object),
      subscriptionId: idOf(field(object, "subscription")),
      ourCheckoutId: ourCheckoutIdOfPayment(object),
    };
  }
  if (base.type === "dispute.created") {
    // Creem documents no dispute outcome event (creem@1.13.0 WebhookEventType lists only
    // dispute.created; docs.creem.io's webhook reference likewise): a dispute stays open until
    // an operator acts, so nothing here ever produces "dispute.closed".
    const payment = paymentFromDispute(object);
    const dispute = payment.disputeId ? { id: payment.disputeId, status: "open" as const, amount: payment.amount ?? null, currency: payment.currency ?? null } : null;
    return {
      ...base,
      kind: "dispute.created",
      payment,
      dispute,
      invoice: invoiceRefOf(object),
      subscriptionId: idOf(field(object, "subscription")),
      ourCheckoutId: ourCheckoutIdOfPayment(object),
    };
  }
  return ignored();
}
