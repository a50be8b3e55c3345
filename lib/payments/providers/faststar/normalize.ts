import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  DisputeSnapshot,
  DisputeStatus,
  InvoiceSnapshot,
  PaymentSnapshot,
  RefundSnapshot,
  SubscriptionSnapshot,
  SubscriptionStatus,
} from "@/lib/payments/types";

// FastStar objects → neutral shapes, written against the wire JSON and defensive about optional
// fields. Documented (faststarpay.com/docs): the session's id, status, amount_subtotal,
// amount_tax, amount_total, currency ("USD", upper case), session_token, expires_at (ISO 8601),
// and webhook data such as { payment_id, amount, currency, status }. Everything else read here
// — field names and status words — is **unconfirmed** and kept in this file.

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

/** FastStar shows ISO 8601 strings (expires_at); unix seconds are accepted too. */
export function toDate(value: unknown): Date | null {
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value === "string" && value) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  return null;
}

/** Our convention is lower-case ISO 4217; FastStar answers "USD". */
export function currencyOf(value: unknown): string | null {
  const c = str(value);
  return c ? c.toLowerCase() : null;
}

/**
 * Whether the tax was inside the price. FastStar names no field for it; its docs define it by
 * the amounts (seed 004 and faststarpay.com/docs/checkout-sessions, "How tax is displayed"):
 * tax-inclusive regions (EU VAT) have amount_total = amount_subtotal with amount_tax the
 * included part; tax-exclusive regions (US sales tax) amount_total = amount_subtotal +
 * amount_tax. So it is read off those figures; without tax, or when they fit neither, null.
 */
export function taxInclusiveOf(subtotal: number | null, tax: number | null, total: number | null): boolean | null {
  if (subtotal === null || tax === null || total === null || tax <= 0) return null;
  if (total === subtotal) return true;
  if (total === subtotal + tax) return false;
  return null;
}

/** A session (amount_total) or a payment (`amount`, the documented payment.succeeded field). */
export function amountsOf(object: Json): Amounts {
  const subtotal = num(object.amount_subtotal);
  const tax = num(object.amount_tax);
  const total = num(object.amount_total) ?? num(object.amount);
  return { subtotal, tax, total, currency: currencyOf(object.currency), taxInclusive: taxInclusiveOf(subtotal, tax, total) };
}

/**
 * Session status words. The docs show only "open"; "complete" and "expired" are **unconfirmed**
 * (providers.md), the other spellings are tolerated. An unknown word is read as still open:
 * it never fulfils anything.
 */
const SESSION_STATUS: Record<string, CheckoutStateStatus> = {
  open: "open",
  complete: "paid",
  completed: "paid",
  paid: "paid",
  succeeded: "paid",
  processing: "processing",
  expired: "expired",
  canceled: "canceled",
  cancelled: "canceled",
};

/** `payment_status` (**unconfirmed**): a complete session whose payment is still settling. */
const SETTLING = new Set(["unpaid", "pending", "processing"]);

export function sessionStatus(session: Json): CheckoutStateStatus {
  const status = SESSION_STATUS[str(session.status)?.toLowerCase() ?? ""] ?? "open";
  if (status === "paid" && SETTLING.has(str(session.payment_status)?.toLowerCase() ?? "")) return "processing";
  return status;
}

function modeOf(value: unknown): CheckoutMode | null {
  const mode = str(value);
  return mode === "payment" || mode === "subscription" || mode === "setup" ? mode : null;
}

/** Retrieve answers `data: { session, url? }` like create; a bare session object is accepted too. */
export function sessionFromData(data: Json): Json | null {
  if (isObject(data.session)) return data.session;
  return str(data.id) ? data : null;
}

export function checkoutStateFromSession(session: Json): CheckoutState {
  const subscription = isObject(session.subscription) ? subscriptionSnapshot(session.subscription) : null;
  return {
    providerSessionId: str(session.id) ?? "",
    ourCheckoutId: str(session.client_reference_id),
    status: sessionStatus(session),
    mode: modeOf(session.mode),
    paymentId: str(session.payment_id) ?? str(session.payment_intent_id),
    // FastStar's checkout session names no customer we could reuse (create has no customer field).
    customerId: null,
    subscriptionId: subscription?.id ?? str(session.subscription_id),
    subscription,
    amounts: amountsOf(session),
    expiresAt: toDate(session.expires_at),
    completedAt: toDate(session.completed_at), // unconfirmed field name
  };
}

