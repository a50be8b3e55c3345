// `npm run reconcile`: the cron job's work from a shell — re-syncs checkouts still pending
// after a few minutes from the provider and marks expired ones. Uses DATABASE_URL and the
// provider's keys from the environment (.env.local is read).
import nextEnv from "@next/env";

nextEnv.loadEnvConfig(process.cwd(), false, { info: () => {}, error: console.error });

const { reconcilePendingCheckouts } = await import("@/lib/billing/reconcile");
const olderThanMinutes = Number(process.argv[2] ?? 5);
const counts = await reconcilePendingCheckouts({ olderThanMinutes });
console.log(JSON.stringify(counts));
process.exit(counts.errors > 0 ? 1 : 0);
