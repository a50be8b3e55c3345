import "server-only";
import type { Order } from "@/lib/generated/prisma/client";
import type { PaymentEvent, ProviderName, SubscriptionSnapshot } from "@/lib/payments/types";
import { checkoutWithItems, ensureCustomer, NotYetMatchedError, type ApplyOutcome, type CheckoutWithItems, type Tx } from "./apply-common";
import { addInterval, disputeState, pastDueGraceMs, planAccess, STATUS_RANK } from "./money-policy";

// Subscriptions: their state from the provider's reports, their paid period from paid
// invoices only, and the plan grant that follows both (lib/billing/money-policy.ts decides).
//
// Ordering: a webhook applies subscription state only if it is newer than lastEventAt, or
// equally old and further along (STATUS_RANK), then advances lastEventAt; an API read
// ("api" source, occurredAt = our clock just before the read) applies only if it is not older
// and does NOT advance it, so a skewed local clock can never block later provider events.

export type SubscriptionRow = Awaited<ReturnType<Tx["subscription"]["findUniqueOrThrow"]>>;

/** The subscription a completed subscription checkout created: full snapshot, or provisional from its id. */
export async function subscriptionForCompletedCheckout(
  tx: Tx,
  event: PaymentEvent,
  checkout: CheckoutWithItems,
  priceId: string,
): Promise<SubscriptionRow | null> {
  if (event.subscription) {
    const result = await upsertSubscription(tx, event, event.subscription, { userId: checkout.userId, checkoutId: checkout.id, priceId });
    return result.row;
  }
  const id = event.subscriptionId;
  if (!id) return null;
  // Only the id is known (Stripe's checkout.session.completed does not embed the subscription):
  // create it provisionally if missing — lastEventAt null, so any real subscription event wins —
  // and never overwrite a row that exists.
  const trialDays = checkout.trialDays ?? 0;
  const periodEnd = firstPeriodEnd(checkout, event.occurredAt);
  await tx.subscription.createMany({
    data: [
      {
        userId: checkout.userId,
        checkoutId: checkout.id,
        provider: checkout.provider,
        providerSubscriptionId: id,
        priceId,
        status: trialDays > 0 ? "trialing" : "active",
        currentPeriodEnd: periodEnd,
        lastEventAt: null,
      },
    ],
    skipDuplicates: true,
  });
  const row = await lockSubscription(tx, checkout.provider, id);
  if (!row || row.userId !== checkout.userId) return null;
  if (!row.checkoutId || !row.priceId) {
    return tx.subscription.update({
      where: { id: row.id },
      data: { checkoutId: row.checkoutId ?? checkout.id, priceId: row.priceId ?? priceId },
    });
  }
  return row;
}

/** The end of the first period a subscription checkout covers (its trial, or one interval), from when it completed. */
export function firstPeriodEnd(checkout: CheckoutWithItems, completedAt: Date): Date {
  const recurring = checkout.items.find((item) => item.price.type === "recurring");
  const trialDays = checkout.trialDays ?? 0;
  if (trialDays > 0) {
    const end = new Date(completedAt);
    end.setUTCDate(end.getUTCDate() + trialDays);
    return end;
  }
  return addInterval(completedAt, recurring?.price.interval ?? "month");
}

export async function lockSubscription(tx: Tx, provider: ProviderName, providerSubscriptionId: string): Promise<SubscriptionRow | null> {
  const found = await tx.subscription.findUnique({
    where: { provider_providerSubscriptionId: { provider, providerSubscriptionId } },
    select: { id: true },
  });
  if (!found) return null;
  await tx.$queryRaw`SELECT id FROM "Subscription" WHERE id = ${found.id} FOR UPDATE`;
  return tx.subscription.findUniqueOrThrow({ where: { id: found.id } });
}

type Owner = { userId: string; checkoutId: string | null; priceId: string | null };

