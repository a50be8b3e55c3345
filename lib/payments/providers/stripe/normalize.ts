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

/**
 * Whether the session's `amount_total` includes its tax, from what the session itself says:
 * the tax rates of `total_details.breakdown` (expanded) when listed, else the arithmetic of
 * its figures (Stripe: `amount_subtotal` is before discounts and exclusive taxes, so an
 * inclusive tax is inside it). null when no tax was charged or the figures do not tell.
 */
export function sessionTaxInclusive(session: Json): boolean | null {
  const totalDetails = isObject(session.total_details) ? session.total_details : {};
  const tax = num(totalDetails.amount_tax);
  if (!tax) return null;
  const breakdown = isObject(totalDetails.breakdown) ? totalDetails.breakdown : null;
  const rates = breakdown && Array.isArray(breakdown.taxes) ? breakdown.taxes : [];
  const inclusive = rates.map((entry) => (isObject(entry) && isObject(entry.rate) && typeof entry.rate.inclusive === "boolean" ? entry.rate.inclusive : null));
  if (inclusive.length && inclusive.every((value) => value === true)) return true;
  if (inclusive.length && inclusive.every((value) => value === false)) return false;
  if (inclusive.length) return null; // mixed, or rates without the flag
  const subtotal = num(session.amount_subtotal);
  const total = num(session.amount_total);
  if (subtotal === null || total === null) return null;
  const beforeTax = subtotal - (num(totalDetails.amount_discount) ?? 0) + (num(totalDetails.amount_shipping) ?? 0);
  if (total === beforeTax + tax) return false;
  if (total === beforeTax) return true;
  return null;
}

export function sessionAmounts(session: Json): Amounts {
  const totalDetails = isObject(session.total_details) ? session.total_details : {};
  const subtotal = num(session.amount_subtotal);
  const total = num(session.amount_total);
  const tax = num(totalDetails.amount_tax);
  const taxInclusive = sessionTaxInclusive(session);
  return {
    subtotal,
    tax,
    total,
    currency: str(session.currency),
    taxInclusive,
    converted: convertedAmounts(session, { subtotal, tax, total, taxInclusive }),
  };
}

/**
 * Adaptive pricing: the buyer paid in their currency and `currency_conversion` carries the
 * figures in the session's creation currency (`source_currency`: ours, from the catalog). The
 * pinned API version gives amount_subtotal/amount_total there; its tax is read from
 * `currency_conversion.total_details` when present, else derived: exact when the tax was
 * added on top with nothing else between subtotal and total, else in proportion to the totals.
 */
function convertedAmounts(
  session: Json,
  presented: { subtotal: number | null; tax: number | null; total: number | null; taxInclusive: boolean | null },
): Amounts["converted"] {
  const conversion = isObject(session.currency_conversion) ? session.currency_conversion : null;
  const currency = conversion ? str(conversion.source_currency) : null;
  if (!conversion || !currency) return null;
  const subtotal = num(conversion.amount_subtotal);
  const total = num(conversion.amount_total);
  const details = isObject(conversion.total_details) ? conversion.total_details : null;
  const sessionDetails = isObject(session.total_details) ? session.total_details : {};
  let tax = details ? num(details.amount_tax) : null;
  if (tax === null && presented.tax !== null) {
    const nothingElse = !num(sessionDetails.amount_discount) && !num(sessionDetails.amount_shipping);
    if (presented.tax === 0) tax = 0;
    else if (presented.taxInclusive === false && nothingElse && subtotal !== null && total !== null) tax = total - subtotal;
    else if (total !== null && presented.total) tax = Math.round((presented.tax * total) / presented.total);
  }
  return { subtotal, tax, total, currency: currency.toLowerCase() };
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

/** Refund statuses that move money back (pending: on its way). requires_action, failed, canceled do not count. */
const COUNTED_REFUND_STATUSES = new Set(["succeeded", "pending"]);

/** One Refund object as a neutral refund, or null when it does not (or no longer does) count. */
export function refundSnapshot(refund: Json): RefundSnapshot | null {
  const id = str(refund.id);
  const amount = num(refund.amount);
  const status = str(refund.status);
  if (!id || amount === null || (status !== null && !COUNTED_REFUND_STATUSES.has(status))) return null;
  return { id, amount, currency: str(refund.currency) };
}

/**
 * charge.refunded: the Charge object. `amount_refunded` is Stripe's running total; `refunds`
 * lists each refund only where the payload includes it (API versions before 2022-11-15, or an
 * expanded read: the pinned version's events leave it out, refund.created names each one).
 */
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
    refunded: charge.refunded === true || (amount !== null && amountRefunded !== null && amount > 0 && amountRefunded >= amount),
    refunds: listed.flatMap((refund) => (isObject(refund) ? (refundSnapshot(refund) ?? []) : [])),
  };
}

