import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent } from "@/lib/payments/types";
import { recurWebhookSecret } from "./config";
import {
  amountsOf,
  field,
  idOf,
  invoiceDetails,
  invoicePayment,
  isObject,
  ourCheckoutIdOf,
  paymentFromRefund,
  str,
  subscriptionSnapshot,
  toDate,
  type Json,
} from "./normalize";

// Recur's webhook scheme (providers.md, seed 003):
//   X-Recur-Signature = base64( HMAC-SHA256( key = the whole whsec_… secret as UTF-8 text,
//                                            message = the exact raw body ) )
//   X-Recur-Event-Id, X-Recur-Event-Type, X-Recur-Timestamp (Unix ms) — NOT covered by the
//   signature. Envelope {id, type, timestamp, data}.
//
// Replay protection: the signature covers the body only, so a timestamp check on the unsigned
// X-Recur-Timestamp header would stop nothing (an attacker can rewrite it), and the body's own
// `timestamp` is the event's time, which stays the same across Recur's retries (hours apart).
// So no tolerance window: a replayed delivery is a duplicate event id, which
// lib/billing/handleWebhook records once (unique provider + event id) and applies once.
// The unsigned event-id/type headers, when present, must agree with the signed body.
//
// Encoding: the spec says base64. recur-tw/skills' example verifier compares a hex digest;
// both are encodings of the same MAC with the same secret, so both are accepted — neither is
// easier to forge.

export const RECUR_SIGNATURE_HEADER = "x-recur-signature";

export function recurSignature(rawBody: string, secret: string, encoding: "base64" | "hex" = "base64"): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest(encoding);
}

function matches(signature: string, rawBody: string, secret: string): boolean {
  const mac = createHmac("sha256", secret).update(rawBody, "utf8").digest();
  const given = signature.trim();
  const candidates: Buffer[] = [];
  if (/^[0-9a-fA-F]{64}$/.test(given)) candidates.push(Buffer.from(given, "hex"));
  if (/^[A-Za-z0-9+/]{43}=?$/.test(given) || /^[A-Za-z0-9_-]{43}$/.test(given)) candidates.push(Buffer.from(given, given.includes("-") || given.includes("_") ? "base64url" : "base64"));
  return candidates.some((candidate) => candidate.length === mac.length && timingSafeEqual(candidate, mac));
}

/**
 * Verifies X-Recur-Signature over the exact raw body, then normalizes the event. Fails closed:
 * without RECUR_WEBHOOK_SECRET this throws ProviderConfigurationError and accepts nothing.
 */
export function verifyRecurWebhook(rawBody: string, headers: Headers): PaymentEvent {
  const secret = recurWebhookSecret();
  const signature = headers.get(RECUR_SIGNATURE_HEADER);
  if (!signature) throw new WebhookVerificationError("Missing X-Recur-Signature header.");
  if (!matches(signature, rawBody, secret)) {
    throw new WebhookVerificationError("Invalid Recur webhook signature: it does not match the body with RECUR_WEBHOOK_SECRET.");
  }
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch (error) {
    throw new WebhookVerificationError("Recur webhook body is not JSON.", { cause: error });
  }
  const normalized = normalizeRecurEvent(event);
  const headerId = headers.get("x-recur-event-id");
  const headerType = headers.get("x-recur-event-type");
  if ((headerId && headerId !== normalized.eventId) || (headerType && headerType !== normalized.type)) {
    throw new WebhookVerificationError("X-Recur-Event-Id / X-Recur-Event-Type disagree with the signed body.");
  }
  return normalized;
}

const SUBSCRIPTION_EVENTS = new Set([
  "subscription.created",
  "subscription.activated",
  "subscription.renewed",
  "subscription.cancelled",
  "subscription.canceled",
  "subscription.expired",
  "subscription.past_due",
  "subscription.updated",
  "subscription.trial_ending",
]);

