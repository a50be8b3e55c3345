import "server-only";
import { db } from "@/lib/db";
import { syncCheckout } from "./sync-checkout";

export type ReconcileCounts = {
  scanned: number;
  completed: number;
  processing: number;
  stillOpen: number;
  expired: number;
  failed: number;
  canceled: number;
  errors: number;
};

/**
 * For a cron job: re-syncs checkouts still pending/open/processing after `olderThanMinutes`
 * from the provider (catching lost or late webhooks), in creation order, at most `limit`.
 * A pending row that never got a provider session (the create call was interrupted) is
 * marked failed; a later verified payment for it would still complete it. `userId` limits
 * the run to one user's checkouts (e.g. when they open their billing page).
 */
export async function reconcilePendingCheckouts(
  options: { olderThanMinutes?: number; limit?: number; now?: Date; userId?: string } = {},
): Promise<ReconcileCounts> {
  const { olderThanMinutes = 5, limit = 100, now = new Date(), userId } = options;
  const cutoff = new Date(now.getTime() - olderThanMinutes * 60_000);
  const rows = await db.checkout.findMany({
    where: { status: { in: ["pending", "open", "processing"] }, createdAt: { lt: cutoff }, ...(userId ? { userId } : {}) },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { id: true, status: true, providerSessionId: true },
  });
  const counts: ReconcileCounts = { scanned: rows.length, completed: 0, processing: 0, stillOpen: 0, expired: 0, failed: 0, canceled: 0, errors: 0 };
  for (const row of rows) {
    if (!row.providerSessionId) {
      const marked = await db.checkout.updateMany({
        where: { id: row.id, status: "pending", providerSessionId: null },
        data: { status: "failed", lastError: "no provider session was created (interrupted); found by reconciliation" },
      });
      if (marked.count) counts.failed += 1;
      continue;
    }
    try {
      const after = await syncCheckout(row.id);
      switch (after.status) {
        case "complete":
          counts.completed += 1;
          break;
        case "processing":
          counts.processing += 1;
          break;
        case "expired":
          counts.expired += 1;
          break;
        case "failed":
          counts.failed += 1;
          break;
        case "canceled":
          counts.canceled += 1;
          break;
        default:
          counts.stillOpen += 1;
      }
    } catch (error) {
      counts.errors += 1;
      console.error(`[reconcile] checkout ${row.id}:`, error instanceof Error ? error.message : error);
    }
  }
  return counts;
}
