import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { CheckoutStatus, SubscriptionStatus } from "@/lib/generated/prisma/enums";
import type { CheckoutState, PaymentEvent, PaymentEventKind, ProviderName, SubscriptionSnapshot } from "@/lib/payments/types";

// THE function that turns a provider-verified change (a verified webhook, or the provider's
// own API read) into our state, in ONE transaction: Checkout, Customer, Order, Subscription,
// Entitlement. Idempotent by unique keys (Order.checkoutId, Entitlement.source,
// Subscription(provider, providerSubscriptionId), Customer keys) — inserts use
// ON CONFLICT DO NOTHING, so a duplicate never aborts the transaction — and serialized per
// checkout / subscription / order with SELECT … FOR UPDATE.
//
// Matching: a checkout is found ONLY by our id (as the provider echoes it) or by the
// provider's session id — never by email or customer. Subscriptions are found by the
// provider's subscription id, or (first sighting) by our checkout id in their metadata;
// refunds/disputes by the payment id recorded on our Order from a verified session.
//
// Ordering: a webhook applies subscription state only if its occurredAt >= lastEventAt and
// then advances lastEventAt; an API read ("api" source, occurredAt = our clock just before
// the read) applies only if it is not older than lastEventAt and does NOT advance it, so a
// skewed local clock can never block later provider events.

export type Tx = Prisma.TransactionClient;

export type ApplyOutcome = {
  status: "applied" | "ignored";
  /** Why it was ignored / what was skipped (stored on the WebhookEvent). */
  note?: string;
  checkoutId?: string;
};

const ACCESS_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due"]);

/** Applies one verified change. With `tx`, inside the caller's transaction; else in its own. */
export async function applyEvent(event: PaymentEvent, options: { tx?: Tx } = {}): Promise<ApplyOutcome> {
  if (options.tx) return applyWithin(options.tx, event);
  return db.$transaction((tx) => applyWithin(tx, event), { timeout: 15_000, maxWait: 10_000 });
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
    occurredAt: observedAt,
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
      return applyDispute(tx, event);
    case "ignored":
      return { status: "ignored", note: `event type ${event.type} is not used` };
  }
}

// ─────────────────────────────────────── Checkouts ───────────────────────────────────────

const checkoutWithItems = {
  items: { include: { price: { include: { product: true } } } },
} satisfies Prisma.CheckoutInclude;
type CheckoutWithItems = Prisma.CheckoutGetPayload<{ include: typeof checkoutWithItems }>;

type Found = { checkout: CheckoutWithItems } | { note: string };

/** Finds and locks our checkout by our id and/or the provider's session id. */
async function findCheckout(tx: Tx, event: PaymentEvent): Promise<Found> {
  const sessionId = event.providerSessionId ?? null;
  const ourId = event.ourCheckoutId ?? null;
  if (!ourId && !sessionId) return { note: "event carries neither our checkout id nor a session id" };

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

  await tx.checkout.update({
    where: { id: checkout.id },
    data: {
      status: "complete",
      // The earliest reported completion, whichever report arrives first (providers may send
      // two, e.g. Recur's order.paid and checkout.completed, milliseconds apart).
      completedAt: checkout.completedAt && checkout.completedAt.getTime() <= event.occurredAt.getTime() ? checkout.completedAt : event.occurredAt,
      lastError: null,
      ...(!checkout.providerSessionId && event.providerSessionId ? { providerSessionId: event.providerSessionId } : {}),
      ...(event.amounts?.tax != null ? { amountTax: event.amounts.tax } : {}),
      ...(event.amounts?.total != null ? { amountTotal: event.amounts.total } : {}),
    },
  });

  // Lock order across all events: Checkout → Subscription → Customer. A subscription event
  // racing this completion takes the same order, so the two wait instead of deadlocking.
  if (checkout.mode === "setup") {
    if (event.customerId) await ensureCustomer(tx, checkout.userId, event.provider, event.customerId);
    return { status: "applied", checkoutId: checkout.id };
  }

  // One order per paid checkout, however many times it is reported. A new order comes back
  // from the INSERT itself; only when it already existed is it read.
  const [created] = await tx.order.createManyAndReturn({
    data: [
      {
        userId: checkout.userId,
        checkoutId: checkout.id,
        provider: checkout.provider,
        providerPaymentId: event.payment?.id ?? null,
        amountTotal: event.amounts?.total ?? checkout.amountTotal,
        currency: event.amounts?.currency ?? checkout.currency,
      },
    ],
    skipDuplicates: true,
  });
  let order = created ?? (await tx.order.findUnique({ where: { checkoutId: checkout.id } }));
  if (!order) throw new Error(`order for checkout ${checkout.id} could not be created (payment id ${event.payment?.id} already used?)`);
  if (!order.providerPaymentId && event.payment?.id) {
    order = await tx.order.update({ where: { id: order.id }, data: { providerPaymentId: event.payment.id } });
  }

  const single = checkout.items.length === 1;
  for (const item of checkout.items) {
    const product = item.price.product;
    const key = product.entitlement ?? product.id;
    if (item.price.type === "recurring") {
      const subscription = await subscriptionForCompletedCheckout(tx, event, checkout, item.priceId);
      if (subscription) await syncPlanGrant(tx, subscription.id);
      continue;
    }
    const source = single ? `order:${order.id}` : `order:${order.id}:${item.id}`;
    const grant: Prisma.EntitlementCreateManyInput =
      product.kind === "credit_pack"
        ? { userId: checkout.userId, kind: "credits", key: "credits", quantity: item.quantity * (product.credits ?? 0), source, orderId: order.id }
        : { userId: checkout.userId, kind: "lasting", key, quantity: item.quantity, source, orderId: order.id, periodStart: event.occurredAt };
    await tx.entitlement.createMany({ data: [grant], skipDuplicates: true });
  }
  if (event.customerId) await ensureCustomer(tx, checkout.userId, event.provider, event.customerId);
  return { status: "applied", checkoutId: checkout.id };
}

