import "server-only";
import { moneyTransaction } from "./transaction";
import type { Order, Prisma } from "@/lib/generated/prisma/client";
import type { CheckoutStatus } from "@/lib/generated/prisma/enums";
import type { CheckoutState, PaymentEvent, PaymentEventKind, ProviderName } from "@/lib/payments/types";
import { applyDispute, applyRefund, reconcileOrderGrants } from "./apply-after-payment";
import { checkoutWithItems, ensureCustomer, NotYetMatchedError, type ApplyOutcome, type CheckoutWithItems, type Tx } from "./apply-common";
import { applyInvoicePaid, applySubscriptionEvent, extendPaidThrough, firstPeriodEnd, subscriptionForCompletedCheckout, syncPlanGrant, type SubscriptionRow } from "./apply-subscriptions";
import { NO_PAID_AMOUNT, paidAmountMismatch } from "./money-policy";

// THE function that turns a provider-verified change (a verified webhook, or the provider's
// own API read) into our state, in ONE transaction: Checkout, Customer, Order, Subscription,
// Entitlement, Refund, Dispute. Idempotent by unique keys (Order.checkoutId, Order(provider,
// providerInvoiceId), Entitlement.source, Subscription(provider, providerSubscriptionId),
// Refund/Dispute(provider, id), Customer keys) — inserts use ON CONFLICT DO NOTHING, so a
// duplicate never aborts the transaction — and serialized with SELECT … FOR UPDATE in one
// lock order: Checkout → Subscription → Order → Customer/User.
//
// Matching: a checkout is found ONLY by our id (as the provider echoes it) or by the
// provider's session id — never by email or customer. Subscriptions are found by the
// provider's subscription id, or (first sighting) by our checkout id in their metadata;
// refunds/disputes by the payment (or invoice) id recorded on our Order.
//
// What a buyer keeps follows the money policy (money-policy.ts, docs/money-policy.md): a
// completion whose paid amount is not what we priced is held for review, not fulfilled.

export type { ApplyOutcome, Tx } from "./apply-common";

/** Applies one verified change. With `tx`, inside the caller's transaction; else in its own. */
export async function applyEvent(event: PaymentEvent, options: { tx?: Tx } = {}): Promise<ApplyOutcome> {
  if (options.tx) return applyWithin(options.tx, event);
  return moneyTransaction((tx) => applyWithin(tx, event));
}

/** A provider's authoritative session state (from getCheckout) as a change to apply. */
export function eventFromCheckoutState(provider: ProviderName, state: CheckoutState, observedAt: Date): PaymentEvent {
  const kinds: Record<CheckoutState["status"], PaymentEventKind> = {
    open: "checkout.open",
    processing: "checkout.processing",
    paid: "checkout.completed",
    failed: "checkout.failed",
    expired: "checkout.expired",
    canceled: "checkout.canceled",
  };
  return {
    provider,
    eventId: `api:${state.providerSessionId}:${observedAt.getTime()}`,
    type: `api.checkout.${state.status}`,
    // A paid session's own completion time where the provider gives one: the same whichever of
    // our reads (or its webhook) records it first.
    occurredAt: (state.status === "paid" ? state.completedAt : null) ?? observedAt,
    source: "api",
    kind: kinds[state.status],
    ourCheckoutId: state.ourCheckoutId,
    providerSessionId: state.providerSessionId,
    customerId: state.customerId,
    amounts: state.amounts,
    subscriptionId: state.subscriptionId,
    subscription: state.subscription,
    payment: state.paymentId ? { id: state.paymentId, amount: state.amounts.total, currency: state.amounts.currency } : null,
    raw: state,
  };
}

async function applyWithin(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  switch (event.kind) {
    case "checkout.completed":
      return completeCheckout(tx, event);
    case "checkout.processing":
      return setCheckoutStatus(tx, event, "processing");
    case "checkout.failed":
      return setCheckoutStatus(tx, event, "failed");
    case "checkout.expired":
      return setCheckoutStatus(tx, event, "expired");
    case "checkout.canceled":
      return setCheckoutStatus(tx, event, "canceled");
    case "checkout.open":
      return setCheckoutStatus(tx, event, "open");
    case "subscription.updated":
    case "subscription.deleted":
      return applySubscriptionEvent(tx, event);
    case "invoice.paid":
      return applyInvoicePaid(tx, event);
    case "payment.refunded":
      return applyRefund(tx, event);
    case "dispute.created":
    case "dispute.closed":
      return applyDispute(tx, event);
    case "ignored":
      return { status: "ignored", note: `event type ${event.type} is not used` };
  }
}

