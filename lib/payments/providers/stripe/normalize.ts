import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  PaymentSnapshot,
  SubscriptionSnapshot,
  SubscriptionStatus,
} from "@/lib/payments/types";

// Stripe objects → neutral shapes. Written against the wire JSON (not the SDK's types) and
// defensive about optional fields: webhook payloads follow the endpoint's API version, and
// the local sandbox returns a subset of fields.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** An expandable field: "cus_…" or { id: "cus_…", … }. */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return value || null;
  if (isObject(value)) return str(value.id);
  return null;
}

export function fromUnix(value: unknown): Date | null {
  const seconds = num(value);
  return seconds === null ? null : new Date(seconds * 1000);
}

function metadataValue(object: Json, key: string): string | null {
  return isObject(object.metadata) ? str(object.metadata[key]) : null;
}

/** Our checkout id as echoed on a Stripe object: client_reference_id, then metadata.checkout_id. */
export function ourCheckoutIdOf(object: Json): string | null {
  return str(object.client_reference_id) ?? metadataValue(object, "checkout_id");
}

export function sessionAmounts(session: Json): Amounts {
  const totalDetails = isObject(session.total_details) ? session.total_details : {};
  return {
    subtotal: num(session.amount_subtotal),
    tax: num(totalDetails.amount_tax),
    total: num(session.amount_total),
    currency: str(session.currency),
  };
}

const SUBSCRIPTION_STATUS: Record<string, SubscriptionStatus> = {
  trialing: "trialing",
  active: "active",
  past_due: "past_due",
  unpaid: "past_due",
  canceled: "canceled",
  incomplete: "incomplete",
  incomplete_expired: "expired",
  paused: "paused",
};

export function subscriptionSnapshot(subscription: Json): SubscriptionSnapshot | null {
  const id = str(subscription.id);
  const rawStatus = str(subscription.status);
  if (!id || !rawStatus) return null;
  // API versions since 2025-03-31 carry the period on the items, older ones on the subscription.
  let periodEnd = num(subscription.current_period_end);
  const items = isObject(subscription.items) && Array.isArray(subscription.items.data) ? subscription.items.data : [];
  for (const item of items) {
    const end = isObject(item) ? num(item.current_period_end) : null;
    if (end !== null && (periodEnd === null || end > periodEnd)) periodEnd = end;
  }
  if (periodEnd === null) periodEnd = num(subscription.trial_end);
  return {
    id,
    status: SUBSCRIPTION_STATUS[rawStatus] ?? "incomplete",
    currentPeriodEnd: fromUnix(periodEnd),
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true || num(subscription.cancel_at) !== null,
    canceledAt: fromUnix(subscription.canceled_at) ?? fromUnix(subscription.ended_at),
    ourCheckoutId: metadataValue(subscription, "checkout_id"),
  };
}

function sessionMode(session: Json): CheckoutMode | null {
  const mode = str(session.mode);
  return mode === "payment" || mode === "subscription" || mode === "setup" ? mode : null;
}

/**
 * status open|complete|expired × payment_status paid|unpaid|no_payment_required:
 * complete+paid / complete+no_payment_required (trial, setup) → paid; complete+unpaid → an
 * asynchronous payment method still settling (processing) — or failed, when the expanded
 * PaymentIntent says so.
 */
export function sessionStatus(session: Json): CheckoutStateStatus {
  const status = str(session.status);
  const paymentStatus = str(session.payment_status);
  if (status === "expired") return "expired";
  if (status === "complete") {
    if (paymentStatus === "paid" || paymentStatus === "no_payment_required") return "paid";
    const intent = isObject(session.payment_intent) ? str(session.payment_intent.status) : null;
    if (intent === "canceled" || intent === "requires_payment_method") return "failed";
    return "processing";
  }
  return "open";
}

export function checkoutStateFromSession(session: Json, status = sessionStatus(session)): CheckoutState {
  const subscription = isObject(session.subscription) ? subscriptionSnapshot(session.subscription) : null;
  return {
    providerSessionId: str(session.id) ?? "",
    ourCheckoutId: ourCheckoutIdOf(session),
    status,
    mode: sessionMode(session),
    paymentId: idOf(session.payment_intent),
    customerId: idOf(session.customer),
    subscriptionId: idOf(session.subscription),
    subscription,
    amounts: sessionAmounts(session),
    expiresAt: fromUnix(session.expires_at),
  };
}

/** charge.refunded: the Charge object. */
export function paymentFromCharge(charge: Json): PaymentSnapshot | null {
  const id = idOf(charge.payment_intent) ?? str(charge.id);
  if (!id) return null;
  const amount = num(charge.amount);
  const amountRefunded = num(charge.amount_refunded);
  return {
    id,
    amount,
    amountRefunded,
    currency: str(charge.currency),
    refunded: charge.refunded === true || (amount !== null && amountRefunded !== null && amountRefunded >= amount),
  };
}

/** charge.dispute.created: the Dispute object. */
export function paymentFromDispute(dispute: Json): PaymentSnapshot | null {
  const charge = isObject(dispute.charge) ? dispute.charge : null;
  const id = idOf(dispute.payment_intent) ?? (charge ? idOf(charge.payment_intent) : null) ?? idOf(dispute.charge);
  if (!id) return null;
  return { id, amount: num(dispute.amount), currency: str(dispute.currency), disputeId: str(dispute.id) };
}

/** invoice.paid: the subscription it belongs to and the end of the period it pays for. */
export function invoiceDetails(invoice: Json): { subscriptionId: string | null; periodEnd: Date | null; ourCheckoutId: string | null } {
  const parent = isObject(invoice.parent) ? invoice.parent : null;
  const details = parent && isObject(parent.subscription_details) ? parent.subscription_details : null;
  const subscriptionId = (details ? idOf(details.subscription) : null) ?? idOf(invoice.subscription);
  let periodEnd: number | null = null;
  const lines = isObject(invoice.lines) && Array.isArray(invoice.lines.data) ? invoice.lines.data : [];
  for (const line of lines) {
    const end = isObject(line) && isObject(line.period) ? num(line.period.end) : null;
    if (end !== null && (periodEnd === null || end > periodEnd)) periodEnd = end;
  }
  const ourCheckoutId = details && isObject(details.metadata) ? str(details.metadata.checkout_id) : null;
  return { subscriptionId, periodEnd: fromUnix(periodEnd), ourCheckoutId };
}