async function ensureCustomer(tx: Tx, userId: string, provider: ProviderName, providerCustomerId: string) {
  // Skips when the user already has a customer at this provider, or the customer id is
  // already linked (never re-linked to another user).
  await tx.customer.createMany({ data: [{ userId, provider, providerCustomerId }], skipDuplicates: true });
}

// ───────────────────────────────────── Subscriptions ─────────────────────────────────────

type SubscriptionRow = Awaited<ReturnType<Tx["subscription"]["findUniqueOrThrow"]>>;

/** The subscription a completed subscription checkout created: full snapshot, or provisional from its id. */
async function subscriptionForCompletedCheckout(
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
  const item = checkout.items.find((candidate) => candidate.priceId === priceId);
  const trialDays = item?.price.trialDays ?? 0;
  const interval = item?.price.interval ?? "month";
  const periodEnd = new Date(event.occurredAt);
  if (trialDays > 0) periodEnd.setUTCDate(periodEnd.getUTCDate() + trialDays);
  else if (interval === "year") periodEnd.setUTCFullYear(periodEnd.getUTCFullYear() + 1);
  else periodEnd.setUTCMonth(periodEnd.getUTCMonth() + 1);
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

async function lockSubscription(tx: Tx, provider: ProviderName, providerSubscriptionId: string): Promise<SubscriptionRow | null> {
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
  const stale = row.lastEventAt !== null && event.occurredAt.getTime() < row.lastEventAt.getTime();
  if (stale) {
    const updated = Object.keys(fill).length ? await tx.subscription.update({ where: { id: row.id }, data: fill }) : row;
    return { row: updated, note: `stale: event at ${event.occurredAt.toISOString()} is older than ${row.lastEventAt!.toISOString()}` };
  }
  const updated = await tx.subscription.update({
    where: { id: row.id },
    data: { ...fill, ...state, ...(fromWebhook ? { lastEventAt: event.occurredAt } : {}) },
  });
  return { row: updated };
}

/** The plan grant `subscription:<id>` mirrors the subscription: its period end, and revoked while it gives no access. */
async function syncPlanGrant(tx: Tx, subscriptionId: string): Promise<void> {
  const subscription = await tx.subscription.findUniqueOrThrow({
    where: { id: subscriptionId },
    include: { checkout: { include: { items: { include: { price: { include: { product: true } } } } } } },
  });
  const price = subscription.priceId
    ? await tx.price.findUnique({ where: { id: subscription.priceId }, include: { product: true } })
    : (subscription.checkout?.items.find((item) => item.price.type === "recurring")?.price ?? null);
  if (!price) return; // nothing tells us which plan this is
  const key = price.product.entitlement ?? price.product.id;
  const source = `subscription:${subscription.id}`;
  const access = ACCESS_STATUSES.has(subscription.status);
  const now = new Date();

  // The grant row exists whatever the status (revoked while the subscription gives no access),
  // so every delivery order ends in the same rows.
  await tx.entitlement.createMany({
    data: [
      {
        userId: subscription.userId,
        kind: "plan",
        key,
        quantity: 1,
        source,
        subscriptionId: subscription.id,
        periodStart: now,
        periodEnd: subscription.currentPeriodEnd,
        ...(access ? {} : { revokedAt: now, revokedReason: `subscription ${subscription.status}` }),
      },
    ],
    skipDuplicates: true,
  });
  const grant = await tx.entitlement.findUniqueOrThrow({ where: { source } });
  await tx.entitlement.update({
    where: { id: grant.id },
    data: {
      key,
      periodEnd: subscription.currentPeriodEnd,
      ...(access
        ? { revokedAt: null, revokedReason: null }
        : grant.revokedAt
          ? {}
          : { revokedAt: now, revokedReason: `subscription ${subscription.status}` }),
    },
  });
}

async function applySubscriptionEvent(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
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
    const checkout = ourId
      ? await tx.checkout.findUnique({ where: { id: ourId }, include: checkoutWithItems })
      : null;
    if (!checkout || checkout.provider !== event.provider || checkout.mode !== "subscription") {
      return { status: "ignored", note: `no subscription ${snapshot.id} and no subscription checkout ${ourId ?? "(none named)"}` };
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

async function applyInvoicePaid(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const id = event.subscriptionId;
  if (!id) return { status: "ignored", note: "invoice without a subscription" };
  const row = await lockSubscription(tx, event.provider, id);
  if (!row) return { status: "ignored", note: `no subscription ${id} yet (its checkout completion creates it)` };
  const periodEnd = event.periodEnd ?? null;
  // Monotonic: a paid invoice only ever extends the period, whatever order invoices arrive in.
  if (periodEnd && (!row.currentPeriodEnd || periodEnd.getTime() > row.currentPeriodEnd.getTime())) {
    await tx.subscription.update({ where: { id: row.id }, data: { currentPeriodEnd: periodEnd } });
    await syncPlanGrant(tx, row.id);
    return { status: "applied", checkoutId: row.checkoutId ?? undefined };
  }
  return { status: "applied", note: "period already covered", checkoutId: row.checkoutId ?? undefined };
}

// ─────────────────────────────────── Refunds, disputes ───────────────────────────────────

async function findOrder(tx: Tx, event: PaymentEvent) {
  const paymentId = event.payment?.id;
  let found = paymentId
    ? await tx.order.findUnique({
        where: { provider_providerPaymentId: { provider: event.provider, providerPaymentId: paymentId } },
        select: { id: true },
      })
    : null;
  if (!found && event.ourCheckoutId) {
    const byCheckout = await tx.order.findUnique({ where: { checkoutId: event.ourCheckoutId }, select: { id: true, provider: true } });
    if (byCheckout && byCheckout.provider === event.provider) found = { id: byCheckout.id };
  }
  if (!found) return null;
  await tx.$queryRaw`SELECT id FROM "Order" WHERE id = ${found.id} FOR UPDATE`;
  return tx.order.findUniqueOrThrow({ where: { id: found.id } });
}

async function revokeOrderGrants(tx: Tx, orderId: string, reason: string) {
  await tx.entitlement.updateMany({
    where: { orderId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
}

/**
 * A refund or dispute can arrive before the payment it undoes (providers do not order their
 * deliveries). Ignoring it then would lose it for good — the provider never sends it again —
 * so while OUR checkout it names is not complete yet, it fails and the 5xx makes the provider
 * retry it after the payment. A payment that is not ours is ignored.
 */
async function orderNotRecordedYet(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const checkout = event.ourCheckoutId
    ? await tx.checkout.findUnique({ where: { id: event.ourCheckoutId }, select: { provider: true, status: true, mode: true } })
    : null;
  if (checkout && checkout.provider === event.provider && checkout.mode !== "setup" && checkout.status !== "complete") {
    throw new Error(`${event.kind} for checkout ${event.ourCheckoutId} arrived before its payment was recorded; retry later`);
  }
  return { status: "ignored", note: `no order for payment ${event.payment?.id ?? "(none)"}` };
}

async function applyRefund(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const order = await findOrder(tx, event);
  if (!order) return orderNotRecordedYet(tx, event);
  const payment = event.payment!;
  const reported = payment.amountRefunded ?? (payment.refunded ? order.amountTotal : 0);
  const amountRefunded = Math.max(order.amountRefunded, reported);
  const full = payment.refunded === true || amountRefunded >= order.amountTotal;
  await tx.order.update({
    where: { id: order.id },
    data: {
      amountRefunded,
      // a dispute outranks a refund in the order's status
      ...(order.status === "disputed" ? {} : { status: full ? "refunded" : amountRefunded > 0 ? "partially_refunded" : order.status }),
    },
  });
  // Partial refunds are recorded only; a full refund takes back what the order granted.
  if (full) await revokeOrderGrants(tx, order.id, "refunded");
  return { status: "applied", checkoutId: order.checkoutId };
}

async function applyDispute(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const order = await findOrder(tx, event);
  if (!order) return orderNotRecordedYet(tx, event);
  await tx.order.update({ where: { id: order.id }, data: { status: "disputed" } });
  await revokeOrderGrants(tx, order.id, "disputed");
  return { status: "applied", checkoutId: order.checkoutId };
}
