// Issue 5: the process dies between recording a webhook event and applying it (a serverless
// function killed on timeout, a deploy, an OOM). What it leaves: the WebhookEvent row
// `received`, nothing applied, the provider never got its 2xx. Two ways finish the work:
// (a) the provider's next delivery of the same event applies it once, and counts the attempt;
// (b) reconciliation (reconcilePendingCheckouts) completes the checkout from the provider's
//     own state; the late redelivery then changes nothing more.
//
// The state-based cases build that state by recording the event as handleWebhook's first step
// does, for every provider. The kill case really kills a process: a child runs handleWebhook on
// the delivery while the test holds a lock on our Checkout row, so the child records the event,
// then blocks inside its apply transaction; the test SIGKILLs it there. That needs a PostgreSQL
// server: the embedded one serialises sessions (the test's open transaction would stop the child
// before it records anything), so it runs only when the database takes concurrent sessions
// (e.g. DATABASE_URL=postgresql://…127.0.0.1:5432/… npx vitest run lib/billing/faults-crash.test.ts).
import { spawn } from "node:child_process";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import type { ProviderName } from "@/lib/payments/types";
import { createCheckout } from "./create-checkout";
import { creditsBalance } from "./entitlements";
import { reconcilePendingCheckouts } from "./reconcile";
import { PROVIDERS, deliverEvent, withProviderSandboxes, HTTPS_APP_URL, type ProviderEvent } from "./testing/provider-sandboxes";
import { createUser } from "./testing/fixtures";

const sandboxFor = withProviderSandboxes();
let concurrentSessions = false;
beforeAll(async () => {
  concurrentSessions = await databaseTakesConcurrentSessions();
});

/** Whether a second session can work while another holds a transaction open (not so on PGlite). */
async function databaseTakesConcurrentSessions(): Promise<boolean> {
  const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
  const probe = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await holder.connect();
  await holder.query("BEGIN");
  try {
    const answered = Promise.resolve()
      .then(() => probe.connect())
      .then(() => probe.query("SELECT 1"))
      .then(() => true);
    return await Promise.race([answered, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2_000))]);
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
    await probe.end().catch(() => undefined);
  }
}

/** A paid credit pack and the provider's events about it, none delivered yet. */
async function paidCreditPack(name: ProviderName) {
  const sandbox = sandboxFor(name);
  const user = await createUser();
  const created = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", appUrl: HTTPS_APP_URL }, { provider: getProvider(name) });
  const sessionId = (await db.checkout.findUniqueOrThrow({ where: { id: created.id } })).providerSessionId!;
  const seen = (await sandbox.events()).length;
  await sandbox.pay(sessionId);
  const events = (await sandbox.events()).slice(seen);
  return { userId: user.id, checkoutId: created.id, events };
}

/** The row handleWebhook's first statement writes, before its apply transaction. */
async function recordOnly(event: ProviderEvent) {
  await db.webhookEvent.create({ data: { provider: event.provider, eventId: event.id, type: event.type, payload: JSON.parse(event.payload), status: "received" } });
}

const eventRow = (event: ProviderEvent) => db.webhookEvent.findUniqueOrThrow({ where: { provider_eventId: { provider: event.provider, eventId: event.id } } });

async function expectCrashState(userId: string, checkoutId: string, event: ProviderEvent) {
  expect(await eventRow(event)).toMatchObject({ status: "received", attempts: 1, processedAt: null });
  expect((await db.checkout.findUniqueOrThrow({ where: { id: checkoutId } })).status).toBe("open");
  expect(await db.order.count({ where: { checkoutId } })).toBe(0);
  expect(await creditsBalance(userId)).toBe(0);
}