/** A verified Recur event envelope → PaymentEvent. Exported for tests. */
export function normalizeRecurEvent(event: unknown): PaymentEvent {
  if (!isObject(event) || !str(event.id) || !str(event.type) || !isObject(event.data)) {
    throw new WebhookVerificationError("Malformed Recur event: expected {id, type, timestamp, data}.");
  }
  const occurredAt = toDate(event.timestamp ?? event.created_at ?? event.createdAt);
  if (!occurredAt) throw new WebhookVerificationError("Malformed Recur event: no readable timestamp.");
  const data = event.data as Json;
  const type = event.type as string;
  const base = { provider: "recur" as const, eventId: event.id as string, type, occurredAt, source: "webhook" as const, raw: event };
  const ignored = (): PaymentEvent => ({ ...base, kind: "ignored" });

  if (type === "checkout.completed") {
    // data is the checkout session: reconciled by its id (cs_…) and metadata.checkout_id only.
    const subscription = isObject(data.subscription) ? subscriptionSnapshot(data.subscription) : null;
    const orderId = idOf(field(data, "orderId", "order_id", "order"));
    const amounts = amountsOf(data);
    return {
      ...base,
      kind: "checkout.completed",
      ourCheckoutId: ourCheckoutIdOf(data),
      providerSessionId: str(data.id),
      customerId: idOf(field(data, "customerId", "customer_id", "customer")),
      amounts,
      subscriptionId: idOf(field(data, "subscriptionId", "subscription_id", "subscription")),
      subscription,
      payment: orderId ? { id: orderId, amount: amounts.total, currency: amounts.currency } : null,
    };
  }

  if (type === "order.paid") {
    // data is the order. It completes the checkout it came from — but only when it names that
    // checkout (session id or our metadata id); an order naming neither is not ours to match.
    const sessionId = str(field(data, "checkoutId", "checkout_id", "checkoutSessionId", "checkout_session_id"));
    const ourCheckoutId = ourCheckoutIdOf(data);
    if (!sessionId && !ourCheckoutId) return ignored();
    const amounts = amountsOf(data);
    const orderId = str(data.id);
    return {
      ...base,
      kind: "checkout.completed",
      ourCheckoutId,
      providerSessionId: sessionId,
      customerId: idOf(field(data, "customerId", "customer_id", "customer")),
      amounts,
      subscriptionId: idOf(field(data, "subscriptionId", "subscription_id")),
      payment: orderId ? { id: orderId, amount: amounts.total, currency: amounts.currency } : null,
    };
  }

  if (SUBSCRIPTION_EVENTS.has(type)) {
    const snapshot = subscriptionSnapshot(data);
    if (!snapshot) return ignored();
    const ended = type === "subscription.expired" || snapshot.status === "expired";
    return {
      ...base,
      kind: ended ? "subscription.deleted" : "subscription.updated",
      ourCheckoutId: snapshot.ourCheckoutId ?? null,
      subscriptionId: snapshot.id,
      subscription: ended && snapshot.status !== "expired" ? { ...snapshot, status: "expired" } : snapshot,
      customerId: idOf(field(data, "customerId", "customer_id", "customer")),
    };
  }

  if (type === "invoice.paid") {
    const details = invoiceDetails(data);
    if (!details.subscriptionId) return ignored(); // a one-off invoice: nothing to extend
    return { ...base, kind: "invoice.paid", subscriptionId: details.subscriptionId, ourCheckoutId: details.ourCheckoutId, periodEnd: details.periodEnd, ...invoicePayment(data) };
  }

  // invoice.payment_failed carries no subscription state; subscription.past_due (sent with it)
  // does, so the failure itself is recorded and ignored.

  if (type.startsWith("refund.")) {
    // refund.created may be pending; only a refund that went through takes grants back.
    const status = str(data.status)?.toUpperCase() ?? null;
    const done = type === "refund.succeeded" || (type === "refund.created" && (status === "SUCCEEDED" || status === "COMPLETED"));
    if (!done) return ignored();
    const payment = paymentFromRefund(data);
    if (!payment) return ignored();
    return { ...base, kind: "payment.refunded", payment, ourCheckoutId: ourCheckoutIdOf(data) };
  }

  return ignored();
}
