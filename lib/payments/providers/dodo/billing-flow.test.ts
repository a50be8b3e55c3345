// End to end through the local payments sandbox as Dodo Payments: the real adapter (dodopayments
// SDK) creates the checkout session on the sandbox, the sandbox "pays" it and delivers Standard
// Webhooks-signed events to a local endpoint that calls handleWebhook — what POST
// /api/webhooks/dodo does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelSubscription } from "@/lib/billing/cancel-subscription";
import { createCheckout } from "@/lib/billing/create-checkout";
import { creditsBalance, getAccess } from "@/lib/billing/entitlements";
import { APP_URL, createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { syncCheckout } from "@/lib/billing/sync-checkout";
import { handleWebhook } from "@/lib/billing/webhooks";
import { db } from "@/lib/db";
import { httpErrorFor } from "@/lib/payments/errors";
import { testWebhookSecret } from "./testing/events";
import { startDodoSandbox, type DodoSandbox, type Json } from "./testing/sandbox";

const SECRET = testWebhookSecret("billing-flow");
let sandbox: DodoSandbox;
let endpoint: http.Server;
const answered: number[] = [];

type Delivery = { eventId: string; type: string; copy: number; state: string; attempts: { status: number | null; simulatedFailure: boolean }[] };

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
        await handleWebhook("dodo", Buffer.concat(chunks).toString("utf8"), headers);
      } catch (error) {
        status = httpErrorFor(error).status;
      }
      answered.push(status);
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/api/webhooks/dodo`;
  sandbox = await startDodoSandbox({ webhookUrl, webhookSecret: SECRET });
  sandbox.configureAdapter();
});

afterAll(async () => {
  await sandbox?.stop();
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  sandbox.configureAdapter();
  await sandbox.ok("POST", "/dodo/webhooks/behaviour", { duplicate: 0, reorder: null, paused: false, failNextDeliveries: 0 });
});

async function open(userId: string, priceId: string, quantity = 1) {
  const created = await createCheckout({ userId, email: `buyer-${userId}@test.local`, priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url };
}

async function deliveries(): Promise<Delivery[]> {
  return (await sandbox.ok<{ deliveries: Delivery[] }>("GET", "/dodo/webhooks/deliveries")).deliveries;
}

async function subscriptionOf(userId: string) {
  return db.subscription.findFirstOrThrow({ where: { userId, provider: "dodo" } });
}

describe("through the Dodo sandbox: create → pay → signed webhooks → grants", () => {
  it("3 credit packs credit 300 exactly once although payment.succeeded comes 3 times, reversed, after a failed attempt", async () => {
    await sandbox.ok("POST", "/dodo/webhooks/behaviour", { duplicate: 2, reorder: "reverse", reorderWindowMs: 150, failNextDeliveries: 1 });
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 3);
    expect(a.url).toBe(`${sandbox.url}/pay/dodo/${a.sessionId}`);
    const paid = await sandbox.pay(a.sessionId);
    expect(paid.body.outcome).toBe("succeeded");
    // Our success URL with our id, plus Dodo's (unconfirmed) status parameters.
    const redirect = new URL(paid.body.redirectUrl as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(`${APP_URL}/checkout/success`);
    expect(redirect.searchParams.get("cid")).toBe(a.id);
    expect(redirect.searchParams.get("payment_id")).toMatch(/^pay_/);
    expect(redirect.searchParams.get("status")).toBe("succeeded");

    await sandbox.settle();
    const copies = (await deliveries()).filter((d) => d.type === "payment.succeeded");
    expect(copies).toHaveLength(3);
    expect(new Set(copies.map((d) => d.eventId)).size).toBe(1);
    expect(copies.flatMap((d) => d.attempts).some((attempt) => attempt.simulatedFailure)).toBe(true);
    expect(copies.every((d) => d.state === "delivered")).toBe(true);
    expect(await creditsBalance(user.id)).toBe(300);
    expect(await db.webhookEvent.count({ where: { provider: "dodo", eventId: copies[0].eventId } })).toBe(1);
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    expect(await creditsBalance(user.id)).toBe(300);

    // A full refund takes the credits back.
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } });
    await sandbox.ok("POST", `/dodo/payments/${order.providerPaymentId}/refund`, {});
    await sandbox.settle();
    expect(await creditsBalance(user.id)).toBe(0);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("refunded");
  });

  it("the success-page sync alone completes a paid checkout while webhooks are held", async () => {
    await sandbox.ok("POST", "/dodo/webhooks/pause");
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    await sandbox.pay(a.sessionId);
    const synced = await syncCheckout(a.id, { userId: user.id });
    expect(synced.status).toBe("complete");
    expect((await getAccess(user.id)).lasting).toEqual(["templates"]);
    await sandbox.ok("POST", "/dodo/webhooks/resume");
    await sandbox.settle();
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
  });

  it("a declined card grants nothing; another card on the same session then pays", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const declined = await sandbox.pay(a.sessionId, "4000000000000002");
    expect(declined.status).toBe(402);
    expect((declined.body.error as Json).message).toBe("Your card was declined.");
    await sandbox.settle();
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("failed");
    expect((await getAccess(user.id)).lasting).toEqual([]);
    await sandbox.pay(a.sessionId, "5555555555554444");
    await sandbox.settle();
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("complete");
    expect((await getAccess(user.id)).lasting).toEqual(["templates"]);
  });

  it("a trial subscription activates (subscription.active + payment.succeeded, reversed and duplicated), is cancelled at period end, then ends", async () => {
    await sandbox.ok("POST", "/dodo/webhooks/behaviour", { duplicate: 1, reorder: "reverse", reorderWindowMs: 150 });
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    const types = (await deliveries()).map((d) => d.type);
    expect(types).toEqual(expect.arrayContaining(["payment.succeeded", "subscription.active"]));
    let access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: false });
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("complete");

    await sandbox.ok("POST", "/dodo/webhooks/behaviour", { duplicate: 0, reorder: null });
    await cancelSubscription({ userId: user.id });
    await sandbox.settle();
    access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", cancelAtPeriodEnd: true });

    const subscription = await subscriptionOf(user.id);
    await sandbox.ok("POST", `/dodo/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "cancel" });
    await sandbox.settle();
    expect((await getAccess(user.id)).plan).toBeNull();
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("canceled");
  });

  it("a paid plan renews (period extended), goes on hold when a renewal fails (access paused), and a dispute revokes", async () => {
    const user = await createUser();
    const a = await open(user.id, "starter_monthly");
    await sandbox.pay(a.sessionId);
    await sandbox.settle();
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", status: "active" });
    const before = await subscriptionOf(user.id);

    await sandbox.ok("POST", `/dodo/subscriptions/${before.providerSubscriptionId}/advance`, { action: "renew" });
    await sandbox.settle();
    const renewed = await subscriptionOf(user.id);
    expect(renewed.currentPeriodEnd!.getTime()).toBeGreaterThan(before.currentPeriodEnd!.getTime() + 27 * 86_400_000);
    // A renewal is a payment of its own: an Order by its payment id, not a new checkout.
    expect(await db.order.count({ where: { userId: user.id } })).toBe(2);
    expect(await db.order.count({ where: { userId: user.id, checkoutId: null, subscriptionId: renewed.id } })).toBe(1);

    await sandbox.ok("POST", `/dodo/subscriptions/${before.providerSubscriptionId}/advance`, { action: "payment_failed" });
    await sandbox.settle();
    expect((await subscriptionOf(user.id)).status).toBe("paused");
    expect((await getAccess(user.id)).plan).toBeNull();

    const other = await open(user.id, "lifetime_once");
    await sandbox.pay(other.sessionId);
    await sandbox.settle();
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: other.id } });
    await sandbox.ok("POST", `/dodo/payments/${order.providerPaymentId}/dispute`, { status: "dispute_opened" });
    await sandbox.settle();
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("disputed");
    expect((await getAccess(user.id)).lasting).toEqual([]);
    expect(answered.every((status) => status === 200)).toBe(true);
  });
});
