// Issue 5: the database failing in the middle of applying a verified event, for all five
// providers' real signed events. lib/billing/webhooks-rollback.test.ts makes apply throw after
// all of its writes (Stripe only); here PostgreSQL itself refuses a write half-way through the
// transaction: a temporary trigger raises on INSERT into one table for one test user only
// (other test files share the database), and is dropped afterwards.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { httpErrorFor } from "@/lib/payments/errors";
import { createCheckout } from "./create-checkout";
import { creditsBalance, getAccess } from "./entitlements";
import { WebhookProcessingError } from "./errors";
import { syncCheckout } from "./sync-checkout";
import { PROVIDERS, deliverEvent, withProviderSandboxes, HTTPS_APP_URL, type ProviderEvent } from "./testing/provider-sandboxes";
import { createUser } from "./testing/fixtures";

const sandboxFor = withProviderSandboxes();

type Table = "Entitlement" | "Order" | "Subscription";

/**
 * A temporary BEFORE INSERT trigger on `table` that raises when `condition` holds for a row of
 * `userId` (other test files share the database); the returned function drops it.
 */
async function raiseOnInsert(table: Table, userId: string, condition: (name: string) => string, raise: string): Promise<() => Promise<void>> {
  if (!/^[A-Za-z0-9_-]+$/.test(userId)) throw new Error(`unexpected user id ${userId}`);
  const name = `test_fail_${randomUUID().replace(/-/g, "")}`;
  // A sequence counts the refusals: it is not rolled back with the transaction the error aborts.
  await db.$executeRawUnsafe(`CREATE SEQUENCE "${name}"`);
  await db.$executeRawUnsafe(`
    CREATE FUNCTION "${name}"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW."userId" = '${userId}' AND ${condition(name)} THEN
        ${raise};
      END IF;
      RETURN NEW;
    END $$`);
  await db.$executeRawUnsafe(`CREATE TRIGGER "${name}" BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "${name}"()`);
  return async () => {
    await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS "${name}" ON "${table}"`);
    await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS "${name}"()`);
    await db.$executeRawUnsafe(`DROP SEQUENCE IF EXISTS "${name}"`);
  };
}

/** Makes PostgreSQL refuse every INSERT into `table` for rows of `userId`. */
function failInsertsInto(table: Table, userId: string): Promise<() => Promise<void>> {
  return raiseOnInsert(table, userId, () => "true", `RAISE EXCEPTION 'injected database failure: INSERT INTO "%" refused', TG_TABLE_NAME`);
}

/** Makes PostgreSQL report a deadlock on the first `times` INSERTs into Order for `userId`. */
function deadlockOnOrderInsert(userId: string, times: number): Promise<() => Promise<void>> {
  return raiseOnInsert("Order", userId, (name) => `nextval('"${name}"') <= ${times}`, `RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01'`);
}

async function derivedRows(userId: string) {
  const [orders, entitlements, subscriptions, customers] = await Promise.all([
    db.order.count({ where: { userId } }),
    db.entitlement.count({ where: { userId } }),
    db.subscription.count({ where: { userId } }),
    db.customer.count({ where: { userId } }),
  ]);
  return { orders, entitlements, subscriptions, customers };
}

async function eventRows(events: ProviderEvent[]) {
  return db.webhookEvent.findMany({ where: { provider: events[0].provider, eventId: { in: events.map((e) => e.id) } } });
}

