import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  DisputeSnapshot,
  InvoiceSnapshot,
  PaymentSnapshot,
  RefundSnapshot,
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
  const tax = num(totalDetails.amount_tax);
  // Adaptive pricing: the buyer paid in their currency; `currency_conversion` has the same
  // totals in the price's (our) currency. Its tax is the total above the subtotal there.
  const conversion = isObject(session.currency_conversion) ? session.currency_conversion : null;
  const sourceCurrency = conversion ? str(conversion.source_currency) : null;
  const convertedSubtotal = conversion ? num(conversion.amount_subtotal) : null;
  const convertedTotal = conversion ? num(conversion.amount_total) : null;
  return {
    subtotal: num(session.amount_subtotal),
    tax,
    total: num(session.amount_total),
    currency: str(session.currency),
    converted:
      conversion && sourceCurrency
        ? {
            subtotal: convertedSubtotal,
            tax: tax && convertedTotal !== null && convertedSubtotal !== null ? convertedTotal - convertedSubtotal : null,
            total: convertedTotal,
            currency: sourceCurrency,
          }
        : null,
  };
}

const SUBSCRIPTION_STATUS: Record<string, SubscriptionStatus> = {
  trialing: "trialing",
  active: "active",
  past_due: "past_due",
  unpaid: "unpaid", // retries exhausted: no access (not past_due)
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

/** A Refund that moves (or moved) money back: pending and succeeded count; failed/canceled do not. */
export function refundSnapshot(refund: Json): RefundSnapshot | null {
  const id = str(refund.id);
  const amount = num(refund.amount);
  const status = str(refund.status);
  if (!id || amount === null || status === "failed" || status === "canceled") return null;
  return { id, amount, currency: str(refund.currency) };
}

/** charge.refunded: the Charge object (amount_refunded is Stripe's running total). */
export function paymentFromCharge(charge: Json): PaymentSnapshot | null {
  const id = idOf(charge.payment_intent) ?? str(charge.id);
  if (!id) return null;
  const amount = num(charge.amount);
  const amountRefunded = num(charge.amount_refunded);
  const listed = isObject(charge.refunds) && Array.isArray(charge.refunds.data) ? charge.refunds.data : [];
  return {
    id,
    amount,
    amountRefunded,
    currency: str(charge.currency),
    refunded: charge.refunded === true || (amount !== null && amountRefunded !== null && amountRefunded >= amount),
    refunds: listed.flatMap((refund) => (isObject(refund) ? (refundSnapshot(refund) ?? []) : [])),
  };
}

/** refund.created / refund.updated / charge.refund.updated: one Refund object. */
export function paymentFromRefund(refund: Json): PaymentSnapshot | null {
  const id = idOf(refund.payment_intent) ?? idOf(refund.charge);
  if (!id) return null;
  const snapshot = refundSnapshot(refund);
  return { id, currency: str(refund.currency), refunds: snapshot ? [snapshot] : [] };
}

/** charge.dispute.*: won (or an inquiry closed without a chargeback) returns the money; lost does not. */
export function disputeSnapshot(dispute: Json): DisputeSnapshot | null {
  const id = str(dispute.id);
  if (!id) return null;
  const status = str(dispute.status);
  return {
    id,
    status: status === "won" || status === "warning_closed" ? "won" : status === "lost" ? "lost" : "open",
    amount: num(dispute.amount),
    currency: str(dispute.currency),
  };
}

/** charge.dispute.created: the Dispute object. */
export function paymentFromDispute(dispute: Json): PaymentSnapshot | null {
  const charge = isObject(dispute.charge) ? dispute.charge : null;
  const id = idOf(dispute.payment_intent) ?? (charge ? idOf(charge.payment_intent) : null) ?? idOf(dispute.charge);
  if (!id) return null;
  return { id, amount: num(dispute.amount), currency: str(dispute.currency), disputeId: str(dispute.id) };
}

/**
 * The PaymentIntent that paid an invoice: `payments.data[].payment.payment_intent` since API
 * version 2025-03-31 (the pinned SDK's), `payment_intent` on older versions.
 */
export function invoicePaymentIntent(invoice: Json): string | null {
  const payments = isObject(invoice.payments) && Array.isArray(invoice.payments.data) ? invoice.payments.data : [];
  for (const entry of payments) {
    const payment = isObject(entry) && isObject(entry.payment) ? entry.payment : null;
    const intent = payment ? idOf(payment.payment_intent) ?? idOf(payment.charge) : null;
    if (intent && (!isObject(entry) || str(entry.status) !== "canceled")) return intent;
  }
  return idOf(invoice.payment_intent) ?? idOf(invoice.charge);
}

export function invoiceSnapshot(invoice: Json): InvoiceSnapshot | null {
  const id = str(invoice.id);
  if (!id) return null;
  return {
    id,
    firstPayment: str(invoice.billing_reason) === "subscription_create",
    amountDue: num(invoice.amount_due),
    amountPaid: num(invoice.amount_paid),
    currency: str(invoice.currency),
  };
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
