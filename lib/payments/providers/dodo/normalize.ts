import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  PaymentSnapshot,
  SubscriptionSnapshot,
  SubscriptionStatus,
} from "@/lib/payments/types";

// Dodo objects → neutral shapes. Written against the wire JSON (not the SDK's types) and
// defensive about optional fields. Timestamps are ISO strings, currencies upper case, amounts
// integers in minor units (dispute amounts arrive as strings).

export type Json = Record<string, unknown>;

/** Dodo checkout sessions live 24 h (15 min with confirm:true, which a retrieve cannot tell). */
export const SESSION_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const CONFIRMED_SESSION_LIFETIME_MS = 15 * 60 * 1000;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return null;
}

export function date(value: unknown): Date | null {
  const text = str(value);
  if (!text) return null;
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}

function lower(value: unknown): string | null {
  const text = str(value);
  return text ? text.toLowerCase() : null;
}

/** Our checkout id as echoed in an object's metadata (`metadata.checkout_id`). */
export function ourCheckoutIdOf(object: Json | null | undefined): string | null {
  return object && isObject(object.metadata) ? str(object.metadata.checkout_id) : null;
}

export function customerIdOf(object: Json | null | undefined): string | null {
  return object && isObject(object.customer) ? str(object.customer.customer_id) : null;
}

export function paymentAmounts(payment: Json | null): Amounts {
  if (!payment) return { subtotal: null, tax: null, total: null, currency: null };
  const total = num(payment.total_amount);
  const tax = num(payment.tax);
  return { subtotal: total !== null ? total - (tax ?? 0) : null, tax, total, currency: lower(payment.currency) };
}

const DAY_MS = 86_400_000;

/**
 * Dodo's subscription statuses → ours. Dodo has no "trialing": a subscription in its free
 * trial is `active` with `trial_period_days` > 0 and its first billing date no later than the
 * trial's end (our reading; it needs no clock, so old and new events read the same).
 * on_hold (renewal failed, charges halted until the payment method is fixed) gives no access:
 * "paused"; past_due (inside the grace window) keeps access.
 */
export function subscriptionStatus(subscription: Json): SubscriptionStatus {
  switch (str(subscription.status)) {
    case "active": {
      const trialDays = num(subscription.trial_period_days) ?? 0;
      const created = date(subscription.created_at);
      const next = date(subscription.next_billing_date);
      if (trialDays > 0 && created && next && next.getTime() - created.getTime() <= trialDays * DAY_MS + 3_600_000) return "trialing";
      return "active";
    }
    case "past_due":
      return "past_due";
    case "on_hold":
    case "paused":
      return "paused";
    case "cancelled":
      return "canceled";
    case "expired":
    case "failed":
      return "expired";
    default: // "pending" and anything new
      return "incomplete";
  }
}

export function subscriptionSnapshot(subscription: Json): SubscriptionSnapshot | null {
  const id = str(subscription.subscription_id);
  if (!id || !str(subscription.status)) return null;
  return {
    id,
    status: subscriptionStatus(subscription),
    currentPeriodEnd: date(subscription.next_billing_date) ?? date(subscription.expires_at),
    cancelAtPeriodEnd: subscription.cancel_at_next_billing_date === true,
    canceledAt: date(subscription.cancelled_at),
    ourCheckoutId: ourCheckoutIdOf(subscription),
  };
}

/**
 * A checkout session's `payment_status` (null until the buyer submits) → ours. requires_*
 * words mean the buyer can still act on the page (open), or the payment waits on the merchant
 * or on capture (processing). Unpaid sessions past their lifetime are reported expired: the
 * retrieve answer has no status of its own for that (unconfirmed; see SESSION_LIFETIME_MS).
 */
export function sessionStatus(paymentStatus: unknown, createdAt: Date | null, now: Date): CheckoutStateStatus {
  switch (str(paymentStatus)) {
    case "succeeded":
      return "paid";
    case "failed":
      return "failed";
    case "cancelled":
      return "canceled";
    case "processing":
    case "requires_merchant_action":
    case "requires_capture":
    case "partially_captured":
    case "partially_captured_and_capturable":
      return "processing";
    case null:
      if (createdAt && now.getTime() >= createdAt.getTime() + SESSION_LIFETIME_MS) return "expired";
      return "open";
    default: // requires_payment_method, requires_customer_action, requires_confirmation
      return "open";
  }
}

/** GET /checkouts/{id}, plus the payment it names and that payment's subscription, when read. */
export function checkoutStateFromDodo(session: Json, payment: Json | null, subscription: Json | null, now = new Date()): CheckoutState {
  const createdAt = date(session.created_at);
  const subscriptionId = (payment ? str(payment.subscription_id) : null) ?? (subscription ? str(subscription.subscription_id) : null);
  const mode: CheckoutMode | null = payment ? (subscriptionId ? "subscription" : "payment") : null;
  return {
    providerSessionId: str(session.id) ?? "",
    ourCheckoutId: ourCheckoutIdOf(payment) ?? ourCheckoutIdOf(subscription),
    status: sessionStatus(session.payment_status, createdAt, now),
    mode,
    paymentId: str(session.payment_id) ?? (payment ? str(payment.payment_id) : null),
    customerId: customerIdOf(payment) ?? customerIdOf(subscription),
    subscriptionId,
    subscription: subscription ? subscriptionSnapshot(subscription) : null,
    amounts: paymentAmounts(payment),
    expiresAt: createdAt ? new Date(createdAt.getTime() + SESSION_LIFETIME_MS) : null,
  };
}

/** A Payment webhook payload → the payment snapshot billing records on the order. */
export function paymentSnapshot(payment: Json): PaymentSnapshot | null {
  const id = str(payment.payment_id);
  if (!id) return null;
  return { id, amount: num(payment.total_amount), currency: lower(payment.currency) };
}

/**
 * refund.succeeded: the Refund object. `amount` is THIS refund's own amount (not a running
 * total): recorded by `refund_id` and summed with the payment's other refunds.
 */
export function paymentFromRefund(refund: Json): PaymentSnapshot | null {
  const id = str(refund.payment_id);
  if (!id) return null;
  const refundId = str(refund.refund_id);
  const amount = num(refund.amount);
  const currency = lower(refund.currency);
  return { id, currency, refunded: refund.is_partial === false, refunds: refundId && amount !== null ? [{ id: refundId, amount, currency }] : [] };
}

/** dispute.*: the Dispute object (amount is a string of minor units). */
export function paymentFromDispute(dispute: Json): PaymentSnapshot | null {
  const id = str(dispute.payment_id);
  if (!id) return null;
  return { id, amount: num(dispute.amount), currency: lower(dispute.currency), disputeId: str(dispute.dispute_id) };
}