/** (a): the provider redelivers everything it never got a 2xx for; the crashed event applies once. */
async function finishByRedelivery(userId: string, checkoutId: string, crashed: ProviderEvent, events: ProviderEvent[]) {
  for (const event of events) await deliverEvent(event);
  const row = await eventRow(crashed);
  expect(row.status).toMatch(/^(applied|ignored)$/);
  // The redelivery; FastStar's payment.succeeded (naming only the payment) is kept as unmatched
  // first and applied again once its checkout's sync records the payment: one attempt more.
  expect(row.attempts).toBe(crashed.provider === "faststar" ? 3 : 2);
  for (const event of events) expect((await deliverEvent(event)).status).toBe("duplicate");
  expect((await db.checkout.findUniqueOrThrow({ where: { id: checkoutId } })).status).toBe("complete");
  expect(await db.order.count({ where: { checkoutId } })).toBe(1);
  expect(await creditsBalance(userId)).toBe(100);
}

/** (b): reconciliation reads the provider; the event row stays `received` until the redelivery, which adds nothing. */
async function finishByReconciliation(userId: string, checkoutId: string, crashed: ProviderEvent, events: ProviderEvent[]) {
  const counts = await reconcilePendingCheckouts({ olderThanMinutes: 0, now: new Date(Date.now() + 1_000), userId });
  expect(counts).toMatchObject({ scanned: 1, completed: 1, errors: 0 });
  expect((await db.checkout.findUniqueOrThrow({ where: { id: checkoutId } })).status).toBe("complete");
  expect(await creditsBalance(userId)).toBe(100);
  expect((await eventRow(crashed)).status).toBe("received");

  for (const event of events) await deliverEvent(event);
  expect((await eventRow(crashed)).status).toMatch(/^(applied|ignored)$/);
  expect(await db.order.count({ where: { checkoutId } })).toBe(1);
  expect(await creditsBalance(userId)).toBe(100);
}

const finishes = [
  { by: "the next delivery", finish: finishByRedelivery },
  { by: "reconciliation", finish: finishByReconciliation },
];

describe("a crash between recording an event and applying it (the state it leaves)", () => {
  it.each(PROVIDERS.flatMap((provider) => finishes.map((f) => ({ provider, ...f }))))("$provider: finished by $by", async ({ provider, finish }) => {
    const { userId, checkoutId, events } = await paidCreditPack(provider);
    const crashed = events[0];
    await recordOnly(crashed);
    await expectCrashState(userId, checkoutId, crashed);
    await finish(userId, checkoutId, crashed, events);
  });
});

function runDelivery(event: ProviderEvent) {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/billing/testing/deliver-webhook.mts"], {
    env: { ...process.env, WEBHOOK_DELIVERY: JSON.stringify({ provider: event.provider, payload: event.payload, headers: Object.fromEntries(event.sign()) }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a process really killed between recording an event and applying it", () => {
  it.for(finishes)("stripe: SIGKILL inside the apply transaction; finished by $by", async ({ finish }, context) => {
    if (!concurrentSessions) {
      context.skip("the database serialises sessions (embedded PGlite); run against a PostgreSQL server");
    }
    const { userId, checkoutId, events } = await paidCreditPack("stripe");
    const crashed = events.find((event) => event.type === "checkout.session.completed")!;

    // Our lock on the checkout: the child records the event, then waits in apply for this row.
    const blocker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query(`SELECT id FROM "Checkout" WHERE id = $1 FOR UPDATE`, [checkoutId]);
    const delivery = runDelivery(crashed);
    try {
      await until(async () => (await db.webhookEvent.count({ where: { provider: "stripe", eventId: crashed.id } })) === 1, "the child to record the event");
      await until(async () => {
        const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`);
        return rows[0].n > 0;
      }, "the child to wait for the checkout lock");
      delivery.child.kill("SIGKILL");
      expect(await delivery.exited, delivery.output()).toMatchObject({ signal: "SIGKILL" });
    } finally {
      delivery.child.kill("SIGKILL");
      await blocker.query("ROLLBACK");
      await blocker.end();
    }

    // The server rolls the dead session's transaction back once it sees the closed socket.
    await expectCrashState(userId, checkoutId, crashed);
    await finish(userId, checkoutId, crashed, events);
  });
});
