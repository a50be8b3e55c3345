import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import type { ProviderName } from "@/lib/payments/types";

// Checkouts an operator should look at: still unfinished after N minutes (the webhook never
// came, or the buyer walked away) and failed ones, newest first.

export const DEFAULT_STUCK_MINUTES = 5;
export const STUCK_LIST_LIMIT = 100;
const UNFINISHED = ["pending", "open", "processing"] as const;

export const stuckFiltersSchema = z.object({
  minutes: z.coerce.number().int().min(0).max(60 * 24 * 365).catch(DEFAULT_STUCK_MINUTES),
});

export type StuckCheckoutRow = {
  id: string;
  userEmail: string | null;
  provider: ProviderName;
  status: "pending" | "open" | "processing" | "complete" | "held" | "failed" | "expired" | "canceled";
  amountTotal: number;
  currency: string;
  createdAt: Date;
  ageMinutes: number;
  lastError: string | null;
};

export async function listStuckCheckouts({ minutes }: { minutes: number }, now: Date = new Date()): Promise<StuckCheckoutRow[]> {
  const olderThan = new Date(now.getTime() - minutes * 60_000);
  const rows = await db.checkout.findMany({
    where: { OR: [{ status: { in: [...UNFINISHED] }, createdAt: { lte: olderThan } }, { status: "failed" }] },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: STUCK_LIST_LIMIT,
    include: { user: { select: { email: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    userEmail: row.user.email,
    provider: row.provider,
    status: row.status,
    amountTotal: row.amountTotal,
    currency: row.currency,
    createdAt: row.createdAt,
    ageMinutes: Math.max(0, Math.floor((now.getTime() - row.createdAt.getTime()) / 60_000)),
    lastError: row.lastError,
  }));
}
