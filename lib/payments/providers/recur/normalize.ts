import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  InvoiceSnapshot,
  PaymentSnapshot,
  SubscriptionSnapshot,
  SubscriptionStatus,
} from "@/lib/payments/types";

// Recur objects → neutral shapes, written against the wire JSON and defensive about optional
// fields. Confirmed by seed 003 / providers.md: session `id` (cs_…), `url`, `expires_at`,
// `status` "COMPLETE" when paid, `orderId`, `subscriptionId`, `metadata`; event envelope
// `{id, type, timestamp, data}`.
//
// UNCONFIRMED — Recur's docs do not show these; the most plausible reading, kept here in one
// place (the local sandbox emits the same):
//  - session status words besides COMPLETE: OPEN (payable), EXPIRED; also accepted: PENDING,
//    PROCESSING, PAID/COMPLETED, FAILED, CANCELED/CANCELLED;
//  - subscription status words: TRIALING, ACTIVE, PAST_DUE, CANCELED (cancelled, access until
//    the period ends — Recur's "canceled" entitlement), EXPIRED (access ended), PAUSED, PENDING;
//  - amounts are whole units of the currency (the recur-tw typings: "whole TWD, 499 = NT$499"),
//    converted here to ISO 4217 minor units; currency codes upper case;
//  - timestamps ISO 8601 strings (numbers are read as Unix seconds or milliseconds);
//  - field names camelCase (`customerId`, `currentPeriodEnd`, `cancelAtPeriodEnd`, `checkoutId`),
//    snake_case variants accepted too (the docs show both styles).

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

/** The first present field among camelCase / snake_case spellings. */
export function field(object: Json, ...names: string[]): unknown {
  for (const name of names) {
    if (object[name] !== undefined && object[name] !== null) return object[name];
  }
  return undefined;
}

/** An id field that may also be an embedded object `{ id }`. */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return value || null;
  if (isObject(value)) return str(value.id);
  return null;
}