/** Creates or updates a subscription from a full snapshot, honouring event order. */
async function upsertSubscription(
  tx: Tx,
  event: PaymentEvent,
  snapshot: SubscriptionSnapshot,
  owner: Owner,
): Promise<{ row: SubscriptionRow | null; note?: string }> {
  const fromWebhook = event.source === "webhook";
  const state = {
    status: snapshot.status,
    currentPeriodEnd: snapshot.currentPeriodEnd,
    cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
    canceledAt: snapshot.canceledAt ?? (snapshot.status === "canceled" ? event.occurredAt : null),
  };
  const inserted = await tx.subscription.createMany({
    data: [
      {
        userId: owner.userId,
        checkoutId: owner.checkoutId,
        provider: event.provider,
        providerSubscriptionId: snapshot.id,
        priceId: owner.priceId,
        ...state,
        pastDueSince: snapshot.status === "past_due" ? event.occurredAt : null,
        lastEventAt: fromWebhook ? event.occurredAt : null,
      },
    ],
    skipDuplicates: true,
  });
  const row = await lockSubscription(tx, event.provider, snapshot.id);
  if (!row) throw new Error(`subscription ${snapshot.id} vanished`);
  if (row.userId !== owner.userId) {
    return { row: null, note: `subscription ${snapshot.id} belongs to another user; not re-linked` };
  }
  if (inserted.count === 1) return { row };

  const fill = {
    ...(row.checkoutId ? {} : owner.checkoutId ? { checkoutId: owner.checkoutId } : {}),
    ...(row.priceId ? {} : owner.priceId ? { priceId: owner.priceId } : {}),
  };
  const last = row.lastEventAt?.getTime() ?? null;
  const at = event.occurredAt.getTime();
  const stale = last !== null && (at < last || (at === last && STATUS_RANK[snapshot.status] < STATUS_RANK[row.status]));
  if (stale) {
    const updated = Object.keys(fill).length ? await tx.subscription.update({ where: { id: row.id }, data: fill }) : row;
    return { row: updated, note: `stale: ${snapshot.status} at ${event.occurredAt.toISOString()} is behind ${row.status} at ${row.lastEventAt!.toISOString()}` };
  }
  const pastDueSince = snapshot.status === "past_due" ? (row.status === "past_due" && row.pastDueSince ? row.pastDueSince : event.occurredAt) : null;
  const updated = await tx.subscription.update({
    where: { id: row.id },
    data: { ...fill, ...state, pastDueSince, ...(fromWebhook ? { lastEventAt: event.occurredAt } : {}) },
  });
  return { row: updated };
}

/** Moves the paid period forward (never back): a paid checkout or invoice covers up to `end`. */
export async function extendPaidThrough(tx: Tx, row: SubscriptionRow, end: Date | null): Promise<void> {
  if (!end || (row.paidThrough && row.paidThrough.getTime() >= end.getTime())) return;
  await tx.subscription.update({ where: { id: row.id }, data: { paidThrough: end } });
}

/**
 * The plan grant `subscription:<id>` mirrors what the subscription gives now (planAccess): its
 * period end, or revoked with the reason. The row exists whatever the status, so every
 * delivery order ends in the same rows.
 */
export async function syncPlanGrant(tx: Tx, subscriptionId: string): Promise<void> {
  const subscription = await tx.subscription.findUniqueOrThrow({
    where: { id: subscriptionId },
    include: {
      checkout: { include: checkoutWithItems },
      orders: { orderBy: { createdAt: "desc" }, include: { disputes: { select: { status: true } } } },
    },
  });
  const price = subscription.priceId
    ? await tx.price.findUnique({ where: { id: subscription.priceId }, include: { product: true } })
    : (subscription.checkout?.items.find((item) => item.price.type === "recurring")?.price ?? null);
  if (!price) return; // nothing tells us which plan this is
  const key = price.product.entitlement ?? price.product.id;
  const source = `subscription:${subscription.id}`;
  const latest: Order | undefined = subscription.orders[0];
  const decision = planAccess({
    status: subscription.status,
    currentPeriodEnd: subscription.currentPeriodEnd,
    paidThrough: subscription.paidThrough,
    pastDueSince: subscription.pastDueSince,
    checkoutHeld: subscription.checkout?.status === "held",
    disputes: disputeState(subscription.orders.flatMap((order) => order.disputes.map((dispute) => dispute.status))),
    latestPaymentRefunded: latest ? latest.amountRefunded >= latest.amountTotal && latest.amountTotal > 0 : false,
    graceMs: pastDueGraceMs(),
  });
  const now = new Date();
  const periodEnd = decision.access ? decision.periodEnd : subscription.paidThrough ?? subscription.currentPeriodEnd;
  const revoked = decision.access ? { revokedAt: null, revokedReason: null } : { revokedAt: now, revokedReason: decision.reason };

  await tx.entitlement.createMany({
    data: [{ userId: subscription.userId, kind: "plan", key, quantity: 1, source, subscriptionId: subscription.id, periodStart: now, periodEnd, ...revoked }],
    skipDuplicates: true,
  });
  const grant = await tx.entitlement.findUniqueOrThrow({ where: { source } });
  const keepRevocation = !decision.access && grant.revokedAt && grant.revokedReason === decision.reason;
  await tx.entitlement.update({
    where: { id: grant.id },
    data: { key, periodEnd, ...(keepRevocation ? {} : revoked) },
  });
}

