// End to end through the local payments sandbox: the real adapter (stripe SDK) creates the
// session on the sandbox, the sandbox "pays" it and delivers signed webhooks to a local
// endpoint that calls handleWebhook — exactly what POST /api/webhooks/stripe does.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { httpErrorFor } from "@/lib/payments/errors";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import { cancelSubscription } from "./cancel-subscription";
import { createCheckout } from "./create-checkout";
import { creditsBalance, getAccess } from "./entitlements";
import { syncCheckout } from "./sync-checkout";
import { handleWebhook } from "./webhooks";
import { APP_URL, WEBHOOK_SECRET, createUser, ensureCatalog } from "./testing/fixtures";

let sandbox: SandboxHandle;
let endpoint: http.Server;
const answered: number[] = [];

async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.urls.stripe}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function deliveriesSettle() {
  const { status } = await control("POST", "/stripe/webhooks/wait", { timeoutMs: 15_000, includeHeld: true });
  expect(status).toBe(200);
}

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
        await handleWebhook("stripe", Buffer.concat(chunks).toString("utf8"), headers);
      } catch (error) {
        status = httpErrorFor(error).status;
      }
      answered.push(status);
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/api/webhooks/stripe`;
  sandbox = await startSandbox({
    port: 0,
    log: false,
    providers: ["stripe"],
    webhookUrls: { stripe: webhookUrl },
    secrets: { stripe: WEBHOOK_SECRET },
    retrySchedule: [100, 200, 400],
    env: {},
  });
  process.env.PAYMENTS_PROVIDER = "stripe";
  process.env.STRIPE_SECRET_KEY = "sk_test_sandbox_billing";
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.STRIPE_API_URL = sandbox.urls.stripe;
});

afterAll(async () => {
  await sandbox?.stop();
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
});

beforeEach(async () => {
  await control("POST", "/stripe/webhooks/behaviour", { duplicate: 0, reorder: null, paused: false });
});

async function open(userId: string, priceId: string, quantity = 1) {
  const created = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url };
}

async function pay(sessionId: string, card = "4242424242424242") {
  return control<{ outcome: string; redirectUrl?: string }>("POST", `/stripe/sessions/${sessionId}/complete`, { card });
}

describe("through the sandbox: create → pay → signed webhook → grants", () => {
  it("a credit pack: the webhook grants, the success-page sync agrees, the redirect carries our id", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 3);
    expect(a.url).toContain(sandbox.urls.stripe);
    const paid = await pay(a.sessionId);
    expect(paid.body.outcome).toBe("succeeded");
    expect(paid.body.redirectUrl).toBe(`${APP_URL}/checkout/success?cid=${a.id}&session_id=${a.sessionId}`);
    await deliveriesSettle();
    expect(await creditsBalance(user.id)).toBe(300);
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("complete");
    expect(await creditsBalance(user.id)).toBe(300);
  });

  it("a declined card grants nothing", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const declined = await pay(a.sessionId, "4000000000000002");
    expect(declined.status).toBe(402);
    await deliveriesSettle();
    expect((await syncCheckout(a.id)).status).toBe("open");
    expect((await getAccess(user.id)).lasting).toEqual([]);
  });

  it("T1–T4 with real deliveries: A paid while its webhook is held, B opened for 10 packs, then A's webhook → 100 credits", async () => {
    const user = await createUser();
    await control("POST", "/stripe/webhooks/pause");
    const a = await open(user.id, "credits_100_pack", 1);
    await pay(a.sessionId);
    const b = await open(user.id, "credits_100_pack", 10);
    await control("POST", "/stripe/webhooks/resume");
    await deliveriesSettle();
    expect(await creditsBalance(user.id)).toBe(100);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("open");
  });

  it("duplicated and reversed deliveries converge: a trial plan, cancelled at period end, then ended", async () => {
    await control("POST", "/stripe/webhooks/behaviour", { duplicate: 1, reorder: "reverse", reorderWindowMs: 200 });
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    await pay(a.sessionId);
    await deliveriesSettle();
    let access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: false });
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);

    await cancelSubscription({ userId: user.id });
    await deliveriesSettle();
    access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", cancelAtPeriodEnd: true });

    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    await control("POST", `/stripe/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "cancel" });
    await deliveriesSettle();
    expect((await getAccess(user.id)).plan).toBeNull();
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).status).toBe("canceled");
    expect(answered.every((status) => status === 200)).toBe(true);
  });
});