// ─────────────────────────────────────── Checkouts ───────────────────────────────────────

type Found = { checkout: CheckoutWithItems } | { note: string };

/** Finds and locks our checkout by our id and/or the provider's session id. */
async function findCheckout(tx: Tx, event: PaymentEvent): Promise<Found> {
  const sessionId = event.providerSessionId ?? null;
  let ourId = event.ourCheckoutId ?? null;
  if (!ourId && !sessionId) {
    // A payment naming only itself (FastStar's documented payment.succeeded): its checkout is
    // known once the payment id is recorded (the success page's sync, or a scan of open checkouts).
    const paymentId = event.kind === "checkout.completed" ? (event.payment?.id ?? null) : null;
    if (!paymentId) return { note: "event carries neither our checkout id nor a session id" };
    const order = await tx.order.findUnique({
      where: { provider_providerPaymentId: { provider: event.provider, providerPaymentId: paymentId } },
      select: { checkoutId: true },
    });
    if (!order) throw new NotYetMatchedError(`payment ${paymentId} names no checkout and none has recorded it`);
    if (!order.checkoutId) return { note: `payment ${paymentId} is a renewal's, recorded by its invoice` };
    ourId = order.checkoutId;
  }

  // One round trip finds and locks both candidates (by our id, by the provider's session id).
  const candidates = await tx.$queryRaw<{ id: string; provider: ProviderName; providerSessionId: string | null }[]>`
    SELECT id, provider::text AS provider, "providerSessionId" FROM "Checkout"
    WHERE id = ${ourId} OR (provider = ${event.provider}::"PaymentProviderName" AND "providerSessionId" = ${sessionId})
    FOR UPDATE`;
  const byOurId = ourId ? (candidates.find((row) => row.id === ourId) ?? null) : null;
  const bySession = sessionId ? (candidates.find((row) => row.provider === event.provider && row.providerSessionId === sessionId) ?? null) : null;

  if (byOurId && byOurId.provider !== event.provider) {
    return { note: `checkout ${byOurId.id} belongs to ${byOurId.provider}, not ${event.provider}` };
  }
  if (byOurId && bySession && byOurId.id !== bySession.id) {
    return { note: `our id ${byOurId.id} and session ${sessionId} point to different checkouts` };
  }
  if (byOurId && sessionId && byOurId.providerSessionId && byOurId.providerSessionId !== sessionId) {
    return { note: `checkout ${byOurId.id} has session ${byOurId.providerSessionId}, the event names ${sessionId}` };
  }
  const match = byOurId ?? bySession;
  if (!match) return { note: `no checkout matches ${ourId ? `id ${ourId}` : ""}${ourId && sessionId ? " / " : ""}${sessionId ? `session ${sessionId}` : ""}` };

  const checkout = await tx.checkout.findUniqueOrThrow({ where: { id: match.id }, include: checkoutWithItems });
  return { checkout };
}

async function setCheckoutStatus(tx: Tx, event: PaymentEvent, status: CheckoutStatus): Promise<ApplyOutcome> {
  const found = await findCheckout(tx, event);
  if ("note" in found) return { status: "ignored", note: found.note };
  const { checkout } = found;
  const data: Prisma.CheckoutUpdateInput = {};
  if (!checkout.providerSessionId && event.providerSessionId) data.providerSessionId = event.providerSessionId;
  // complete is final: a verified payment is never undone by a later/older status report.
  // "open" only replaces "pending" (the session exists); it never reopens an ended checkout.
  const from = checkout.status;
  const allowed =
    status === "open"
      ? from === "pending"
      : status === "processing"
        ? from === "pending" || from === "open"
        : from === "pending" || from === "open" || from === "processing";
  if (allowed) {
    data.status = status;
    if (status === "failed") data.lastError = `payment failed (${event.type})`;
  }
  if (Object.keys(data).length === 0) {
    return { status: "applied", note: `checkout ${checkout.id} already ${checkout.status}`, checkoutId: checkout.id };
  }
  await tx.checkout.update({ where: { id: checkout.id }, data });
  return { status: "applied", checkoutId: checkout.id };
}

