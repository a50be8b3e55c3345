// Test-only: a throwaway embedded PostgreSQL with the committed migrations, used by tests that
// assert "nothing was written" by counting whole tables — exact only when no other test file
// writes to the same database meanwhile. Call before the first use of `db` (it is lazy).
// Never imported by app code.
import { startEmbeddedPostgres } from "@/scripts/embedded-postgres.mjs";
import { runPrisma } from "@/scripts/prisma.mjs";
import { db } from "@/lib/db";

export async function useIsolatedDatabase(): Promise<() => Promise<void>> {
  const embedded = await startEmbeddedPostgres({ shadow: false });
  const code = await runPrisma(["migrate", "deploy"], { env: { ...process.env, DATABASE_URL: embedded.url }, quiet: true });
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}) on the isolated database`);
  process.env.DATABASE_URL = embedded.url;
  return async () => {
    await db.$disconnect();
    await embedded.stop();
  };
}

/** Rows of every table a webhook or a checkout could write. */
export async function writableRowCounts() {
  const [webhookEvents, orders, entitlements, subscriptions, checkouts, customers] = await Promise.all([
    db.webhookEvent.count(),
    db.order.count(),
    db.entitlement.count(),
    db.subscription.count(),
    db.checkout.count(),
    db.customer.count(),
  ]);
  return { webhookEvents, orders, entitlements, subscriptions, checkouts, customers };
}
