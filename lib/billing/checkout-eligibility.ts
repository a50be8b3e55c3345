import "server-only";
import { db } from "@/lib/db";

// Who may start which subscription checkout (docs/money-policy.md §6): one live subscription
// per product line, and one trial per user and product. One query answers both.

const BLOCKING_STATUSES = new Set(["active", "trialing", "past_due"]);

export type SubscriptionEligibility = {
  /** A live subscription to this product (a second one would bill twice). */
  blockingSubscriptionStatus: string | null;
  /** Whether the trial may be given (never had this product, never had a paid trial checkout for it). */
  trialAllowed: boolean;
};

export async function subscriptionEligibility(userId: string, productId: string): Promise<SubscriptionEligibility> {
  const rows = await db.$queryRaw<{ source: string; status: string }[]>`
    SELECT 'subscription' AS source, s.status::text AS status
      FROM "Subscription" s JOIN "Price" p ON p.id = s."priceId"
     WHERE s."userId" = ${userId} AND p."productId" = ${productId}
    UNION ALL
    SELECT 'trial' AS source, c.status::text AS status
      FROM "Checkout" c JOIN "CheckoutItem" i ON i."checkoutId" = c.id JOIN "Price" p ON p.id = i."priceId"
     WHERE c."userId" = ${userId} AND p."productId" = ${productId} AND c."trialDays" > 0 AND c.status IN ('complete', 'held')`;
  const live = rows.find((row) => row.source === "subscription" && BLOCKING_STATUSES.has(row.status));
  return { blockingSubscriptionStatus: live?.status ?? null, trialAllowed: rows.length === 0 };
}
