// Part 1: webhook ingestion. Distinct, validly signed "paid" events for real open checkouts,
// mixed over the five providers, plus 20% duplicates, POSTed to /api/webhooks/<provider> at a
// given concurrency; then the same database writes done directly with `pg` (the floor), and
// an exactly-once check of both.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { createOpenCheckouts, verifyExactlyOnce, type BenchCheckout, type ExactlyOnce } from "./database.mts";
import { httpClient, runLoad, type LoadResult } from "./load.mts";
import { BENCH_PROVIDERS, paidDelivery, type Delivery } from "./webhook-events.mts";

export const DUPLICATE_SHARE = 0.2;

export type WebhookLevel = {
  concurrency: number;
  distinctEvents: number;
  deliveries: number;
  app: LoadResult & { exactlyOnce: ExactlyOnce };
  floor: LoadResult & { exactlyOnce: ExactlyOnce };
  /** app events/s ÷ floor events/s */
  ratio: number;
};

type Context = { appUrl: string; pool: pg.Pool; floorPool: pg.Pool; secrets: Record<string, string>; userIds: string[] };

export async function benchWebhookLevel(context: Context, concurrency: number, distinctEvents: number): Promise<WebhookLevel> {
  const app = await appRun(context, concurrency, distinctEvents);
  const floor = await floorRun(context, concurrency, distinctEvents);
  return { concurrency, distinctEvents, deliveries: app.requests, app, floor, ratio: app.perSecond / floor.perSecond };
}

/** The distinct deliveries plus a 20% share sent twice, in random order. */
function withDuplicates<T>(distinct: T[]): T[] {
  const all = [...distinct, ...distinct.slice(0, Math.round(distinct.length * DUPLICATE_SHARE))];
  for (let i = all.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all;
}

async function prepare(context: Context, distinctEvents: number) {
  const checkouts = await createOpenCheckouts(context.pool, distinctEvents, context.userIds, BENCH_PROVIDERS);
  const byId = new Map(checkouts.map((checkout) => [checkout.id, checkout]));
  const distinct = checkouts.map((checkout) => ({ checkout, delivery: paidDelivery(checkout, context.secrets) }));
  return { checkouts, byId, distinct, sequence: withDuplicates(distinct) };
}

async function appRun(context: Context, concurrency: number, distinctEvents: number) {
  const { checkouts, distinct, sequence } = await prepare(context, distinctEvents);
  const client = httpClient(context.appUrl, concurrency);
  try {
    const result = await runLoad(sequence.length, concurrency, async (index) => {
      const { delivery } = sequence[index];
      const answer = await client.request("POST", `/api/webhooks/${delivery.provider}`, delivery.sign(), delivery.body);
      if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
      const status = (JSON.parse(answer.body) as { status?: string }).status;
      return status === "applied" || status === "duplicate" ? null : `answered status ${status}`;
    });
    return { ...result, exactlyOnce: await verifyExactlyOnce(context.pool, checkouts, distinct.map(({ delivery }) => delivery)) };
  } finally {
    client.close();
  }
}

async function floorRun(context: Context, concurrency: number, distinctEvents: number) {
  const { checkouts, distinct, sequence } = await prepare(context, distinctEvents);
  const result = await runLoad(sequence.length, concurrency, async (index) => {
    const { checkout, delivery } = sequence[index];
    await applyDirectly(context.floorPool, checkout, delivery);
    return null;
  });
  return { ...result, exactlyOnce: await verifyExactlyOnce(context.pool, checkouts, distinct.map(({ delivery }) => delivery)) };
}

/**
 * What handleWebhook + applyEvent write for a paid credit-pack checkout, as plain SQL with no
 * verification or normalization: record the event once (outside the transaction, as the app
 * does), then in one transaction lock the event and the checkout, complete the checkout,
 * create the order and the credits grant once, and mark the event applied.
 */
async function applyDirectly(pool: pg.Pool, checkout: BenchCheckout, delivery: Delivery): Promise<"applied" | "duplicate"> {
  const payload = JSON.parse(delivery.body) as { type?: string; eventType?: string; data?: { object?: { payment_intent?: string } } };
  const type = payload.type ?? payload.eventType ?? "unknown";
  const inserted = await pool.query<{ id: string }>(
    `INSERT INTO "WebhookEvent" (id, provider, "eventId", type, payload, status) VALUES ($1, $2, $3, $4, $5::jsonb, 'received')
     ON CONFLICT (provider, "eventId") DO NOTHING RETURNING id`,
    [`bench_we_${randomUUID()}`, delivery.provider, delivery.eventId, type, delivery.body],
  );
  let eventRowId = inserted.rows[0]?.id;
  if (!eventRowId) {
    const existing = await pool.query<{ id: string; status: string }>(`SELECT id, status::text FROM "WebhookEvent" WHERE provider = $1 AND "eventId" = $2`, [delivery.provider, delivery.eventId]);
    if (existing.rows[0].status === "applied") return "duplicate";
    eventRowId = existing.rows[0].id;
  }
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const locked = await client.query<{ status: string }>(`SELECT status::text FROM "WebhookEvent" WHERE id = $1 FOR UPDATE`, [eventRowId]);
    if (locked.rows[0].status === "applied") {
      await client.query("COMMIT");
      return "duplicate";
    }
    const found = await client.query<{ userId: string; quantity: number; credits: number; amountTotal: number }>(
      `SELECT c."userId", i.quantity, p.credits, c."amountTotal" FROM "Checkout" c
       JOIN "CheckoutItem" i ON i."checkoutId" = c.id JOIN "Price" pr ON pr.id = i."priceId" JOIN "Product" p ON p.id = pr."productId"
       WHERE c.id = $1 FOR UPDATE OF c`,
      [checkout.id],
    );
    const row = found.rows[0];
    await client.query(`UPDATE "Checkout" SET status = 'complete', "completedAt" = coalesce("completedAt", now()), "lastError" = NULL, "updatedAt" = now() WHERE id = $1`, [checkout.id]);
    await client.query(
      `INSERT INTO "Order" (id, "userId", "checkoutId", provider, "providerPaymentId", "amountTotal", currency, "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6, 'usd', now()) ON CONFLICT DO NOTHING`,
      [`bench_ord_${randomUUID()}`, row.userId, checkout.id, checkout.provider, `floor_pay_${delivery.eventId}`, row.amountTotal],
    );
    const order = await client.query<{ id: string }>(`SELECT id FROM "Order" WHERE "checkoutId" = $1`, [checkout.id]);
    await client.query(
      `INSERT INTO "Entitlement" (id, "userId", kind, key, quantity, source, "orderId", "updatedAt")
       VALUES ($1, $2, 'credits', 'credits', $3, $4, $5, now()) ON CONFLICT DO NOTHING`,
      [`bench_ent_${randomUUID()}`, row.userId, row.quantity * row.credits, `order:${order.rows[0].id}`, order.rows[0].id],
    );
    await client.query(`UPDATE "WebhookEvent" SET status = 'applied', "processedAt" = now(), error = NULL WHERE id = $1`, [eventRowId]);
    await client.query("COMMIT");
    return "applied";
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