async function completeCheckout(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const found = await findCheckout(tx, event);
  if ("note" in found) return { status: "ignored", note: found.note };
  const { checkout } = found;
  const reported = event.amounts;
  const data: Prisma.CheckoutUpdateInput = {
    // The earliest reported completion, whichever report arrives first (providers may send
    // two, e.g. Recur's order.paid and checkout.completed, milliseconds apart).
    completedAt: checkout.completedAt && checkout.completedAt.getTime() <= event.occurredAt.getTime() ? checkout.completedAt : event.occurredAt,
    ...(!checkout.providerSessionId && event.providerSessionId ? { providerSessionId: event.providerSessionId } : {}),
    // The provider's figures beside ours; our priced amounts are never overwritten.
    ...(reported?.total != null
      ? {
          providerAmountTotal: reported.total,
          // A report without the tax (FastStar's payment.succeeded) keeps the one the session gave.
          providerAmountTax: reported.tax ?? checkout.providerAmountTax,
          providerCurrency: reported.currency?.toLowerCase() ?? null,
        }
      : {}),
  };

  if (checkout.mode === "setup") {
    await tx.checkout.update({ where: { id: checkout.id }, data: { ...data, status: "complete", lastError: null } });
    if (event.customerId) await ensureCustomer(tx, checkout.userId, event.provider, event.customerId);
    return { status: "applied", checkoutId: checkout.id };
  }

  // Paid = priced, or held for review. A decision stands: a complete checkout stays complete,
  // and a held one is released only by an admin — or by a report with matching figures when
  // the hold was for want of any figure.
  const priced = { amountTotal: checkout.amountTotal, currency: checkout.currency, trial: (checkout.trialDays ?? 0) > 0 };
  const mismatch = paidAmountMismatch(priced, reported);
  const held =
    checkout.status === "complete"
      ? false
      : checkout.status === "held"
        ? !(checkout.heldReason === NO_PAID_AMOUNT && mismatch === null)
        : mismatch !== null;
  const heldReason = held ? (checkout.status === "held" ? checkout.heldReason : mismatch) : null;
  await tx.checkout.update({
    where: { id: checkout.id },
    data: { ...data, status: held ? "held" : "complete", heldReason, lastError: null },
  });

  // Lock order Checkout → Subscription → Order: subscriptions before the order.
  const subscriptions: SubscriptionRow[] = [];
  for (const item of checkout.items) {
    if (item.price.type !== "recurring") continue;
    const subscription = await subscriptionForCompletedCheckout(tx, event, checkout, item.priceId);
    if (subscription) subscriptions.push(subscription);
  }
  const order = await recordCheckoutOrder(tx, checkout, event, subscriptions[0]?.id ?? null);
  if (held) {
    for (const subscription of subscriptions) await syncPlanGrant(tx, subscription.id);
  } else {
    await fulfil(tx, checkout, order, event.occurredAt, subscriptions, event.subscription?.currentPeriodEnd ?? null);
  }
  if (event.customerId) await ensureCustomer(tx, checkout.userId, event.provider, event.customerId);
  return { status: "applied", checkoutId: checkout.id, ...(held ? { note: `held for review: ${heldReason}` } : {}) };
}

/** One order per paid checkout, however many times it is reported: the money received, as the provider charged it. */
async function recordCheckoutOrder(tx: Tx, checkout: CheckoutWithItems, event: PaymentEvent, subscriptionId: string | null): Promise<Order> {
  const [created] = await tx.order.createManyAndReturn({
    data: [
      {
        userId: checkout.userId,
        checkoutId: checkout.id,
        subscriptionId,
        provider: checkout.provider,
        providerPaymentId: event.payment?.id ?? null,
        amountTotal: event.amounts?.total ?? checkout.amountTotal,
        currency: (event.amounts?.currency ?? checkout.currency).toLowerCase(),
      },
    ],
    skipDuplicates: true,
  });
  let order = created ?? (await tx.order.findUnique({ where: { checkoutId: checkout.id } }));
  if (!order && event.payment?.id) {
    // Its first paid invoice got here first (Creem's subscription.paid) and recorded the payment: adopt it.
    const recorded = await tx.order.findUnique({ where: { provider_providerPaymentId: { provider: checkout.provider, providerPaymentId: event.payment.id } } });
    if (recorded && recorded.userId === checkout.userId && !recorded.checkoutId) {
      order = await tx.order.update({ where: { id: recorded.id }, data: { checkoutId: checkout.id } });
    }
  }
  if (!order) throw new Error(`order for checkout ${checkout.id} could not be created (payment id ${event.payment?.id} already used?)`);
  const fill = {
    ...(!order.providerPaymentId && event.payment?.id ? { providerPaymentId: event.payment.id } : {}),
    ...(!order.subscriptionId && subscriptionId ? { subscriptionId } : {}),
  };
  return Object.keys(fill).length ? tx.order.update({ where: { id: order.id }, data: fill }) : order;
}

