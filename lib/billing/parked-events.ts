import "server-only";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import type { PaymentEvent, ProviderName } from "@/lib/payments/types";
import { matchKeysOf } from "./match-keys";
import { recordAndApply, type WebhookResult } from "./record-event";

/** How many rounds of "this one unlocked those" are followed at once (each round is one query). */
const MAX_ROUNDS = 4;
const PER_ROUND = 50;

/**
 * Applies the unmatched events (kept by recordAndApply) that wait on any of `keys`, oldest
 * first, then those that their application unlocks in turn. One that still cannot be applied
 * stays as it is: the provider's retry, or the next thing recorded, brings it back.
 */
export async function applyParkedEvents(provider: ProviderName, keys: string[]): Promise<number> {
  const adapter = getProvider(provider);
  if (!adapter.normalizeStoredEvent || keys.length === 0) return 0;
  const tried = new Set<string>();
  let frontier = keys;
  let applied = 0;
  for (let round = 0; round < MAX_ROUNDS && frontier.length > 0; round += 1) {
    const rows = await db.webhookEvent.findMany({
      where: { provider, status: "unmatched", matchKeys: { hasSome: frontier }, ...(tried.size ? { id: { notIn: [...tried] } } : {}) },
      orderBy: { receivedAt: "asc" },
      take: PER_ROUND,
      select: { id: true, eventId: true, payload: true },
    });
    const next = new Set<string>();
    for (const row of rows) {
      tried.add(row.id);
      let event: PaymentEvent;
      try {
        event = adapter.normalizeStoredEvent(row.payload, row.eventId);
        if (adapter.resolveStoredEvent) event = await adapter.resolveStoredEvent(event);
      } catch {
        continue; // kept for the operator (the admin console shows it)
      }
      const result = await recordAndApply(event).catch(() => null);
      if (result?.status !== "applied") continue;
      applied += 1;
      for (const key of await keysUnlockedBy(event, result)) next.add(key);
    }
    frontier = [...next];
  }
  return applied;
}

/**
 * What an applied event makes known: the ids it names, and for a completion everything its
 * checkout is now known by (session, payments, subscriptions).
 */
export async function keysUnlockedBy(event: PaymentEvent, result: Pick<WebhookResult, "status" | "checkoutId">): Promise<string[]> {
  const keys = new Set(matchKeysOf(event));
  if (result.checkoutId) {
    keys.add(`checkout:${result.checkoutId}`);
    if (event.kind === "checkout.completed") {
      const checkout = await db.checkout.findUnique({
        where: { id: result.checkoutId },
        select: { providerSessionId: true, orders: { select: { providerPaymentId: true } }, subscriptions: { select: { providerSubscriptionId: true } } },
      });
      if (checkout?.providerSessionId) keys.add(`session:${checkout.providerSessionId}`);
      for (const order of checkout?.orders ?? []) if (order.providerPaymentId) keys.add(`payment:${order.providerPaymentId}`);
      for (const subscription of checkout?.subscriptions ?? []) keys.add(`subscription:${subscription.providerSubscriptionId}`);
    }
  }
  return [...keys];
}