export async function applySubscriptionEvent(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const snapshot = event.subscription;
  if (!snapshot) return { status: "ignored", note: "subscription event without a subscription snapshot" };

  const existing = await tx.subscription.findUnique({
    where: { provider_providerSubscriptionId: { provider: event.provider, providerSubscriptionId: snapshot.id } },
  });
  let owner: Owner;
  if (existing) {
    owner = { userId: existing.userId, checkoutId: existing.checkoutId, priceId: existing.priceId };
  } else {
    // First sighting: only our checkout id (echoed in the subscription's metadata) links it to a user.
    const ourId = snapshot.ourCheckoutId ?? event.ourCheckoutId ?? null;
    // Locked like completeCheckout locks it (Checkout first): a completion racing this event
    // finishes before this one inserts the subscription, instead of deadlocking with it.
    if (ourId) await tx.$queryRaw`SELECT id FROM "Checkout" WHERE id = ${ourId} FOR UPDATE`;
    // Naming no checkout of ours, it can only be matched by the completion that records it
    // (FastStar's subscription events carry no reference): kept until then, never dropped.
    if (!ourId) throw new NotYetMatchedError(`subscription ${snapshot.id} is not recorded yet and names no checkout of ours`);
    const checkout = await tx.checkout.findUnique({ where: { id: ourId }, include: checkoutWithItems });
    if (!checkout || checkout.provider !== event.provider || checkout.mode !== "subscription") {
      return { status: "ignored", note: `no subscription ${snapshot.id} and no subscription checkout ${ourId}` };
    }
    const recurring = checkout.items.find((item) => item.price.type === "recurring");
    owner = { userId: checkout.userId, checkoutId: checkout.id, priceId: recurring?.priceId ?? null };
  }

  const result = await upsertSubscription(tx, event, snapshot, owner);
  if (!result.row) return { status: "ignored", note: result.note };
  if (event.customerId) await ensureCustomer(tx, result.row.userId, event.provider, event.customerId);
  await syncPlanGrant(tx, result.row.id);
  return { status: "applied", note: result.note, checkoutId: result.row.checkoutId ?? undefined };
}

/**
 * A paid subscription invoice: recorded as an Order (the subscription's first invoice is the
 * checkout's own payment, so it only completes that Order with the payment id its refunds and
 * disputes will carry), and — only when paid in full — the paid period moves forward.
 */
export async function applyInvoicePaid(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  if (event.invoice?.firstPayment === true) await lockCheckoutOfSubscription(tx, event);
  if (event.subscription) {
    const outcome = await applySubscriptionEvent(tx, event);
    if (outcome.status === "ignored" && !event.subscriptionId) return outcome;
  }
  const id = event.subscriptionId ?? event.subscription?.id;
  if (!id) return { status: "ignored", note: "invoice without a subscription" };
  const row = await lockSubscription(tx, event.provider, id);
  if (!row) throw new NotYetMatchedError(`invoice for subscription ${id}, which is not recorded yet (its checkout completion creates it)`);

  const invoice = event.invoice ?? null;
  const payment = event.payment ?? null;
  const amountPaid = invoice?.amountPaid ?? payment?.amount ?? null;
  const paidInFull = !(invoice && invoice.amountDue != null && invoice.amountPaid != null && invoice.amountPaid < invoice.amountDue);
  const seenBefore = await invoiceRecorded(tx, event);
  const order = await recordInvoiceOrder(tx, event, row, amountPaid);

  const checkoutHeld = row.checkoutId ? (await tx.checkout.findUnique({ where: { id: row.checkoutId }, select: { status: true } }))?.status === "held" : false;
  if (!paidInFull) {
    await syncPlanGrant(tx, row.id);
    return { status: "applied", note: `invoice ${invoice?.id} paid ${invoice?.amountPaid} of ${invoice?.amountDue}: period not extended`, checkoutId: row.checkoutId ?? undefined };
  }
  const reportedPeriodEnd = event.periodEnd ?? null;
  let periodEnd = reportedPeriodEnd;
  if (!periodEnd) {
    // An invoice that names no period (Dodo's renewal payment) pays one interval past the last
    // paid one — once per invoice, and only after the checkout's own period is known.
    if (seenBefore) return { status: "applied", note: `invoice ${invoice?.id ?? payment?.id} already recorded`, checkoutId: row.checkoutId ?? undefined };
    if (!row.paidThrough) throw new NotYetMatchedError(`renewal of subscription ${row.providerSubscriptionId} arrived before its first paid period was recorded`);
    const price = row.priceId ? await tx.price.findUnique({ where: { id: row.priceId }, select: { interval: true } }) : null;
    periodEnd = addInterval(row.paidThrough, price?.interval ?? "month");
  }
  const data: { currentPeriodEnd?: Date; paidThrough?: Date } = {};
  // The provider's period is what it reports; a period we derived only moves what is paid (else
  // its subscription events and this one would overwrite each other in delivery order).
  if (!row.currentPeriodEnd || (reportedPeriodEnd && periodEnd.getTime() > row.currentPeriodEnd.getTime())) data.currentPeriodEnd = periodEnd;
  // A held checkout's subscription is not paid for as priced: its period waits for the admin.
  if (!checkoutHeld && (!row.paidThrough || periodEnd.getTime() > row.paidThrough.getTime())) data.paidThrough = periodEnd;
  if (Object.keys(data).length) await tx.subscription.update({ where: { id: row.id }, data });
  await syncPlanGrant(tx, row.id);
  return { status: "applied", note: order ? undefined : "nothing charged", checkoutId: row.checkoutId ?? undefined };
}

