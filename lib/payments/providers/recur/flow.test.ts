// End to end through the local payments sandbox, as Recur: the real adapter (typed fetch
// client) creates the session on the sandbox, the sandbox "pays" it and delivers signed
// webhooks to a local endpoint that calls handleWebhook — exactly what
// POST /api/webhooks/recur does. Fulfilment must come out exactly once, matched only by
// the checkout id / our metadata id (seed 003, T1–T4).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelSubscription } from "@/lib/billing/cancel-subscription";
import { createCheckout } from "@/lib/billing/create-checkout";
import { creditsBalance, getAccess } from "@/lib/billing/entitlements";
import { syncCheckout } from "@/lib/billing/sync-checkout";
import { createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { handleWebhook } from "@/lib/billing/webhooks";
import { db } from "@/lib/db";
import { UnsupportedFeatureError, WebhookVerificationError, httpErrorFor } from "@/lib/payments/errors";
import { recurHeaders, startRecurSandbox, type RecurSandbox } from "./testing/sandbox";

// Recur requires HTTPS return URLs (the sandbox relaxes that for localhost only).
const APP_URL = "https://app.test";
const SECRET = "whsec_recur_flow_tests";

let sandbox: RecurSandbox;
let endpoint: http.Server;
const answered: number[] = [];

beforeAll(async () => {
  await ensureCatalog();
  // The webhook route, minus Next.js: raw body in, handleWebhook, status out.
  endpoint = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      let status = 200;
      try {
        await handleWebhook("recur", Buffer.concat(chunks).toString("utf8"), headers);
      } catch (error) {
        status = httpErrorFor(error).status;
      }
      answered.push(status);
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/api/webhooks/recur`;
  sandbox = await startRecurSandbox({ webhookUrl, webhookSecret: SECRET });
  sandbox.configureAdapter();
});

afterAll(async () => {
  await sandbox?.stop();
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  sandbox.configureAdapter();
  await sandbox.control("POST", "/recur/webhooks/behaviour", { duplicate: 0, reorder: null, paused: false, failNextDeliveries: 0 });
});

async function open(userId: string, priceId: string, quantity = 1, email: string | null = "buyer@test.local") {
  const created = await createCheckout({ userId, email, priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url, presentation: created.presentation };
}

describe("Recur through the sandbox: create → pay → signed webhook → grants", () => {
  it("a credit pack of quantity 1 credits exactly once, with duplicated deliveries and the success-page sync", async () => {
    await sandbox.control("POST", "/recur/webhooks/behaviour", { duplicate: 2 });
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 1);
    expect(a.url).toBe(`${sandbox.url}/pay/recur/${a.sessionId}`);
    const paid = await sandbox.pay(a.sessionId);
    expect(paid.body.outcome).toBe("succeeded");
    expect(paid.body.redirectUrl).toBe(`${APP_URL}/checkout/success?cid=${a.id}&session_id=${a.sessionId}`);
    // Our user's id and name went to Recur's customer fields (prefills; nothing is matched by them).
    const sent = (await sandbox.requests({ method: "POST", path: "^/v1/checkout/sessions$" })).at(-1)!;
    expect(sent.body).toMatchObject({ customerName: user.name, externalCustomerId: user.id, metadata: { checkout_id: a.id } });
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(100);
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    expect(await creditsBalance(user.id)).toBe(100);
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } });
    expect(order.providerPaymentId).toMatch(/^ord_/);
    expect(order.amountTotal).toBe(1000);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
  });

  it("a credit pack with quantity > 1 is refused with a clear 422 before anything is written", async () => {
    const user = await createUser();
    const error = await open(user.id, "credits_100_pack", 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect(httpErrorFor(error).status).toBe(422);
    expect(httpErrorFor(error).body.error).toMatch(/more than one unit/);
    expect(await db.checkout.count({ where: { userId: user.id } })).toBe(0);
  });

  it("the PAYUNi sandbox card pays too; a declined card grants nothing and the session stays payable", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const declined = await sandbox.pay(a.sessionId, "4000000000000002");
    expect(declined.status).toBe(402);
    await sandbox.settle();
    expect((await syncCheckout(a.id)).status).toBe("open");
    expect((await getAccess(user.id)).lasting).toEqual([]);
    expect((await sandbox.pay(a.sessionId, "4147631000000001")).body.outcome).toBe("succeeded");
    await sandbox.settle();
    expect((await getAccess(user.id)).lasting).toEqual(["templates"]);
  });

  it("T1–T4: A (1 pack) paid while its webhooks are held, B opened for 10 packs' worth, then A's webhooks → exactly 100 credits", async () => {
    // Recur sells one unit per session, so "10 packs" is a Recur product of its own (as in the
    // seed: 100 points vs 1000 points); asking for 10 × the 100-credit pack is refused.
    const productId = "recur_t14_credits_1000";
    await db.product.upsert({
      where: { id: productId },
      create: { id: productId, kind: "credit_pack", name: "1000 credits", description: "T1–T4", features: [], credits: 1000, sortOrder: 9999 },
      update: { active: true },
    });
    await db.price.upsert({
      where: { id: `${productId}_pack` },
      create: { id: `${productId}_pack`, productId, type: "one_time", unitAmount: 10000, currency: "usd" },
      update: { active: true },
    });
    await db.priceExternalId.upsert({
      where: { priceId_provider: { priceId: `${productId}_pack`, provider: "recur" } },
      create: { priceId: `${productId}_pack`, provider: "recur", externalId: `prod_sbx_${productId}` },
      update: {},
    });
    await sandbox.ok("POST", "/recur/products", { id: `prod_sbx_${productId}`, name: "1000 credits", unitAmount: 10000, currency: "usd" });

    const user = await createUser();
    await sandbox.control("POST", "/recur/webhooks/pause");
    const a = await open(user.id, "credits_100_pack", 1, user.email); // T1
    expect((await sandbox.pay(a.sessionId)).body.outcome).toBe("succeeded"); // T2: A's webhooks in flight
    await expect(open(user.id, "credits_100_pack", 10, user.email)).rejects.toBeInstanceOf(UnsupportedFeatureError);
    const b = await open(user.id, `${productId}_pack`, 1, user.email); // T3: same user, same email, unpaid
    await db.product.update({ where: { id: productId }, data: { active: false } }); // keep the shared catalog as it was
    await sandbox.control("POST", "/recur/webhooks/resume"); // T4
    await sandbox.settle();

    expect(await creditsBalance(user.id)).toBe(100);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("complete");
    expect((await db.checkout.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("open");
    expect(await db.order.count({ where: { checkoutId: b.id } })).toBe(0);
    // A's completion named the same email and customer that B carries: only the ids matched it.
    const completed = (await sandbox.events()).find((e) => e.type === "checkout.completed" && e.data.id === a.sessionId)!;
    expect(completed.data).toMatchObject({ customerEmail: user.email, metadata: { checkout_id: a.id } });
    const bSession = (await sandbox.ok<{ session: Record<string, unknown> }>("GET", `/recur/sessions/${b.sessionId}`)).session;
    expect(bSession).toMatchObject({ status: "OPEN", customerEmail: user.email, metadata: { checkout_id: b.id } });
  });

  it("a replayed (re-signed) delivery applies once; tampered or foreign-signed ones are refused and write nothing", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(100);
    const event = (await sandbox.events()).find((e) => e.type === "checkout.completed" && e.data.id === a.sessionId)!;
    const raw = JSON.stringify(event);

    const replay = await handleWebhook("recur", raw, recurHeaders(raw, SECRET));
    expect(replay.status).toBe("duplicate");
    const before = await db.webhookEvent.count();
    const forged = raw.replace(`"checkout_id":"${a.id}"`, `"checkout_id":"someone-else"`).replace(event.id, `${event.id}_x`);
    await expect(handleWebhook("recur", forged, recurHeaders(raw, SECRET, { "x-recur-event-id": `${event.id}_x` }))).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(handleWebhook("recur", raw.replace(event.id, `${event.id}_y`), recurHeaders(raw.replace(event.id, `${event.id}_y`), "whsec_attacker"))).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(await db.webhookEvent.count()).toBe(before);
    expect(await creditsBalance(user.id)).toBe(100);
  });

  it("the success page alone (webhooks held) completes from Recur's own session read; the late webhooks change nothing", async () => {
    const user = await createUser();
    await sandbox.control("POST", "/recur/webhooks/pause");
    const a = await open(user.id, "credits_100_pack");
    await sandbox.pay(a.sessionId);
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    expect(await creditsBalance(user.id)).toBe(100);
    await sandbox.control("POST", "/recur/webhooks/resume");
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(100);
  });

  it("a failed delivery is retried and then applied", async () => {
    await sandbox.control("POST", "/recur/webhooks/behaviour", { failNextDeliveries: 2 });
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(100);
    const { deliveries } = await sandbox.ok<{ deliveries: Array<{ attempts: unknown[]; state: string }> }>("GET", "/recur/webhooks/deliveries");
    expect(deliveries.some((d) => d.attempts.length > 1 && d.state === "delivered")).toBe(true);
  });

  it("a full refund takes the credits back", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } });
    await sandbox.ok("POST", `/recur/orders/${order.providerPaymentId}/refund`, {});
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(0);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("refunded");
  });
});

describe("Recur subscriptions through the sandbox", () => {
  it("a trial plan activates (duplicated, reversed deliveries converge), is cancelled at period end, then expires", async () => {
    await sandbox.control("POST", "/recur/webhooks/behaviour", { duplicate: 1, reorder: "reverse", reorderWindowMs: 200 });
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    expect(a.presentation).toBe("redirect");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    let access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: false });
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    expect(subscription).toMatchObject({ checkoutId: a.id, priceId: "pro_monthly", status: "trialing" });
    expect(subscription.providerSubscriptionId).toMatch(/^sub_/);

    await sandbox.control("POST", "/recur/webhooks/behaviour", { duplicate: 0, reorder: null });
    await cancelSubscription({ userId: user.id });
    await sandbox.settle();
    access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: true });

    await sandbox.ok("POST", `/recur/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "expire" });
    await sandbox.settle();
    expect((await getAccess(user.id)).plan).toBeNull();
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("expired");
  });

  it("a paid plan activates at once, renews (invoice.paid extends the period) and goes past due", async () => {
    const user = await createUser();
    const a = await open(user.id, "starter_monthly");
    await sandbox.pay(a.sessionId, "4147 6310 0000 0001");
    await sandbox.settle();
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", status: "active" });
    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    expect((await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } })).providerPaymentId).toMatch(/^ord_/);
    const firstEnd = subscription.currentPeriodEnd!.getTime();

    await sandbox.ok("POST", `/recur/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "renew" });
    await sandbox.settle();
    const renewed = await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } });
    expect(renewed.currentPeriodEnd!.getTime()).toBeGreaterThan(firstEnd + 27 * 86_400_000);
    expect(renewed.status).toBe("active");

    await sandbox.ok("POST", `/recur/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "payment_failed" });
    await sandbox.settle();
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("past_due");
    expect(answered.every((status) => status === 200)).toBe(true);
  });
});
