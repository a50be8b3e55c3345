// Profiling aid for part 1, without HTTP or Next.js: applies N webhook deliveries through
// handleWebhook in-process against the bench database (run `npm run bench` once first to create
// it) and reports the statements sent per event (every `pg` query of the process, BEGIN and
// COMMIT included: @prisma/adapter-pg talks through `pg`) and the time per event. Add --cpu-prof to the node flags for a CPU profile:
//   node --conditions=react-server --cpu-prof --cpu-prof-dir=bench/results --import tsx bench/profile-webhooks.mts 500 8
import pg from "pg";
import { benchDatabaseUrl, createOpenCheckouts, createUsers } from "./database.mts";
import { runLoad } from "./load.mts";
import { BENCH_PROVIDERS, paidDelivery, webhookSecretEnv } from "./webhook-events.mts";

const count = Number(process.argv[2] || 300);
const concurrency = Number(process.argv[3] || 1);
const databaseUrl = benchDatabaseUrl();
const secrets = webhookSecretEnv("whsec_bench_profile_stripe");
Object.assign(process.env, secrets, { DATABASE_URL: databaseUrl, AUTH_SECRET: "bench-only-auth-secret-0123456789abcdef0123" });
// Counts every statement the app sends; the bench's own fixture queries go through `pool`, which is excluded.
let statementCount = 0;
const sample = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (!(this as unknown as { benchFixture?: boolean }).benchFixture) {
    statementCount += 1;
    const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string })?.text ?? "?");
    const key = text.replace(/\s+/g, " ").slice(0, 90);
    sample.set(key, (sample.get(key) ?? 0) + 1);
  }
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
const { handleWebhook } = await import("../lib/billing/webhooks.ts");
const { db } = await import("../lib/db.ts");

const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
pool.on("connect", (client) => Object.assign(client, { benchFixture: true }));
const users = await createUsers(pool, 10, "profile");
const checkouts = await createOpenCheckouts(pool, count + 20, users.map((user) => user.id), BENCH_PROVIDERS);
const deliveries = checkouts.map((checkout) => paidDelivery(checkout, secrets));
// warm-up (JIT, Prisma's first queries)
for (const delivery of deliveries.slice(count)) await handleWebhook(delivery.provider, delivery.body, new Headers(delivery.sign()));

statementCount = 0;
sample.clear();
const cpuBefore = process.cpuUsage();
const result = await runLoad(count, concurrency, async (index) => {
  const delivery = deliveries[index];
  const outcome = await handleWebhook(delivery.provider, delivery.body, new Headers(delivery.sign()));
  return outcome.status === "applied" ? null : outcome.status;
});
const cpu = process.cpuUsage(cpuBefore);
console.log(
  JSON.stringify(
    {
      events: count,
      concurrency,
      perSecond: Math.round(result.perSecond),
      latencyMs: result.latencyMs,
      failures: result.failures,
      // CPU of this process (handleWebhook + Prisma + pg; the fixture pool is idle meanwhile) per event
      cpuMsPerEvent: Math.round(((cpu.user + cpu.system) / 1000 / count) * 100) / 100,
      statementsPerEvent: statementCount / count,
      statements: Object.fromEntries([...sample].sort((a, b) => b[1] - a[1]).map(([text, n]) => [text, n / count])),
    },
    null,
    2,
  ),
);
await pool.end();
await db.$disconnect();