/**
 * The first invoice may insert the checkout's Order, which the completion inserts holding the
 * Checkout lock before it takes the Subscription's: taken here in that order too (Checkout →
 * Subscription), so the two wait for each other instead of deadlocking.
 */
async function lockCheckoutOfSubscription(tx: Tx, event: PaymentEvent): Promise<void> {
  const id = event.subscriptionId ?? event.subscription?.id;
  if (!id) return;
  const known = await tx.subscription.findUnique({
    where: { provider_providerSubscriptionId: { provider: event.provider, providerSubscriptionId: id } },
    select: { checkoutId: true },
  });
  const checkoutId = known?.checkoutId ?? event.subscription?.ourCheckoutId ?? event.ourCheckoutId ?? null;
  if (checkoutId) await tx.$queryRaw`SELECT id FROM "Checkout" WHERE id = ${checkoutId} FOR UPDATE`;
}

/** Whether this invoice (or its payment) already has its Order, i.e. was applied before. */
async function invoiceRecorded(tx: Tx, event: PaymentEvent): Promise<boolean> {
  const invoiceId = event.invoice?.id ?? null;
  if (!invoiceId) return false;
  return (await tx.order.count({ where: { provider: event.provider, providerInvoiceId: invoiceId } })) > 0;
}

async function recordInvoiceOrder(tx: Tx, event: PaymentEvent, row: SubscriptionRow, amountPaid: number | null): Promise<Order | null> {
  const invoiceId = event.invoice?.id ?? null;
  const paymentId = event.payment?.id ?? null;
  if (!invoiceId && !paymentId) return null;
  const provider = event.provider;
  const known = await tx.order.findFirst({
    where: {
      provider,
      OR: [...(invoiceId ? [{ providerInvoiceId: invoiceId }] : []), ...(paymentId ? [{ providerPaymentId: paymentId }] : [])],
    },
  });
  // The first invoice is the checkout's own payment: it is (or becomes) the checkout's Order —
  // created here when the invoice arrives before the completion, which then finds it.
  const firstCheckoutId = event.invoice?.firstPayment === true ? row.checkoutId : null;
  const checkoutOrder = !known && firstCheckoutId ? await tx.order.findUnique({ where: { checkoutId: firstCheckoutId } }) : null;
  const existing = known ?? checkoutOrder;
  if (existing) {
    const fill = {
      ...(existing.providerPaymentId || !paymentId ? {} : { providerPaymentId: paymentId }),
      ...(existing.providerInvoiceId || !invoiceId ? {} : { providerInvoiceId: invoiceId }),
      ...(existing.subscriptionId ? {} : { subscriptionId: row.id }),
    };
    return Object.keys(fill).length ? tx.order.update({ where: { id: existing.id }, data: fill }) : existing;
  }
  if (amountPaid === 0) return null; // a zero invoice (a trial's first): nothing to refund or dispute
  // No amount reported (Creem's subscription.paid may name only its transaction): the plan's price.
  const price = amountPaid === null && row.priceId ? await tx.price.findUnique({ where: { id: row.priceId }, select: { unitAmount: true, currency: true } }) : null;
  const amountTotal = amountPaid ?? price?.unitAmount ?? null;
  if (amountTotal === null) return null;
  const [created] = await tx.order.createManyAndReturn({
    data: [
      {
        userId: row.userId,
        checkoutId: firstCheckoutId,
        subscriptionId: row.id,
        provider,
        providerPaymentId: paymentId,
        providerInvoiceId: invoiceId,
        amountTotal,
        currency: (event.invoice?.currency ?? event.payment?.currency ?? price?.currency ?? "").toLowerCase(),
      },
    ],
    skipDuplicates: true,
  });
  return created ?? null;
}
