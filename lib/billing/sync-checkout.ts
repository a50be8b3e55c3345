import "server-only";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { applyEvent, eventFromCheckoutState, type ApplyOutcome } from "./apply";
import { CheckoutNotFoundError } from "./errors";
import { applyParkedEvents, keysUnlockedBy } from "./parked-events";

export type CheckoutSummary = {
  id: string;
  status: "pending" | "open" | "processing" | "complete" | "held" | "failed" | "expired" | "canceled";
  mode: "payment" | "subscription" | "setup";
  provider: string;
  url: string | null;
  amountTotal: number;
  currency: string;
  expiresAt: Date | null;
  completedAt: Date | null;
};

export type SyncResult = CheckoutSummary & {
  /** What applying the provider's answer did (absent when the provider was not asked). */
  outcome?: ApplyOutcome;
};

/**
 * Asks the provider for the authoritative state of OUR checkout and applies it through the
 * same function the webhook uses. Query parameters of the success URL are only hints: the
 * caller passes our id, everything else comes from the provider, server to server.
 * With `userId`, someone else's checkout is reported as not found (CheckoutNotFoundError → 404).
 */
export async function syncCheckout(ourCheckoutId: string, options: { userId?: string } = {}): Promise<SyncResult> {
  const checkout = await db.checkout.findUnique({ where: { id: ourCheckoutId } });
  if (!checkout || (options.userId !== undefined && checkout.userId !== options.userId)) {
    throw new CheckoutNotFoundError();
  }
  // Final (held waits for an admin, not the provider), or no provider session to ask about (yet).
  if (checkout.status === "complete" || checkout.status === "held" || !checkout.providerSessionId) return summarize(checkout);

  const provider = getProvider(checkout.provider);
  const observedAt = new Date(); // before the read: an API answer is at least this new
  const state = await provider.getCheckout(checkout.providerSessionId);
  const event = eventFromCheckoutState(provider.name, state, observedAt);
  const outcome = await applyEvent(event);
  // What the provider's answer made known (its payment id, above all) may be what a kept
  // webhook waits for: FastStar's payment.succeeded names only the payment.
  if (outcome.status === "applied") await applyParkedEvents(provider.name, await keysUnlockedBy(event, outcome));
  const after = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
  return { ...summarize(after), outcome };
}

export function summarize(checkout: {
  id: string;
  status: CheckoutSummary["status"];
  mode: CheckoutSummary["mode"];
  provider: string;
  url: string | null;
  amountTotal: number;
  currency: string;
  expiresAt: Date | null;
  completedAt: Date | null;
}): CheckoutSummary {
  return {
    id: checkout.id,
    status: checkout.status,
    mode: checkout.mode,
    provider: checkout.provider,
    url: checkout.status === "open" ? checkout.url : null,
    amountTotal: checkout.amountTotal,
    currency: checkout.currency,
    expiresAt: checkout.expiresAt,
    completedAt: checkout.completedAt,
  };
}