/** Grants what a complete checkout bought: one-time products and credits by its order, plans by the subscription's paid period. */
async function fulfil(tx: Tx, checkout: CheckoutWithItems, order: Order, at: Date, subscriptions: SubscriptionRow[], reportedPeriodEnd: Date | null = null): Promise<void> {
  const single = checkout.items.length === 1;
  for (const item of checkout.items) {
    if (item.price.type === "recurring") continue;
    const product = item.price.product;
    const key = product.entitlement ?? product.id;
    const source = single ? `order:${order.id}` : `order:${order.id}:${item.id}`;
    const grant: Prisma.EntitlementCreateManyInput =
      product.kind === "credit_pack"
        ? { userId: checkout.userId, kind: "credits", key: "credits", quantity: item.quantity * (product.credits ?? 0), source, orderId: order.id }
        : { userId: checkout.userId, kind: "lasting", key, quantity: item.quantity, source, orderId: order.id, periodStart: at };
    await tx.entitlement.createMany({ data: [grant], skipDuplicates: true });
  }
  // The first period is covered by this checkout: paid for, or the trial it asked for. Its end
  // comes from the completion itself, never from the row (later events may have moved it).
  for (const subscription of subscriptions) {
    await extendPaidThrough(tx, subscription, reportedPeriodEnd ?? firstPeriodEnd(checkout, at));
    await syncPlanGrant(tx, subscription.id);
  }
  // Money that moved before the grants existed (a refund recorded while the checkout was held).
  if (order.amountRefunded > 0 || order.status !== "paid") await reconcileOrderGrants(tx, order.id);
}

export type ReviewDecision = "grant" | "refund";

/**
 * An admin's decision on a held checkout: "grant" fulfils it as if it had matched; "refund"
 * records that the money goes back (refund it in the provider's dashboard: its refund webhook
 * then lands on this checkout's order) and grants nothing. Once decided, it stays decided.
 */
export async function decideHeldCheckout(checkoutId: string, decision: ReviewDecision, decidedBy: string): Promise<{ status: CheckoutStatus }> {
  return moneyTransaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "Checkout" WHERE id = ${checkoutId} FOR UPDATE`;
    const checkout = await tx.checkout.findUnique({ where: { id: checkoutId }, include: checkoutWithItems });
    if (!checkout) throw new Error(`no checkout ${checkoutId}`);
    if (checkout.status !== "held" || checkout.reviewDecision) {
      throw new Error(`checkout ${checkoutId} is ${checkout.status}${checkout.reviewDecision ? ` (decided: ${checkout.reviewDecision})` : ""}, not waiting for review`);
    }
    const reviewed = { reviewDecision: decision, reviewedBy: decidedBy, reviewedAt: new Date() };
    if (decision === "refund") {
      await tx.checkout.update({ where: { id: checkoutId }, data: reviewed });
      return { status: "held" as const };
    }
    await tx.checkout.update({ where: { id: checkoutId }, data: { ...reviewed, status: "complete" } });
    const subscriptions: SubscriptionRow[] = [];
    for (const row of await tx.subscription.findMany({ where: { checkoutId }, select: { id: true }, orderBy: { id: "asc" } })) {
      await tx.$queryRaw`SELECT id FROM "Subscription" WHERE id = ${row.id} FOR UPDATE`;
      subscriptions.push(await tx.subscription.findUniqueOrThrow({ where: { id: row.id } }));
    }
    const order = await tx.order.findUnique({ where: { checkoutId } });
    if (!order) throw new Error(`held checkout ${checkoutId} has no order`);
    await fulfil(tx, checkout, order, checkout.completedAt ?? new Date(), subscriptions);
    return { status: "complete" as const };
  });
}
