import type {
  Amounts,
  CheckoutMode,
  CheckoutState,
  CheckoutStateStatus,
  PaymentSnapshot,
  SubscriptionSnapshot,
  SubscriptionStatus,
} from "@/lib/payments/types";

// Creem objects → neutral shapes. The same functions read two spellings of one object: the
// wire JSON of a webhook (snake_case, ISO strings / Unix-ms numbers) and what the official SDK
// returns from an API read (camelCase keys, Date objects, after its zod remapping). `field`
// tries the snake_case name first, then its camelCase twin. Metadata keys are never remapped.

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

export function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** `object[snake_name]`, else `object[camelName]` (SDK-parsed objects). */
export function field(object: Json, name: string): unknown {
  if (object[name] !== undefined) return object[name];
  return object[camel(name)];
}

/** A Creem timestamp: Date (SDK), ISO string (objects), or a number — Unix ms (envelopes, transactions), seconds if small. */
export function toDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value === "string" && value) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  const n = num(value);
  if (n === null) return null;
  return new Date(n < 1e12 ? n * 1000 : n);
}

/** An expandable reference: "sub_…" or { id: "sub_…", … }. */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return value || null;
  if (isObject(value)) return str(value.id);
  return null;
}

export function metadataValue(object: Json, key: string): string | null {
  const metadata = field(object, "metadata");
  return isObject(metadata) ? str(metadata[key]) : null;
}

/** Our checkout id as Creem echoes it on a checkout: request_id, then metadata.checkout_id. */
export function ourCheckoutIdOf(checkout: Json): string | null {
  return str(field(checkout, "request_id")) ?? metadataValue(checkout, "checkout_id");
}

const lower = (value: unknown) => str(value)?.toLowerCase() ?? null;

// Creem's subscription statuses (creem@1.13.0 SubscriptionStatus, plus the webhook-only
// "expired"). scheduled_cancel = still running until the period ends, then canceled.
// unpaid = collection failed and retries are over: no access (docs/money-policy.md §5).
const SUBSCRIPTION_STATUS: Record<string, SubscriptionStatus> = {
  active: "active",
  trialing: "trialing",
  past_due: "past_due",
  unpaid: "unpaid",
  paused: "paused",
  canceled: "canceled",
  expired: "expired",
  scheduled_cancel: "active",
};

export function subscriptionSnapshot(subscription: Json): SubscriptionSnapshot | null {
  const id = str(subscription.id);
  const rawStatus = str(subscription.status);
  if (!id || !rawStatus) return null;
  const status = SUBSCRIPTION_STATUS[rawStatus];
  if (!status) return null;
  return {
    id,
    status,
    currentPeriodEnd: toDate(field(subscription, "current_period_end_date")),
    cancelAtPeriodEnd: rawStatus === "scheduled_cancel",
    canceledAt: toDate(field(subscription, "canceled_at")),
    ourCheckoutId: metadataValue(subscription, "checkout_id"),
  };
}

export const CHECKOUT_STATUS: Record<string, CheckoutStateStatus> = {
  pending: "open",
  processing: "processing",
  completed: "paid",
  expired: "expired",
};

/** The order's amounts; before there is an order, the product price × units. */
export function checkoutAmounts(checkout: Json): Amounts {
  const order = field(checkout, "order");
  if (isObject(order)) {
    const subtotal = num(field(order, "sub_total")) ?? num(order.amount);
    const tax = num(field(order, "tax_amount"));
    const total = num(field(order, "amount_paid")) ?? num(field(order, "amount_due")) ?? (subtotal !== null ? subtotal + (tax ?? 0) - (num(field(order, "discount_amount")) ?? 0) : null);
    return { subtotal, tax, total, currency: lower(order.currency) };
  }
  const product = field(checkout, "product");
  const units = num(checkout.units) ?? 1;
  const unit = num(field(checkout, "custom_price")) ?? (isObject(product) ? num(product.price) : null);
  const subtotal = unit !== null ? unit * units : null;
  return { subtotal, tax: null, total: subtotal, currency: isObject(product) ? lower(product.currency) : null };
}

export function checkoutMode(checkout: Json): CheckoutMode | null {
  if (field(checkout, "subscription")) return "subscription";
  const product = field(checkout, "product");
  const billing = isObject(product) ? str(field(product, "billing_type")) : null;
  if (billing === "recurring") return "subscription";
  if (billing === "onetime") return "payment";
  const order = field(checkout, "order");
  const type = isObject(order) ? str(order.type) : null;
  return type === "recurring" ? "subscription" : type === "onetime" ? "payment" : null;
}

