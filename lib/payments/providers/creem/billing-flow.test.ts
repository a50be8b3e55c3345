// End to end through the local payments sandbox as Creem: the real adapter (official `creem`
// SDK) creates the checkout through lib/billing, the sandbox pays it and delivers
// `creem-signature` webhooks to a local endpoint that calls handleWebhook — exactly what
// POST /api/webhooks/creem does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cancelSubscription } from "@/lib/billing/cancel-subscription";
import { createCheckout } from "@/lib/billing/create-checkout";
import { creditsBalance, getAccess } from "@/lib/billing/entitlements";
import { syncCheckout } from "@/lib/billing/sync-checkout";
import { APP_URL, createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { handleWebhook } from "@/lib/billing/webhooks";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { WebhookVerificationError, httpErrorFor } from "@/lib/payments/errors";
import { creemEventPayload, creemSignedHeaders } from "./testing/events";
import { startCreemSandbox, type CreemSandbox } from "./testing/sandbox";

const SECRET = "whsec_creem_billing_flow";
let sandbox: CreemSandbox;
let endpoint: http.Server;
const answered: number[] = [];

beforeAll(async () => {
  await ensureCatalog();
  endpoint = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      let status = 200;
      try {
        await handleWebhook("creem", Buffer.concat(chunks).toString("utf8"), headers);
      } catch (error) {
        status = httpErrorFor(error).status;
      }
      answered.push(status);
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/api/webhooks/creem`;
  sandbox = await startCreemSandbox({ webhookUrl, webhookSecret: SECRET, retrySchedule: [100, 200, 400] });
  sandbox.configureAdapter();
});

afterAll(async () => {
  await sandbox?.stop();
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  sandbox.configureAdapter();
  await sandbox.control("POST", "/creem/webhooks/behaviour", { duplicate: 0, reorder: null, paused: false, failNextDeliveries: 0 });
});

async function open(userId: string, priceId: string, quantity = 1) {
  // Each user its own email: Creem keeps one customer per email, linked to one user only.
  const { email } = await db.user.findUniqueOrThrow({ where: { id: userId } });
  const created = await createCheckout({ userId, email, priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url! };
}

describe("creem through the sandbox: create → pay → signed webhook → handleWebhook → grants", () => {
  it("3 credit packs are credited exactly once although checkout.completed comes 3 times, reversed, after a failed attempt", async () => {
    await sandbox.control("POST", "/creem/webhooks/behaviour", { duplicate: 2, reorder: "reverse", reorderWindowMs: 150, failNextDeliveries: 1 });
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 3);
    expect(a.url).toBe(`${sandbox.url}/pay/creem/${a.sessionId}`);
    const create = (await sandbox.requests({ method: "POST", path: "^/v1/checkouts$" })).at(-1)!;
    expect(create.body).toMatchObject({ product_id: "prod_sbx_credits_100_pack", request_id: a.id, units: 3, metadata: { checkout_id: a.id }, customer: { email: user.email } });

    const paid = await sandbox.pay(a.sessionId);
    expect(paid.redirectUrl!.startsWith(`${APP_URL}/checkout/success?cid=${a.id}&request_id=${a.id}&checkout_id=${a.sessionId}&order_id=ord_`)).toBe(true);
    expect(getProvider("creem").verifyReturnUrl!(new URL(paid.redirectUrl!).searchParams)).toEqual({ providerSessionId: a.sessionId, ourCheckoutId: a.id });
    await sandbox.waitForDeliveries();

    const deliveries = (await sandbox.control<{ deliveries: Array<{ type: string; eventId: string; state: string; attempts: Array<{ simulatedFailure: boolean }> }> }>("GET", "/creem/webhooks/deliveries")).body.deliveries;
    const completed = deliveries.filter((d) => d.type === "checkout.completed" && d.eventId === deliveries.find((x) => x.type === "checkout.completed")!.eventId);
    expect(completed).toHaveLength(3);
    expect(completed.every((d) => d.state === "delivered")).toBe(true);
    expect(completed.flatMap((d) => d.attempts).some((attempt) => attempt.simulatedFailure)).toBe(true);

    expect(await creditsBalance(user.id)).toBe(300);
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } });
    expect(order).toMatchObject({ provider: "creem", amountTotal: 3000, currency: "usd" });
    expect(order.providerPaymentId).toMatch(/^tran_/); // the transaction: what its refunds and disputes name
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    expect(await creditsBalance(user.id)).toBe(300);
  });

  it("a subscription activates from the webhooks and the success-page sync agrees", async () => {
    const user = await createUser();
    const a = await open(user.id, "starter_monthly");
    await sandbox.pay(a.sessionId);
    await sandbox.waitForDeliveries();
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", status: "active", cancelAtPeriodEnd: false });
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    expect(subscription).toMatchObject({ provider: "creem", status: "active", checkoutId: a.id, priceId: "starter_monthly" });
    expect(subscription.providerSubscriptionId).toMatch(/^sub_/);
    expect(await db.customer.count({ where: { userId: user.id, provider: "creem" } })).toBe(1);
  });

  it("a trial plan, duplicated and reversed deliveries: trialing; cancel at period end; then canceled", async () => {
    await sandbox.control("POST", "/creem/webhooks/behaviour", { duplicate: 1, reorder: "reverse", reorderWindowMs: 150 });
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    await sandbox.pay(a.sessionId);
    await sandbox.waitForDeliveries();
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: false });
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);

    await cancelSubscription({ userId: user.id });
    await sandbox.waitForDeliveries();
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "pro", cancelAtPeriodEnd: true });

    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    await sandbox.control("POST", "/clock/advance", { days: 8 });
    await sandbox.waitForDeliveries();
    expect((await getAccess(user.id)).plan).toBeNull();
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("canceled");
  });

  it("a declined card grants nothing and the checkout stays open", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const declined = await sandbox.pay(a.sessionId, "4000000000000002");
    expect(declined.status).toBe(402);
    await sandbox.waitForDeliveries();
    expect((await syncCheckout(a.id)).status).toBe("open");
    expect((await getAccess(user.id)).lasting).toEqual([]);
  });

  it("a full refund (Creem's refund API) takes back what the order granted", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    await sandbox.pay(a.sessionId);
    await sandbox.waitForDeliveries();
    expect((await getAccess(user.id)).lasting).toHaveLength(1);
    const transactionId = ((await sandbox.event("checkout.completed", a.sessionId)).object.order as { transaction: string }).transaction;
    expect((await sandbox.creem.transactions.refund({ transactionId })).status).toBe("succeeded");
    await sandbox.waitForDeliveries();
    expect((await db.order.findUniqueOrThrow({ where: { checkoutId: a.id } })).status).toBe("refunded");
    expect((await getAccess(user.id)).lasting).toEqual([]);
    expect(answered.every((status) => status === 200)).toBe(true);
  });
});

describe("creem deliveries that must change nothing", () => {
  async function paidPackEvent() {
    await sandbox.control("POST", "/creem/webhooks/pause");
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 2);
    await sandbox.pay(a.sessionId);
    const event = await sandbox.event("checkout.completed", a.sessionId);
    // Drop the held real deliveries: the test delivers by hand.
    await sandbox.control("POST", "/creem/reset");
    return { user, checkout: a, payload: JSON.stringify(event), eventId: event.id };
  }

  it("tampered, re-signed with another secret, or unsigned: refused (400) and nothing is written", async () => {
    const { user, payload, eventId } = await paidPackEvent();
    const tampered = payload.replace('"units":2', '"units":20');
    expect(tampered).not.toBe(payload);
    for (const [body, headers] of [
      [tampered, creemSignedHeaders(payload, SECRET)],
      [payload, creemSignedHeaders(payload, "whsec_someone_else")],
      [payload, new Headers()],
    ] as const) {
      const error = await handleWebhook("creem", body, headers).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebhookVerificationError);
      expect(httpErrorFor(error).status).toBe(400);
    }
    expect(await db.webhookEvent.count({ where: { provider: "creem", eventId } })).toBe(0);
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("a replayed delivery (no timestamp to expire) is stopped by the event id: applied once, then duplicate", async () => {
    const { user, payload, eventId } = await paidPackEvent();
    const first = await handleWebhook("creem", payload, creemSignedHeaders(payload, SECRET));
    expect(first.status).toBe("applied");
    expect(await creditsBalance(user.id)).toBe(200);
    const replay = await handleWebhook("creem", payload, creemSignedHeaders(payload, SECRET));
    expect(replay.status).toBe("duplicate");
    expect(await creditsBalance(user.id)).toBe(200);
    expect(await db.webhookEvent.count({ where: { provider: "creem", eventId } })).toBe(1);
  });

  it("an unknown event type is recorded and answered 2xx as ignored", async () => {
    const payload = creemEventPayload("credits.granted", { id: "cct_1", object: "customer_credits_grant" });
    const result = await handleWebhook("creem", payload, creemSignedHeaders(payload, SECRET));
    expect(result).toMatchObject({ status: "ignored", kind: "ignored" });
  });
});
