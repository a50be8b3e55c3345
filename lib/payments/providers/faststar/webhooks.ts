import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { faststarWebhookSecret } from "./config";
import { amountsOf, isObject, num, paymentSnapshot, str, subscriptionSnapshot, toDate, type Json } from "./normalize";

// FastStar webhooks (faststarpay.com/docs/webhooks):
//   X-Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of `${t}.${rawBody}`, keyed by the secret as text>
//   X-Webhook-ID:        the event id (idempotency)    X-Webhook-Timestamp: event creation time (unix seconds)
//   body: { id, type, created, data, livemode, api_version: "v1" }
// The docs give no tolerance; we refuse a `t` more than 300 s away from our clock (as Stripe's
// scheme, which this one copies), so a captured delivery cannot be replayed later.

export const FASTSTAR_SIGNATURE_TOLERANCE_SECONDS = 300;

/** The signature FastStar sends for `rawBody` at `timestamp` (also used by tests and the sandbox's twin). */
export function faststarSignature(rawBody: string, secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest("hex");
}

function parseSignatureHeader(header: string): { t: number; v1: string[] } {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-fA-F]{64}$/.test(value)) v1.push(value.toLowerCase());
  }
  if (t === null) throw new WebhookVerificationError("X-Webhook-Signature has no valid timestamp (t=<unix seconds>).");
  if (v1.length === 0) throw new WebhookVerificationError("X-Webhook-Signature has no v1 signature.");
  return { t, v1 };
}

/**
 * Verifies `X-Webhook-Signature` over the exact raw body, then normalizes the event. Fails
 * closed: without FASTSTAR_WEBHOOK_SECRET this throws ProviderConfigurationError and accepts nothing.
 */
export function verifyFaststarWebhook(rawBody: string, headers: Headers, now: number = Date.now()): PaymentEvent {
  const secret = faststarWebhookSecret();
  const header = headers.get("x-webhook-signature");
  if (!header) throw new WebhookVerificationError("Missing X-Webhook-Signature header.");
  const { t, v1 } = parseSignatureHeader(header);
  const age = Math.floor(now / 1000) - t;
  if (Math.abs(age) > FASTSTAR_SIGNATURE_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError(
      `FastStar webhook timestamp is outside the tolerance zone (${age} s from now; at most ${FASTSTAR_SIGNATURE_TOLERANCE_SECONDS} s).`,
    );
  }
  const expected = Buffer.from(faststarSignature(rawBody, secret, t), "hex");
  const matches = v1.some((candidate) => {
    const given = Buffer.from(candidate, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) throw new WebhookVerificationError("Invalid FastStar webhook signature: no v1 signature matches the body.");

  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch (error) {
    throw new WebhookVerificationError("FastStar webhook body is not JSON.", { cause: error });
  }
  const normalized = normalizeFaststarEvent(event);
  const headerId = headers.get("x-webhook-id");
  if (headerId && headerId !== normalized.eventId) {
    throw new WebhookVerificationError(`X-Webhook-ID ${headerId} does not match the signed event id ${normalized.eventId}.`);
  }
  return normalized;
}

/** A verified FastStar envelope → PaymentEvent. Exported for tests. */
export function normalizeFaststarEvent(event: unknown): PaymentEvent {
  if (!isObject(event) || !str(event.id) || !str(event.type) || num(event.created) === null || !isObject(event.data)) {
    throw new WebhookVerificationError("Malformed FastStar event: expected {id, type, created, data}.");
  }
  const data = event.data as Json;
  const base = {
    provider: "faststar" as const,
    eventId: event.id as string,
    type: event.type as string,
    occurredAt: toDate(event.created) as Date,
    source: "webhook" as const,
    raw: event,
  };
  const ignored = (): PaymentEvent => ({ ...base, kind: "ignored" });
  const ourCheckoutId = str(data.client_reference_id);
  const providerSessionId = str(data.checkout_session_id);

  switch (base.type) {
    // The one fulfillment signal. The front-end `checkout.success` event is UI only.
    case "payment.succeeded":
    case "payment.failed":
    case "payment.canceled": {
      // A payment that names no checkout (a subscription renewal) is handled by invoice.paid.
      if (!ourCheckoutId && !providerSessionId) return ignored();
      const kind: PaymentEventKind =
        base.type === "payment.succeeded" ? "checkout.completed" : base.type === "payment.failed" ? "checkout.failed" : "checkout.canceled";
      const payment = paymentSnapshot(data);
      const subscription = isObject(data.subscription) ? subscriptionSnapshot(data.subscription) : null;
      const amounts = amountsOf(data);
      return {
        ...base,
        kind,
        ourCheckoutId,
        providerSessionId,
        customerId: null,
        amounts,
        subscriptionId: subscription?.id ?? str(data.subscription_id),
        subscription,
        payment: payment && kind === "checkout.completed" ? { id: payment.id, amount: amounts.total, currency: amounts.currency } : null,
      };
    }
    case "payment.refunded": {
      const payment = paymentSnapshot(data);
      if (!payment) return ignored();
      return { ...base, kind: "payment.refunded", payment, ourCheckoutId };
    }
    // refund.succeeded reports one refund's amount, not the payment's cumulative refunded
    // amount; payment.refunded (sent for the same refund) carries that, so this one is not used.
    case "refund.succeeded":
      return ignored();
    case "subscription.created":
    case "subscription.updated":
    case "subscription.canceled": {
      const subscription = subscriptionSnapshot(data);
      if (!subscription) return ignored();
      const canceled = base.type === "subscription.canceled";
      return {
        ...base,
        kind: canceled ? "subscription.deleted" : "subscription.updated",
        subscriptionId: subscription.id,
        subscription: canceled && subscription.status !== "canceled" ? { ...subscription, status: "canceled" } : subscription,
      };
    }
    case "invoice.paid": {
      const subscriptionId = str(data.subscription_id);
      if (!subscriptionId) return ignored(); // a one-off invoice: nothing to extend
      return { ...base, kind: "invoice.paid", subscriptionId, periodEnd: toDate(data.period_end) };
    }
    // The failed renewal's effect (past_due) arrives as subscription.updated.
    case "invoice.payment_failed":
      return ignored();
    case "dispute.created": {
      const payment = paymentSnapshot(data);
      if (!payment) return ignored();
      return {
        ...base,
        kind: "dispute.created",
        ourCheckoutId,
        payment: { id: payment.id, amount: payment.amount, currency: payment.currency, disputeId: str(data.dispute_id) ?? str(data.id) },
      };
    }
    // dispute.updated / dispute.closed, settlement.succeeded, anything new: recorded, not used.
    default:
      return ignored();
  }
}