describe("the database fails while a verified event is being applied", () => {
  it.each(
    PROVIDERS.flatMap((provider) => [
      { provider, priceId: "credits_100_pack", table: "Entitlement" as const },
      { provider, priceId: "starter_monthly", table: "Subscription" as const },
    ]),
  )("$provider $priceId, INSERT INTO $table refused: 500, nothing partial, event failed; the retry applies once", async ({ provider, priceId, table }) => {
    const sandbox = sandboxFor(provider);
    const user = await createUser();
    const created = await createCheckout({ userId: user.id, email: user.email, priceId, appUrl: HTTPS_APP_URL }, { provider: getProvider(provider) });
    const before = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
    const seen = (await sandbox.events()).length;
    await sandbox.pay(before.providerSessionId!);
    const events = (await sandbox.events()).slice(seen);
    expect(events.length).toBeGreaterThan(0);

    const restore = await failInsertsInto(table, user.id);
    const failed: ProviderEvent[] = [];
    try {
      for (const event of events) {
        const outcome = await deliverEvent(event).catch((error: unknown) => error);
        if (outcome instanceof Error) {
          expect(outcome).toBeInstanceOf(WebhookProcessingError);
          expect(httpErrorFor(outcome).status).toBe(500);
          failed.push(event);
        }
      }
    } finally {
      await restore();
    }

    // The provider's payment events all needed the refused insert; none left anything behind.
    expect(failed.length).toBeGreaterThan(0);
    expect(await derivedRows(user.id)).toEqual({ orders: 0, entitlements: 0, subscriptions: 0, customers: 0 });
    expect(await db.checkout.findUniqueOrThrow({ where: { id: created.id } })).toEqual(before);
    // Each failed on the refused insert — or was kept as unmatched: an invoice for the
    // subscription that insert would have created, or FastStar's payment.succeeded, which names
    // only the payment and whose checkout's sync hit the refused insert (money is never ignored:
    // it waits for the retry).
    const rows = await eventRows(failed);
    expect(rows).toEqual(
      failed.map(() =>
        expect.objectContaining({ status: expect.stringMatching(/^(failed|unmatched)$/), attempts: 1, error: expect.stringMatching(new RegExp(`INSERT INTO "${table}" refused|NotYetMatchedError`)) }),
      ),
    );
    for (const row of rows) expect(row.status === "unmatched").toBe(Boolean(row.error?.startsWith("NotYetMatchedError")));
    if (provider !== "faststar") expect(rows.some((row) => row.error?.includes(`INSERT INTO "${table}" refused`))).toBe(true);

    // The provider retries every event that got a 500 until it applies (and, at-least-once, sends some twice).
    let pending = failed;
    for (let round = 0; pending.length > 0 && round < 3; round += 1) {
      const again: ProviderEvent[] = [];
      for (const event of pending) await deliverEvent(event).catch(() => again.push(event));
      pending = again;
    }
    expect(pending).toEqual([]);
    for (const event of events) expect((await deliverEvent(event)).status).toBe("duplicate");
    expect(await eventRows(failed)).toEqual(failed.map(() => expect.objectContaining({ status: "applied", error: null })));
    expect((await db.checkout.findUniqueOrThrow({ where: { id: created.id } })).status).toBe("complete");
    expect(await db.order.count({ where: { userId: user.id } })).toBe(1);
    if (priceId === "credits_100_pack") {
      expect(await creditsBalance(user.id)).toBe(100);
    } else {
      expect(await db.subscription.count({ where: { userId: user.id } })).toBe(1);
      expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", status: "active" });
    }
  });
});

describe("a deadlock (or serialization failure) rolls the transaction back", () => {
  it.each(["stripe", "dodo"] as const)("%s: the success page's sync and a webhook run again and apply once; a persistent one fails (500)", async (provider) => {
    const sandbox = sandboxFor(provider);
    const user = await createUser();
    const created = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", appUrl: HTTPS_APP_URL }, { provider: getProvider(provider) });
    const { providerSessionId } = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
    await sandbox.pay(providerSessionId!);

    let restore = await deadlockOnOrderInsert(user.id, 2);
    try {
      expect((await syncCheckout(created.id, { userId: user.id })).status).toBe("complete");
    } finally {
      await restore();
    }
    expect(await creditsBalance(user.id)).toBe(100);

    const other = await createUser();
    const second = await createCheckout({ userId: other.id, email: other.email, priceId: "credits_100_pack", appUrl: HTTPS_APP_URL }, { provider: getProvider(provider) });
    const secondRow = await db.checkout.findUniqueOrThrow({ where: { id: second.id } });
    const before = (await sandbox.events()).length;
    await sandbox.pay(secondRow.providerSessionId!);
    const webhooks = (await sandbox.events()).slice(before);
    restore = await deadlockOnOrderInsert(other.id, 1_000);
    const failures: unknown[] = [];
    try {
      for (const event of webhooks) await deliverEvent(event).catch((error: unknown) => failures.push(error));
    } finally {
      await restore();
    }
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(httpErrorFor(failure as Error).status).toBe(500);
    expect(await creditsBalance(other.id)).toBe(0);
    restore = await deadlockOnOrderInsert(other.id, 1);
    try {
      for (const event of webhooks) await deliverEvent(event);
    } finally {
      await restore();
    }
    expect(await creditsBalance(other.id)).toBe(100);
  });
});
