import "server-only";
import DodoPayments from "dodopayments";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { DisputeStatus, PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { dodoWebhookKey } from "./config";
import {
  customerIdOf,
  date,
  isObject,
  ourCheckoutIdOf,
  paymentAmounts,
  paymentFromDispute,
  paymentFromRefund,
  paymentSnapshot,
  str,
  subscriptionSnapshot,
  type Json,
} from "./normalize";

/** Standard Webhooks' tolerance, as standardwebhooks@1.1.1 applies it (both directions). */
export const DODO_SIGNATURE_TOLERANCE_SECONDS = 300;

// Verification needs the SDK's client object but no API key: one verifier per secret, with a
// placeholder token that never leaves this process (it makes no API call).
const verifiers = new Map<string, DodoPayments>();
function verifier(secret: string): DodoPayments {
  let client = verifiers.get(secret);
  if (!client) {
    client = new DodoPayments({ bearerToken: "webhook-verification-only", baseURL: null, environment: "test_mode", webhookKey: secret, logLevel: "off" });
    verifiers.set(secret, client);
  }
  return client;
}

/**
 * Verifies a Standard Webhooks delivery — `webhook-id`, `webhook-timestamp` (±5 min),
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed by the base64
 * secret after `whsec_` — over the exact raw body through the SDK (`webhooks.unwrap`), then
 * normalizes it. Fails closed: without DODO_PAYMENTS_WEBHOOK_KEY it throws
 * ProviderConfigurationError and accepts nothing. The event id is `webhook-id`, the same on
 * every retry of one message.
 */
export function verifyDodoWebhook(rawBody: string, headers: Headers): PaymentEvent {
  const secret = dodoWebhookKey();
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  if (!id || !timestamp || !signature) {
    throw new WebhookVerificationError("Missing webhook-id, webhook-timestamp or webhook-signature header.");
  }
  let envelope: unknown;
  try {
    envelope = verifier(secret).webhooks.unwrap(rawBody, {
      headers: { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": signature },
      key: secret,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WebhookVerificationError(`Invalid Dodo Payments webhook signature: ${reason}`, { cause: error });
  }
  return normalizeDodoEvent(envelope, id);
}

const PAYMENT_KINDS: Record<string, PaymentEventKind> = {
  "payment.succeeded": "checkout.completed",
  "payment.failed": "checkout.failed",
  "payment.processing": "checkout.processing",
  "payment.cancelled": "checkout.canceled",
};

// Dodo's dispute lifecycle (dodopayments DisputeStatus): opened/challenged are still open;
// won and cancelled (the buyer's bank withdrew it) return the money; lost, accepted (by us) and
// expired (no response in time) do not.
const DISPUTE_STATUS: Record<string, DisputeStatus> = {
  "dispute.opened": "open",
  "dispute.challenged": "open",
  "dispute.won": "won",
  "dispute.cancelled": "won",
  "dispute.lost": "lost",
  "dispute.accepted": "lost",
  "dispute.expired": "lost",
};

/** A verified Dodo envelope `{business_id, type, timestamp, data:{payload_type, …}}` → PaymentEvent. Exported for tests. */
export function normalizeDodoEvent(envelope: unknown, webhookId: string): PaymentEvent {
  const occurredAt = isObject(envelope) ? date(envelope.timestamp) : null;
  if (!isObject(envelope) || !str(envelope.type) || !occurredAt || !isObject(envelope.data) || !webhookId) {
    throw new WebhookVerificationError("Malformed Dodo Payments event: expected {type, timestamp, data} and a webhook-id.");
  }
  const data = envelope.data as Json;
  const type = envelope.type as string;
  const base = { provider: "dodo" as const, eventId: webhookId, type, occurredAt, source: "webhook" as const, raw: envelope };
  const ignored = (extra: Partial<PaymentEvent> = {}): PaymentEvent => ({ ...base, ...extra, kind: "ignored" });

  if (type in PAYMENT_KINDS) {
    const payment = paymentSnapshot(data);
    if (!payment) return ignored();
    const sessionId = str(data.checkout_session_id);
    const subscriptionId = str(data.subscription_id);
    // A payment no checkout session made, on a subscription, is a renewal: a paid one is a paid
    // invoice (its refunds and disputes name this payment id); a failed one moves no money and
    // the subscription.on_hold that accompanies it carries the new state.
    if (!sessionId && subscriptionId) {
      if (type !== "payment.succeeded") return ignored({ subscriptionId, payment });
      const amount = payment.amount ?? null;
      return {
        ...base,
        kind: "invoice.paid",
        subscriptionId,
        customerId: customerIdOf(data),
        payment,
        invoice: { id: payment.id, firstPayment: false, amountDue: amount, amountPaid: amount, currency: payment.currency ?? null },
      };
    }
    return {
      ...base,
      kind: PAYMENT_KINDS[type],
      ourCheckoutId: ourCheckoutIdOf(data),
      providerSessionId: sessionId,
      customerId: customerIdOf(data),
      amounts: paymentAmounts(data),
      subscriptionId,
      payment,
    };
  }
  if (type.startsWith("subscription.")) {
    const subscription = subscriptionSnapshot(data);
    if (!subscription) return ignored();
    const ended = type === "subscription.cancelled" || type === "subscription.expired" || type === "subscription.failed";
    return {
      ...base,
      kind: ended ? "subscription.deleted" : "subscription.updated",
      ourCheckoutId: subscription.ourCheckoutId ?? null,
      subscriptionId: subscription.id,
      subscription: ended && subscription.status !== "canceled" && subscription.status !== "expired" ? { ...subscription, status: "canceled" } : subscription,
      customerId: customerIdOf(data),
    };
  }
  if (type === "refund.succeeded") {
    const payment = paymentFromRefund(data);
    if (!payment) return ignored();
    return { ...base, kind: "payment.refunded", payment, ourCheckoutId: ourCheckoutIdOf(data) };
  }
  if (type in DISPUTE_STATUS) {
    const payment = paymentFromDispute(data);
    if (!payment) return ignored();
    const status = DISPUTE_STATUS[type];
    const dispute = { id: payment.disputeId ?? `${payment.id}:dispute`, status, amount: payment.amount ?? null, currency: payment.currency ?? null };
    return { ...base, kind: status === "open" ? "dispute.created" : "dispute.closed", payment, dispute };
  }
  return ignored(); // refund.failed, payouts, licence keys, credits …
}