/** Subscription status words (**unconfirmed**). Unknown → incomplete (no access). */
const SUBSCRIPTION_STATUS: Record<string, SubscriptionStatus> = {
  trialing: "trialing",
  active: "active",
  past_due: "past_due",
  // Retries are over: no access (types.ts; docs/money-policy.md). The word is unconfirmed for FastStar (Stripe's).
  unpaid: "unpaid",
  canceled: "canceled",
  cancelled: "canceled",
  expired: "expired",
  paused: "paused",
  incomplete: "incomplete",
};

/**
 * A subscription as FastStar describes it in webhook data (flat, `subscription_id`) or as an
 * object (`id`). `ourCheckoutId` is deliberately null: fulfillment comes only from
 * `payment.succeeded`, so a subscription event may update a subscription we already have but
 * never creates one (and its plan grant) on its own.
 */
export function subscriptionSnapshot(object: Json): SubscriptionSnapshot | null {
  const id = str(object.subscription_id) ?? str(object.id);
  const rawStatus = str(object.status)?.toLowerCase();
  if (!id || !rawStatus || !id.startsWith("sub")) return null;
  return {
    id,
    status: SUBSCRIPTION_STATUS[rawStatus] ?? "incomplete",
    currentPeriodEnd: toDate(object.current_period_end) ?? toDate(object.trial_end),
    cancelAtPeriodEnd: object.cancel_at_period_end === true,
    canceledAt: toDate(object.canceled_at),
    ourCheckoutId: null,
  };
}

/** payment.* data: `{ payment_id, amount, currency, status, … }` (the documented example). */
export function paymentSnapshot(data: Json): PaymentSnapshot | null {
  const id = str(data.payment_id) ?? str(data.payment_intent_id);
  if (!id) return null;
  const amount = num(data.amount);
  const amountRefunded = num(data.amount_refunded);
  return {
    id,
    amount,
    amountRefunded,
    currency: currencyOf(data.currency),
    refunded:
      data.refunded === true ||
      str(data.status) === "refunded" ||
      (amount !== null && amountRefunded !== null && amount > 0 && amountRefunded >= amount),
  };
}

/** refund.succeeded data (**unconfirmed** names: `refund_id`, `payment_id`, `amount`, `currency`): this one refund, by its id. */
export function refundOf(data: Json): RefundSnapshot | null {
  const id = str(data.refund_id) ?? (str(data.id)?.startsWith("re") ? str(data.id) : null);
  const amount = num(data.amount);
  if (!id || amount === null) return null;
  return { id, amount, currency: currencyOf(data.currency) };
}

/**
 * Dispute status words (**unconfirmed**: FastStar lists dispute.created / dispute.updated /
 * dispute.closed without payloads; these are Stripe's words, whose envelope FastStar copies).
 * Only "won" and "lost" are outcomes; every other word — and a closed dispute whose outcome is
 * not readable — stays open: suspended, neither restored nor revoked, until an operator looks.
 */
const DISPUTE_OUTCOME: Record<string, DisputeStatus> = { won: "won", lost: "lost" };

export function disputeOf(data: Json): DisputeSnapshot | null {
  const id = str(data.dispute_id) ?? (str(data.id)?.startsWith("dp") ? str(data.id) : null);
  if (!id) return null;
  const word = (str(data.outcome) ?? str(data.status))?.toLowerCase() ?? "";
  return { id, status: DISPUTE_OUTCOME[word] ?? "open", amount: num(data.amount), currency: currencyOf(data.currency) };
}

/**
 * invoice.paid data (**unconfirmed** beyond the event name: `invoice_id`, `subscription_id`,
 * `payment_id`, `amount_due`/`amount_paid` or `amount`, `currency`, `billing_reason`,
 * `period_end`). `billing_reason: "subscription_create"` marks the subscription's first invoice
 * (whose payment is the checkout's payment.succeeded).
 */
export function invoiceOf(data: Json): InvoiceSnapshot | null {
  const id = str(data.invoice_id) ?? (str(data.id)?.startsWith("in") ? str(data.id) : null);
  if (!id) return null;
  const amount = num(data.amount);
  return {
    id,
    firstPayment: str(data.billing_reason) === "subscription_create",
    amountDue: num(data.amount_due) ?? amount,
    // invoice.paid reports a paid invoice: its `amount` was paid unless it says otherwise.
    amountPaid: num(data.amount_paid) ?? amount,
    currency: currencyOf(data.currency),
  };
}