/**
 * refund.created / refund.updated / refund.failed / charge.refund.updated: one Refund object.
 * Its payment: the PaymentIntent, else the charge (expanded or not). refunds: [] when it does
 * not count (failed, canceled, requires_action).
 */
export function paymentFromRefund(refund: Json): PaymentSnapshot | null {
  const charge = isObject(refund.charge) ? refund.charge : null;
  const id = idOf(refund.payment_intent) ?? (charge ? idOf(charge.payment_intent) : null) ?? idOf(refund.charge);
  if (!id) return null;
  const snapshot = refundSnapshot(refund);
  return { id, currency: str(refund.currency), refunds: snapshot ? [snapshot] : [] };
}

/**
 * charge.dispute.*: Dispute.status won, warning_closed (an inquiry closed without a
 * chargeback) and prevented (stopped before a chargeback: any money back goes through a refund,
 * reported as one) → won; lost → lost; the rest (needs_response, under_review, warning_*,
 * appeal_*) → open.
 */
export function disputeSnapshot(dispute: Json): DisputeSnapshot | null {
  const id = str(dispute.id);
  if (!id) return null;
  const status = str(dispute.status);
  return {
    id,
    status: status === "won" || status === "warning_closed" || status === "prevented" ? "won" : status === "lost" ? "lost" : "open",
    amount: num(dispute.amount),
    currency: str(dispute.currency),
  };
}

/** The disputed payment: the PaymentIntent, else the charge's. */
export function paymentFromDispute(dispute: Json): PaymentSnapshot | null {
  const charge = isObject(dispute.charge) ? dispute.charge : null;
  const id = idOf(dispute.payment_intent) ?? (charge ? idOf(charge.payment_intent) : null) ?? idOf(dispute.charge);
  if (!id) return null;
  return { id, amount: num(dispute.amount), currency: str(dispute.currency), disputeId: str(dispute.id) };
}

/** An InvoicePayment's payment: its PaymentIntent, else its charge (`payment.type` charge). Canceled/open ones paid nothing. */
export function invoicePaymentId(entry: Json): string | null {
  const status = str(entry.status);
  if (status !== null && status !== "paid") return null;
  const payment = isObject(entry.payment) ? entry.payment : null;
  return payment ? (idOf(payment.payment_intent) ?? idOf(payment.charge)) : null;
}

/**
 * The PaymentIntent that paid an invoice, where the payload carries it: `payments` (an
 * includable list since API version 2025-03-31, the pinned SDK's: present only when expanded,
 * never in events — see resolveInvoicePayment in webhooks.ts) or `payment_intent` / `charge`
 * (older versions).
 */
export function invoicePaymentIntent(invoice: Json): string | null {
  const payments = isObject(invoice.payments) && Array.isArray(invoice.payments.data) ? invoice.payments.data.filter(isObject) : [];
  const ordered = [...payments.filter((entry) => entry.is_default === true), ...payments.filter((entry) => entry.is_default !== true)];
  for (const entry of ordered) {
    const id = invoicePaymentId(entry);
    if (id) return id;
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
