import "server-only";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { applyEvent } from "./apply";
import { SubscriptionNotFoundError, SubscriptionStateError } from "./errors";

export type SubscriptionSummary = {
  id: string;
  status: string;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
};

/**
 * Cancels the user's OWN subscription at the end of its period, through the provider.
 * The provider's answer to that call is its authoritative state (a server-to-server read),
 * so it is applied at once through applyEvent (source "api": it never blocks the webhook
 * `customer.subscription.updated` that follows, which converges to the same state). No
 * local-only flag is set: if the provider call fails, nothing changes here.
 * Without `subscriptionId`, the user's current (non-ended) subscription is used.
 * Errors: SubscriptionNotFoundError 404, SubscriptionStateError 409, Provider* 502.
 */
export async function cancelSubscription(input: { userId: string; subscriptionId?: string }): Promise<SubscriptionSummary> {
  const subscription = await db.subscription.findFirst({
    where: input.subscriptionId
      ? { id: input.subscriptionId, userId: input.userId }
      : { userId: input.userId, status: { in: ["trialing", "active", "past_due", "paused", "incomplete"] } },
    orderBy: { createdAt: "desc" },
  });
  if (!subscription) throw new SubscriptionNotFoundError();
  if (subscription.status === "canceled" || subscription.status === "expired") {
    throw new SubscriptionStateError("This subscription has already ended.");
  }
  if (subscription.cancelAtPeriodEnd) return summarize(subscription);

  const provider = getProvider(subscription.provider);
  const observedAt = new Date();
  const snapshot = await provider.cancelSubscriptionAtPeriodEnd(subscription.providerSubscriptionId);
  if (snapshot.id !== subscription.providerSubscriptionId) {
    throw new SubscriptionStateError(`The provider answered for subscription ${snapshot.id}.`);
  }
  await applyEvent({
    provider: provider.name,
    eventId: `api:cancel:${subscription.id}:${observedAt.getTime()}`,
    type: "api.subscription.cancel_at_period_end",
    occurredAt: observedAt,
    source: "api",
    kind: "subscription.updated",
    subscriptionId: snapshot.id,
    subscription: snapshot,
    ourCheckoutId: subscription.checkoutId,
    raw: snapshot,
  });
  return summarize(await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } }));
}

function summarize(subscription: { id: string; status: string; currentPeriodEnd: Date | null; cancelAtPeriodEnd: boolean }): SubscriptionSummary {
  return {
    id: subscription.id,
    status: subscription.status,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
  };
}
