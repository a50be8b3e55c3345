import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { ProviderName } from "@/lib/payments/types";

// What the apply* modules share: the transaction type, the outcome they return, and the one
// way each reads a checkout with its catalog lines.

export type Tx = Prisma.TransactionClient;

export type ApplyOutcome = {
  status: "applied" | "ignored";
  /** Why it was ignored / what was skipped or held (stored on the WebhookEvent). */
  note?: string;
  checkoutId?: string;
};

export const checkoutWithItems = {
  items: { include: { price: { include: { product: true } } } },
} satisfies Prisma.CheckoutInclude;
export type CheckoutWithItems = Prisma.CheckoutGetPayload<{ include: typeof checkoutWithItems }>;

export async function ensureCustomer(tx: Tx, userId: string, provider: ProviderName, providerCustomerId: string) {
  // Skips when the user already has a customer at this provider, or the customer id is
  // already linked (never re-linked to another user).
  await tx.customer.createMany({ data: [{ userId, provider, providerCustomerId }], skipDuplicates: true });
}

/**
 * An event about money we cannot place yet (its order or subscription is not recorded): it
 * fails, so the webhook answers 5xx, the provider retries, and the console shows it as failed.
 * Never `ignored`: a refund or dispute that is dropped can never be applied again.
 */
export class NotYetMatchedError extends Error {
  constructor(message: string) {
    super(`${message}; retry later`);
    this.name = "NotYetMatchedError";
  }
}