/** A Creem checkout object (API read or webhook) → CheckoutState. */
export function checkoutStateFromCheckout(checkout: Json): CheckoutState {
  const rawStatus = str(checkout.status) ?? "";
  let status: CheckoutStateStatus = CHECKOUT_STATUS[rawStatus] ?? "open";
  const order = field(checkout, "order");
  // A completed checkout whose order is not paid yet (unconfirmed: Creem shows "pending"
  // orders for payments that settle later) is still processing.
  if (status === "paid" && isObject(order) && str(order.status) === "pending") status = "processing";
  const subscription = field(checkout, "subscription");
  return {
    providerSessionId: str(checkout.id) ?? "",
    ourCheckoutId: ourCheckoutIdOf(checkout),
    status,
    mode: checkoutMode(checkout),
    paymentId: isObject(order) ? str(order.id) : null,
    customerId: idOf(field(checkout, "customer")) ?? (isObject(order) ? str(order.customer) : null),
    subscriptionId: idOf(subscription),
    subscription: isObject(subscription) ? subscriptionSnapshot(subscription) : null,
    amounts: checkoutAmounts(checkout),
    // Creem's checkout object has no expiry (creem@1.13.0 CheckoutEntity).
    expiresAt: null,
  };
}

/** refund.created / dispute.created: the payment is the Creem order of the transaction. */
function paymentIdOf(object: Json): string | null {
  const transaction = field(object, "transaction");
  return idOf(field(object, "order")) ?? (isObject(transaction) ? str(transaction.order) : null) ?? idOf(transaction);
}

/** Our checkout id on a refund/dispute object: its embedded checkout (request_id / metadata). */
export function ourCheckoutIdOfPayment(object: Json): string | null {
  const checkout = field(object, "checkout");
  if (isObject(checkout)) return ourCheckoutIdOf(checkout);
  const subscription = field(object, "subscription");
  return isObject(subscription) ? metadataValue(subscription, "checkout_id") : null;
}

/**
 * refund.created: THIS refund (`refund_amount`, by its id) and, when the embedded transaction
 * has it, the transaction's running total (`refunded_amount`). A single refund's amount is
 * never read as a running total (two 50 % refunds must add up).
 */
export function paymentFromRefund(refund: Json): PaymentSnapshot | null {
  const id = paymentIdOf(refund);
  if (!id) return null;
  const transaction = field(refund, "transaction");
  const tx = isObject(transaction) ? transaction : {};
  const amount = num(field(tx, "amount_paid")) ?? num(tx.amount);
  const running = num(field(tx, "refunded_amount"));
  const refundId = str(refund.id);
  const refundAmount = num(field(refund, "refund_amount"));
  const currency = lower(field(refund, "refund_currency")) ?? lower(tx.currency);
  return {
    id,
    amount,
    ...(running !== null ? { amountRefunded: running } : {}),
    currency,
    refunded: str(tx.status) === "refunded" || (amount !== null && running !== null && running >= amount),
    refunds: refundId && refundAmount !== null ? [{ id: refundId, amount: refundAmount, currency }] : [],
  };
}

/** The transaction a subscription.paid reports: the payment its refunds and disputes will name (its order). */
export function paidTransaction(subscription: Json): { paymentId: string | null; invoiceId: string | null; amount: number | null; currency: string | null; periodEnd: Date | null } {
  const transaction = field(subscription, "last_transaction");
  const tx = isObject(transaction) ? transaction : {};
  const invoiceId = str(tx.id) ?? str(field(subscription, "last_transaction_id"));
  return {
    paymentId: str(tx.order) ?? invoiceId,
    invoiceId,
    amount: num(field(tx, "amount_paid")) ?? num(tx.amount),
    currency: lower(tx.currency),
    periodEnd: toDate(field(tx, "period_end")),
  };
}

/** Creem's `mode` on its objects: prod = live; test and sandbox = test. */
export function livemodeOf(object: Json): boolean | null {
  const mode = str(object.mode);
  return mode === "prod" ? true : mode === "test" || mode === "sandbox" ? false : null;
}

export function paymentFromDispute(dispute: Json): PaymentSnapshot | null {
  const id = paymentIdOf(dispute);
  if (!id) return null;
  return { id, amount: num(dispute.amount), currency: lower(dispute.currency), disputeId: str(dispute.id) };
}
