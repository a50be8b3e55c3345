import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { faststarWebhookSecret } from "./config";
import { amountsOf, currencyOf, disputeOf, invoiceOf, isObject, num, paymentSnapshot, refundOf, str, subscriptionSnapshot, toDate, type Json } from "./normalize";

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
    // The envelope's `livemode` (faststarpay.com/docs/webhooks): compared with the key's mode by billing.
    livemode: typeof event.livemode === "boolean" ? event.livemode : null,
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
      // A payment that names no checkout is a subscription renewal's: its money is recorded by the
      // invoice.paid of the same invoice (invoice_id, payment_id), which also moves the period —
      // reading it twice would extend the period twice, so this report is not used.
      // A payment naming neither (the docs' own abridged example) still goes to billing, which
      // records why it cannot match it: money is never dropped here for want of an id.
      if (!ourCheckoutId && !providerSessionId && (str(data.subscription_id) || str(data.invoice_id))) return ignored();
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
    // The payment's running total (`amount_refunded`): never a single refund's amount.
    case "payment.refunded": {
      const payment = paymentSnapshot(data) ?? { id: "" };
      return { ...base, kind: "payment.refunded", payment: { ...payment, refunds: [] }, ourCheckoutId, subscriptionId: str(data.subscription_id), invoice: invoiceRef(data) };
    }
    // One refund by its own id and amount (summed by billing with the others, never as a total).
    case "refund.succeeded": {
      const refund = refundOf(data);
      return {
        ...base,
        kind: "payment.refunded",
        ourCheckoutId,
        payment: { id: str(data.payment_id) ?? "", currency: currencyOf(data.currency), refunds: refund ? [refund] : [] },
        invoice: invoiceRef(data),
      };
    }
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
      if (!subscriptionId) return ignored(); // a one-off invoice: nothing to extend (its payment.succeeded fulfils)
      const invoice = invoiceOf(data);
      const paymentId = str(data.payment_id);
      return {
        ...base,
        kind: "invoice.paid",
        subscriptionId,
        periodEnd: toDate(data.period_end),
        invoice,
        // The invoice's payment: the payment_id its refunds and disputes carry.
        payment: paymentId ? { id: paymentId, amount: invoice?.amountPaid ?? null, currency: invoice?.currency ?? null } : null,
      };
    }
    // The failed renewal's effect (past_due, later unpaid) arrives as subscription.updated; no money moved.
    case "invoice.payment_failed":
      return ignored();
    // dispute.updated: an outcome (won/lost) closes it, anything else keeps (or opens) it open.
    case "dispute.created":
    case "dispute.updated":
    case "dispute.closed": {
      const dispute = disputeOf(data);
      const status = base.type === "dispute.created" ? "open" : (dispute?.status ?? "open");
      const payment = paymentSnapshot(data);
      return {
        ...base,
        kind: status === "open" ? "dispute.created" : "dispute.closed",
        ourCheckoutId,
        dispute: dispute ? { ...dispute, status } : null,
        payment: { id: payment?.id ?? "", amount: payment?.amount ?? null, currency: payment?.currency ?? null, disputeId: dispute?.id ?? null },
        invoice: invoiceRef(data),
      };
    }
    // settlement.succeeded (a payout of the balance), anything new: recorded, not used.
    default:
      return ignored();
  }
}

/** The invoice a refund/dispute's payment belongs to (`invoice_id` on the payment, unconfirmed): billing also matches renewals by it. */
function invoiceRef(data: Json) {
  const id = str(data.invoice_id);
  return id ? { id, firstPayment: false, amountDue: null, amountPaid: null, currency: null } : null;
}