/** ISO 8601 string, or a number of Unix seconds / milliseconds. */
export function toDate(value: unknown): Date | null {
  if (typeof value === "string" && value) {
    if (/^\d+$/.test(value)) return toDate(Number(value));
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const n = num(value);
  if (n === null) return null;
  return new Date(n > 1e12 ? n : n * 1000);
}

const ZERO_DECIMAL = new Set("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" "));
const THREE_DECIMAL = new Set("bhd jod kwd omr tnd".split(" "));

/** Recur's whole-unit amount → ISO 4217 minor units (TWD 499 → 49900, as our catalog stores it). */
export function minorUnits(amount: unknown, currency: string | null): number | null {
  const n = num(amount);
  if (n === null) return null;
  const c = (currency ?? "").toLowerCase();
  const digits = ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
  return Math.round(n * 10 ** digits);
}

export function currencyOf(object: Json): string | null {
  const currency = str(object.currency);
  return currency ? currency.toLowerCase() : null;
}

export function amountsOf(object: Json): Amounts {
  const currency = currencyOf(object);
  const total = minorUnits(field(object, "amount", "amountTotal", "amount_total"), currency);
  return { subtotal: total, tax: null, total, currency };
}

/** Our checkout id, as we put it in the session's metadata (and Recur copies onward). */
export function ourCheckoutIdOf(object: Json): string | null {
  const metadata = isObject(object.metadata) ? object.metadata : null;
  return metadata ? (str(metadata.checkout_id) ?? null) : null;
}

const SESSION_STATUS: Record<string, CheckoutStateStatus> = {
  COMPLETE: "paid", // confirmed (seed 003)
  COMPLETED: "paid",
  PAID: "paid",
  OPEN: "open",
  PENDING: "open",
  PROCESSING: "processing",
  EXPIRED: "expired",
  FAILED: "failed",
  CANCELED: "canceled",
  CANCELLED: "canceled",
};

/** A session status word → ours; an unknown word is treated as still open (nothing is granted). */
export function sessionStatus(raw: unknown): CheckoutStateStatus {
  const word = typeof raw === "string" ? raw.toUpperCase() : "";
  return SESSION_STATUS[word] ?? "open";
}

const MODES: Record<string, CheckoutMode> = { PAYMENT: "payment", SUBSCRIPTION: "subscription", SETUP: "setup" };

export function sessionMode(raw: unknown): CheckoutMode | null {
  return typeof raw === "string" ? (MODES[raw.toUpperCase()] ?? null) : null;
}

export function checkoutStateFromSession(session: Json): CheckoutState {
  const subscriptionId = idOf(field(session, "subscriptionId", "subscription_id", "subscription"));
  const subscription = isObject(session.subscription) ? subscriptionSnapshot(session.subscription) : null;
  return {
    providerSessionId: str(session.id) ?? "",
    ourCheckoutId: ourCheckoutIdOf(session),
    status: sessionStatus(session.status),
    mode: sessionMode(session.mode),
    // The order is what a refund names: it is our "payment" at Recur.
    paymentId: idOf(field(session, "orderId", "order_id", "order")),
    customerId: idOf(field(session, "customerId", "customer_id", "customer")),
    subscriptionId,
    subscription,
    amounts: amountsOf(session),
    expiresAt: toDate(field(session, "expires_at", "expiresAt")),
  };
}

/**
 * Subscription status → ours. Recur's CANCELED means "cancelled, access until the period
 * ends" (its entitlement status `canceled`), so it maps to a still-running subscription that
 * will not renew; EXPIRED is the end of access.
 */
export function subscriptionSnapshot(subscription: Json): SubscriptionSnapshot | null {
  const id = str(subscription.id);
  const word = str(subscription.status)?.toUpperCase() ?? null;
  if (!id || !word) return null;
  const currentPeriodEnd = toDate(field(subscription, "currentPeriodEnd", "current_period_end"));
  const trialEndsAt = toDate(field(subscription, "trialEndsAt", "trial_ends_at", "trialEnd", "trial_end"));
  const canceledAt = toDate(field(subscription, "canceledAt", "cancelledAt", "canceled_at", "cancelled_at"));
  const flagged = field(subscription, "cancelAtPeriodEnd", "cancel_at_period_end") === true;
  const inTrial = trialEndsAt !== null && currentPeriodEnd !== null && trialEndsAt.getTime() >= currentPeriodEnd.getTime();
  let status: SubscriptionStatus;
  let cancelAtPeriodEnd = flagged;
  switch (word) {
    case "TRIALING":
      status = "trialing";
      break;
    case "ACTIVE":
      status = "active";
      break;
    case "PAST_DUE":
    case "UNPAID":
      status = "past_due";
      break;
    case "CANCELED":
    case "CANCELLED":
      status = inTrial ? "trialing" : "active";
      cancelAtPeriodEnd = true;
      break;
    case "EXPIRED":
    case "ENDED":
    case "REVOKED":
      status = "expired";
      break;
    case "PAUSED":
      status = "paused";
      break;
    case "PENDING":
    case "INCOMPLETE":
      status = "incomplete";
      break;
    default:
      return null;
  }
  return {
    id,
    status,
    currentPeriodEnd,
    cancelAtPeriodEnd,
    canceledAt,
    ourCheckoutId: ourCheckoutIdOf(subscription),
  };
}

/** refund.*: the order it refunds is the payment; `amount` is this refund's amount. */
export function paymentFromRefund(refund: Json): PaymentSnapshot | null {
  const orderId = idOf(field(refund, "orderId", "order_id", "order"));
  if (!orderId) return null;
  const currency = currencyOf(refund);
  const cumulative = minorUnits(field(refund, "amountRefunded", "amount_refunded", "totalRefunded"), currency);
  const refundId = idOf(refund.id) ?? idOf(field(refund, "refundId", "refund_id"));
  const amount = minorUnits(refund.amount, currency);
  return {
    id: orderId,
    // `amount` is this refund's own: counted by its id; only a running total is a running total.
    ...(cumulative !== null ? { amountRefunded: cumulative } : {}),
    refunds: refundId && amount !== null ? [{ id: refundId, amount, currency }] : [],
    currency,
    ...(field(refund, "fullRefund", "full_refund") === true ? { refunded: true } : {}),
  };
}

/** invoice.paid: the invoice and the order that paid it (what a refund of it names). */
export function invoicePayment(invoice: Json): { invoice: InvoiceSnapshot | null; payment: PaymentSnapshot | null } {
  const id = idOf(invoice.id) ?? idOf(field(invoice, "invoiceId", "invoice_id"));
  const currency = currencyOf(invoice);
  const amountDue = minorUnits(field(invoice, "amountDue", "amount_due", "total", "amount"), currency);
  const amountPaid = minorUnits(field(invoice, "amountPaid", "amount_paid"), currency) ?? amountDue;
  const orderId = idOf(field(invoice, "orderId", "order_id", "order"));
  return {
    invoice: id ? { id, firstPayment: false, amountDue, amountPaid, currency } : null,
    payment: orderId ? { id: orderId, amount: amountPaid, currency } : null,
  };
}

/** invoice.paid: its subscription and the end of the period it pays for. */
export function invoiceDetails(invoice: Json): { subscriptionId: string | null; periodEnd: Date | null; ourCheckoutId: string | null } {
  return {
    subscriptionId: idOf(field(invoice, "subscriptionId", "subscription_id", "subscription")),
    periodEnd: toDate(field(invoice, "periodEnd", "period_end", "currentPeriodEnd")),
    ourCheckoutId: ourCheckoutIdOf(invoice),
  };
}
