// The bench's throwaway PostgreSQL database and the rows it needs (users, sessions, open
// credit-pack checkouts), written with `pg` directly so that setting up thousands of rows
// stays out of what is measured.
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { migrateAndSeed, redactUrl } from "../scripts/local-stack.mjs";
import type { BenchProvider } from "./webhook-events.mts";

export const DEFAULT_BENCH_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/checkout_bench";
export const CREDIT_PACK_PRICE_ID = "credits_100_pack";
const CREDIT_PACK_UNIT_AMOUNT = 1000;
const CREDITS_PER_PACK = 100;

/** BENCH_DATABASE_URL, else the local server's `checkout_bench`. */
export function benchDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL || DEFAULT_BENCH_DATABASE_URL;
}

/**
 * Drops and recreates the bench database, applies the migrations and seeds the catalog.
 * Refuses a database whose name does not contain "bench": it is dropped every run.
 */
export async function recreateBenchDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/bench/i.test(name)) {
    throw new Error(`BENCH_DATABASE_URL names database "${name}"; the bench drops and recreates its database, so the name must contain "bench".`);
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `No PostgreSQL server answers at ${redactUrl(admin.toString())} (${error instanceof Error ? error.message : String(error)}).\n` +
        "Start one (e.g. `pg_ctlcluster 15 main start`) or point BENCH_DATABASE_URL at a server where a throwaway *bench* database may be created.",
    );
  }
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  await migrateAndSeed(url);
}

export type BenchCheckout = { id: string; userId: string; provider: BenchProvider; sessionId: string; quantity: number; amountTotal: number };

/** Users with a valid database session (the Auth.js cookie value is the token). */
export async function createUsers(pool: pg.Pool, count: number, label: string): Promise<{ id: string; sessionToken: string }[]> {
  const users = Array.from({ length: count }, (_, index) => ({ id: `bench_user_${label}_${index}_${randomUUID()}`, sessionToken: randomBytes(32).toString("hex") }));
  await pool.query(
    `INSERT INTO "User" (id, email, name, "updatedAt") SELECT id, id || '@bench.local', 'Bench buyer', now() FROM unnest($1::text[]) AS id`,
    [users.map((user) => user.id)],
  );
  await pool.query(
    `INSERT INTO "Session" ("sessionToken", "userId", expires, "updatedAt")
     SELECT token, user_id, now() + interval '1 day', now() FROM unnest($1::text[], $2::text[]) AS s(token, user_id)`,
    [users.map((user) => user.sessionToken), users.map((user) => user.id)],
  );
  return users;
}

/** Open credit-pack checkouts (1–3 packs each), spread over `userIds` and `providers` in turn. */
export async function createOpenCheckouts(pool: pg.Pool, count: number, userIds: string[], providers: readonly BenchProvider[]): Promise<BenchCheckout[]> {
  const checkouts: BenchCheckout[] = Array.from({ length: count }, (_, index) => {
    const quantity = 1 + (index % 3);
    return {
      id: `bench_co_${randomUUID()}`,
      userId: userIds[index % userIds.length],
      provider: providers[index % providers.length],
      sessionId: `bench_cs_${randomUUID().replace(/-/g, "")}`,
      quantity,
      amountTotal: quantity * CREDIT_PACK_UNIT_AMOUNT,
    };
  });
  const column = <K extends keyof BenchCheckout>(key: K) => checkouts.map((checkout) => checkout[key]);
  await pool.query(
    `INSERT INTO "Checkout" (id, "userId", provider, "providerSessionId", status, mode, "amountSubtotal", "amountTotal", currency, "idempotencyKey", "updatedAt")
     SELECT id, user_id, provider::"PaymentProviderName", session_id, 'open', 'payment', amount, amount, 'usd', 'bench:' || id, now()
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[]) AS c(id, user_id, provider, session_id, amount)`,
    [column("id"), column("userId"), column("provider"), column("sessionId"), column("amountTotal")],
  );
  await pool.query(
    `INSERT INTO "CheckoutItem" (id, "checkoutId", "priceId", quantity, "unitAmount", currency)
     SELECT 'bench_item_' || checkout_id, checkout_id, $3, quantity, $4, 'usd' FROM unnest($1::text[], $2::int[]) AS i(checkout_id, quantity)`,
    [column("id"), column("quantity"), CREDIT_PACK_PRICE_ID, CREDIT_PACK_UNIT_AMOUNT],
  );
  return checkouts;
}

export function expectedCredits(checkouts: BenchCheckout[]): number {
  return checkouts.reduce((sum, checkout) => sum + checkout.quantity * CREDITS_PER_PACK, 0);
}

export type ExactlyOnce = { ok: boolean; problems: string[] };

/**
 * Every checkout's event was recorded once and applied, and fulfilled once: one WebhookEvent
 * per distinct event (status applied), the checkout complete, one Order, and its credits.
 */
export async function verifyExactlyOnce(pool: pg.Pool, checkouts: BenchCheckout[], eventIds: { provider: string; eventId: string }[]): Promise<ExactlyOnce> {
  const ids = checkouts.map((checkout) => checkout.id);
  const [events, complete, orders, credits] = await Promise.all([
    pool.query<{ status: string; n: number }>(
      `SELECT status::text, count(*)::int AS n FROM "WebhookEvent" WHERE (provider::text, "eventId") IN (SELECT * FROM unnest($1::text[], $2::text[])) GROUP BY status`,
      [eventIds.map((event) => event.provider), eventIds.map((event) => event.eventId)],
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "Checkout" WHERE id = ANY($1) AND status = 'complete'`, [ids]),
    pool.query<{ n: number; checkouts: number }>(`SELECT count(*)::int AS n, count(DISTINCT "checkoutId")::int AS checkouts FROM "Order" WHERE "checkoutId" = ANY($1)`, [ids]),
    pool.query<{ total: number; grants: number }>(
      `SELECT coalesce(sum(e.quantity), 0)::int AS total, count(*)::int AS grants FROM "Entitlement" e JOIN "Order" o ON o.id = e."orderId" WHERE o."checkoutId" = ANY($1) AND e.kind = 'credits'`,
      [ids],
    ),
  ]);
  const problems: string[] = [];
  const byStatus = Object.fromEntries(events.rows.map((row) => [row.status, row.n]));
  const recorded = events.rows.reduce((sum, row) => sum + row.n, 0);
  if (recorded !== eventIds.length) problems.push(`${recorded} WebhookEvent rows for ${eventIds.length} distinct events`);
  if ((byStatus.applied ?? 0) !== eventIds.length) problems.push(`WebhookEvent statuses ${JSON.stringify(byStatus)}, expected all ${eventIds.length} applied`);
  if (complete.rows[0].n !== checkouts.length) problems.push(`${complete.rows[0].n} of ${checkouts.length} checkouts complete`);
  if (orders.rows[0].n !== checkouts.length || orders.rows[0].checkouts !== checkouts.length) {
    problems.push(`${orders.rows[0].n} orders over ${orders.rows[0].checkouts} checkouts, expected exactly one for each of ${checkouts.length}`);
  }
  const expected = expectedCredits(checkouts);
  if (credits.rows[0].total !== expected || credits.rows[0].grants !== checkouts.length) {
    problems.push(`credits ${credits.rows[0].total} in ${credits.rows[0].grants} grants, expected ${expected} in ${checkouts.length}`);
  }
  return { ok: problems.length === 0, problems };
}
