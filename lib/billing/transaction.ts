import "server-only";
import { db } from "@/lib/db";
import type { Tx } from "./apply-common";

const ATTEMPTS = 3;
/** PostgreSQL's deadlock_detected and serialization_failure: the transaction did nothing and may run again. */
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);

/**
 * One money-moving transaction. A deadlock or serialization failure rolled everything back, so
 * it is run again (a few times, after a short random pause) instead of failing the request:
 * the lock order makes deadlocks rare, but a success page should never show one.
 */
export async function moneyTransaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(work, { timeout: 15_000, maxWait: 10_000 });
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}

/** Prisma reports these as P2034 (its own queries) or P2010 with the SQLSTATE (raw queries). */
export function isRetryableConflict(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { code, meta, message } = error as { code?: unknown; meta?: { code?: unknown; driverAdapterError?: { cause?: { originalCode?: unknown } } }; message?: unknown };
  if (code === "P2034") return true;
  const sqlState = meta?.code ?? meta?.driverAdapterError?.cause?.originalCode;
  if (typeof sqlState === "string" && RETRYABLE_SQLSTATES.has(sqlState)) return true;
  return typeof message === "string" && /Code: `(40P01|40001)`/.test(message);
}
