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

/**
 * `product.tax_mode` (creem@1.13.0 ProductEntity.taxMode / TaxMode: "inclusive" = the tax is
 * included in the price, "exclusive" = added on top; the docs' checkout.completed sample shows
 * `"tax_mode": "exclusive"`). Null when the product is only an id.
 */
export function taxInclusiveOf(product: unknown): boolean | null {
  const mode = isObject(product) ? str(field(product, "tax_mode")) : null;
  return mode === "inclusive" ? true : mode === "exclusive" ? false : null;
}

/**
 * The order's amounts (creem@1.13.0 OrderEntity): `amount_paid` is what the buyer paid — after
 * any discount (`discount_amount`), with the tax (`tax_amount`) as the product's tax_mode has
 * it — so it is the total; `sub_total` the price before them. The docs' sample order carries
 * only `amount` ("the total amount of the order"), the last fallback. Amounts stay in the
 * order's `currency` (the product's, ours): `fx_amount`/`fx_currency` are the buyer's foreign
 * currency, not a conversion into ours, so `converted` is never set. Before there is an
 * order: the product price × units.
 */
export function checkoutAmounts(checkout: Json): Amounts {
  const order = field(checkout, "order");
  const taxInclusive = taxInclusiveOf(field(checkout, "product"));
  if (isObject(order)) {
    const amount = num(order.amount);
    const subtotal = num(field(order, "sub_total")) ?? amount;
    const tax = num(field(order, "tax_amount"));
    const discount = num(field(order, "discount_amount"));
    const computed =
      subtotal !== null && (tax !== null || discount !== null) ? subtotal - (discount ?? 0) + (taxInclusive === true ? 0 : (tax ?? 0)) : null;
    const total = num(field(order, "amount_paid")) ?? num(field(order, "amount_due")) ?? computed ?? amount;
    return { subtotal, tax, total, currency: lower(order.currency), taxInclusive };
  }
  const product = field(checkout, "product");
  const units = num(checkout.units) ?? 1;
  const unit = num(field(checkout, "custom_price")) ?? (isObject(product) ? num(product.price) : null);
  const subtotal = unit !== null ? unit * units : null;
  return { subtotal, tax: null, total: subtotal, currency: isObject(product) ? lower(product.currency) : null, taxInclusive };
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
    paymentId: checkoutPaymentId(checkout),
    customerId: idOf(field(checkout, "customer")) ?? (isObject(order) ? str(order.customer) : null),
    subscriptionId: idOf(subscription),
    subscription: isObject(subscription) ? subscriptionSnapshot(subscription) : null,
    amounts: checkoutAmounts(checkout),
    // Creem's checkout object has no expiry (creem@1.13.0 CheckoutEntity).
    expiresAt: null,
  };
}

/**
 * The payment id this adapter reports everywhere is Creem's TRANSACTION id (tran_…): one per
 * payment — the checkout's first one and each renewal — and the id a refund or dispute names.
 * Sources (creem@1.13.0): RefundEntity.transaction and DisputeEntity.transaction are required
 * (their `order` is optional), a refund is created by `transactionId` (CreateRefundRequestEntity),
 * and the docs' samples tie them together: subscription.paid's `last_transaction_id`
 * tran_5yMaWzAl3jxuGJMCOrYWwk is the refund.created sample's `transaction.id`, and the
 * dispute.created sample names only its transaction. An order id would lump every renewal of a
 * subscription into its first order (a renewal's transaction carries the subscription's order).
 */
export function transactionIdOf(object: Json): string | null {
  return idOf(field(object, "transaction"));
}

/**
 * A checkout's payment: its order's `transaction` (OrderEntity.transaction), else — a
 * subscription checkout — the subscription's `last_transaction_id`, else the order id (an order
 * without its transaction id: refunds then match by our checkout id on the refund).
 */
export function checkoutPaymentId(checkout: Json): string | null {
  const order = field(checkout, "order");
  const subscription = field(checkout, "subscription");
  return (
    (isObject(order) ? str(order.transaction) : null) ??
    (isObject(subscription) ? (str(field(subscription, "last_transaction_id")) ?? idOf(field(subscription, "last_transaction"))) : null) ??
    (isObject(order) ? str(order.id) : null)
  );
}

/** refund.created / dispute.created: the transaction, else (no transaction at all) the order. */
function paymentIdOf(object: Json): string | null {
  return transactionIdOf(object) ?? idOf(field(object, "order"));
}

/** Our checkout id on a refund/dispute object: its embedded checkout (request_id / metadata). */
export function ourCheckoutIdOfPayment(object: Json): string | null {
  const checkout = field(object, "checkout");
  if (isObject(checkout)) return ourCheckoutIdOf(checkout);
  const subscription = field(object, "subscription");
  return isObject(subscription) ? metadataValue(subscription, "checkout_id") : null;
}

/**
 * refund.created (creem@1.13.0 RefundEntity): THIS refund — `refund_amount` by its `id` — and,
 * only when the embedded transaction has it, the transaction's running total
 * (`refunded_amount`). A single refund's amount is never read as a running total (two 50 %
 * refunds must add up). Never null: a refund naming no payment still reaches billing (it
 * matches by our checkout id, or fails for retry), it is never dropped. `id` is "" then.
 */
export function paymentFromRefund(refund: Json): PaymentSnapshot {
  const transaction = field(refund, "transaction");
  const tx = isObject(transaction) ? transaction : {};
  const amount = num(field(tx, "amount_paid")) ?? num(tx.amount);
  const running = num(field(tx, "refunded_amount"));
  const refundId = str(refund.id);
  const refundAmount = num(field(refund, "refund_amount"));
  const currency = lower(field(refund, "refund_currency")) ?? lower(tx.currency);
  return {
    id: paymentIdOf(refund) ?? "",
    amount,
    ...(running !== null ? { amountRefunded: running } : {}),
    currency,
    refunded: str(tx.status) === "refunded" || (amount !== null && running !== null && running >= amount),
    refunds: refundId && refundAmount !== null ? [{ id: refundId, amount: refundAmount, currency }] : [],
  };
}

/**
 * The transaction a subscription.paid reports (WebhookSubscriptionEntity `last_transaction`,
 * a TransactionEntity, and `last_transaction_id`): the invoice and the payment its refunds and
 * disputes will name — both its transaction id. The docs' sample carries only
 * `last_transaction_id`: then the amounts are null (Creem's payload has none elsewhere; the
 * product's price is a list price, not what was paid). A TransactionEntity has no amount-due
 * field — subscription.paid reports a paid transaction — so `amountDue` is null.
 */
export function paidTransaction(subscription: Json): { id: string | null; amount: number | null; currency: string | null; periodEnd: Date | null; firstPayment: boolean } {
  const transaction = field(subscription, "last_transaction");
  const tx = isObject(transaction) ? transaction : {};
  return {
    id: str(tx.id) ?? str(field(subscription, "last_transaction_id")),
    amount: num(field(tx, "amount_paid")) ?? num(tx.amount),
    currency: lower(tx.currency),
    periodEnd: toDate(field(tx, "period_end")),
    firstPayment: isFirstPaidPeriod(subscription),
  };
}

/** How far the first paid period's start may lie from the subscription's creation (the checkout's payment settling). */
const FIRST_PERIOD_TOLERANCE_MS = 60 * 60 * 1000;

/**
 * Whether a subscription.paid pays the subscription's FIRST period — the checkout's own
 * payment. Creem has no flag for it; its fields say it: the paid period
 * (`current_period_start_date`) starts when the subscription was created (`created_at`, both
 * required/optional fields of WebhookSubscriptionEntity). A renewal's period starts a billing
 * interval later, and a trial's first paid period at the trial's end. Without both dates
 * (the docs' sample has no created_at): false, and billing recognises the first payment by its
 * transaction id, the one the checkout.completed order names.
 */
export function isFirstPaidPeriod(subscription: Json): boolean {
  const start = toDate(field(subscription, "current_period_start_date"));
  const created = toDate(field(subscription, "created_at"));
  return start !== null && created !== null && Math.abs(start.getTime() - created.getTime()) <= FIRST_PERIOD_TOLERANCE_MS;
}

/**
 * For a refund or dispute of a subscription's payment: its transaction as the invoice billing
 * recorded it by (for Creem, subscription.paid's invoice id is the transaction id), so a renewal
 * is found by either key. Null for a one-time payment (TransactionEntity.type "payment").
 */
export function invoiceRefOf(object: Json): InvoiceSnapshot | null {
  const transaction = field(object, "transaction");
  const id = idOf(transaction);
  if (!id) return null;
  const type = isObject(transaction) ? str(transaction.type) : null;
  const subscription = field(object, "subscription") ?? (isObject(transaction) ? transaction.subscription : null);
  if (type === "payment" || (type !== "invoice" && !subscription)) return null;
  return { id, firstPayment: false, amountDue: null, amountPaid: null, currency: isObject(transaction) ? lower(transaction.currency) : null };
}

/**
 * Creem's `mode` on its objects (creem@1.13.0 EnvironmentMode: "test" | "prod" | "sandbox"):
 * prod = live; test and sandbox = test; anything else (the docs' old "local") says nothing.
 * The envelope has no mode, so the event object's own is read, else an embedded object's.
 */
export function livemodeOf(object: Json): boolean | null {
  const candidates = [object.mode, ...["transaction", "last_transaction", "order", "product", "customer"].map((name) => {
    const nested = field(object, name);
    return isObject(nested) ? nested.mode : undefined;
  })];
  const mode = candidates.map(str).find((value) => value !== null) ?? null;
  return mode === "prod" ? true : mode === "test" || mode === "sandbox" ? false : null;
}

/** dispute.created (creem@1.13.0 DisputeEntity: id, amount, currency, transaction). Never null (see paymentFromRefund). */
export function paymentFromDispute(dispute: Json): PaymentSnapshot {
  return { id: paymentIdOf(dispute) ?? "", amount: num(dispute.amount), currency: lower(dispute.currency), disputeId: str(dispute.id) };
}
