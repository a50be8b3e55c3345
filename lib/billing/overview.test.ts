// The success page's and billing page's read models, against the real database and the local
// payments sandbox (the real stripe adapter talks to it). Webhook delivery is off here: what
// the pages show comes from syncCheckout asking the provider, as on a real success redirect
// that beats its webhook.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedCatalog } from "@/prisma/seed";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import { cancelSubscription } from "./cancel-subscription";
import { createCheckout } from "./create-checkout";
import { CheckoutNotFoundError } from "./errors";
import { checkoutView, getBillingOverview, getCheckoutResult } from "./overview";

const APP_URL = "http://app.test";
let sandbox: SandboxHandle;

async function ensureCatalog() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await seedCatalog(db);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
}

function createUser() {
  return db.user.create({ data: { email: `overview-${randomUUID()}@test.local`, name: "Overview Buyer" } });
}

async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${sandbox.urls.stripe}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function open(userId: string, priceId: string, quantity = 1) {
  const created = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url };
}

async function pay(sessionId: string, card = "4242424242424242") {
  return control<{ outcome: string; redirectUrl?: string }>("POST", `/stripe/sessions/${sessionId}/complete`, { card });
}

function useStripeSandbox() {
  process.env.PAYMENTS_PROVIDER = "stripe";
  process.env.STRIPE_SECRET_KEY = "sk_test_sandbox_overview";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_overview_tests_secret";
  process.env.STRIPE_API_URL = sandbox.urls.stripe;
}

beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startSandbox({ port: 0, log: false, providers: ["stripe"], webhookUrls: { stripe: null }, env: {} });
  useStripeSandbox();
});

afterEach(() => useStripeSandbox());

afterAll(async () => {
  await sandbox?.stop();
});

describe("getCheckoutResult (the success page)", () => {
  it("an unpaid checkout is processing, grants nothing, and a query parameter cannot make it succeed", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const result = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(result.view).toBe("processing");
    expect(result.providerReachable).toBe(true);
    expect(result.summary.status).toBe("open");
    expect(result.granted).toEqual([]);
    expect(result.items).toEqual([{ name: "Lifetime templates", kind: "one_time", quantity: 1, interval: null }]);
    expect(result.access.lasting).toEqual([]);

    // A declined card leaves the session open: still processing, still nothing granted.
    expect((await pay(a.sessionId, "4000000000000002")).status).toBe(402);
    const again = await getCheckoutResult(user.id, { checkoutId: a.id, sessionId: a.sessionId });
    expect(again.view).toBe("processing");
    expect(again.access.lasting).toEqual([]);
  });

  it("a paid credit pack, found by the provider's session id: paid, +300 credits, fulfilled by the sync", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 3);
    const paid = await pay(a.sessionId);
    expect(paid.body.redirectUrl).toBe(`${APP_URL}/checkout/success?cid=${a.id}&session_id=${a.sessionId}`);

    const result = await getCheckoutResult(user.id, { sessionId: a.sessionId });
    expect(result.summary).toMatchObject({ id: a.id, status: "complete", mode: "payment", amountTotal: 3000, currency: "usd" });
    expect(result.view).toBe("paid");
    expect(result.items).toEqual([{ name: "100 credits", kind: "credit_pack", quantity: 3, interval: null }]);
    expect(result.granted).toEqual([{ kind: "credits", quantity: 300 }]);
    expect(result.access.credits).toBe(300);

    // Reloading the page changes nothing.
    const reload = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(reload.granted).toEqual([{ kind: "credits", quantity: 300 }]);
    expect(reload.access.credits).toBe(300);
  });

  it("a paid one-time product: paid, the lasting grant named after the product", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    await pay(a.sessionId);
    const result = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(result.view).toBe("paid");
    expect(result.granted).toEqual([{ kind: "lasting", key: "templates", name: "Lifetime templates" }]);
    expect(result.access.lasting).toEqual(["templates"]);
  });

  it("a paid subscription: active, the plan with its trial status and renewal date", async () => {
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    await pay(a.sessionId);
    const result = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(result.view).toBe("active");
    expect(result.summary.mode).toBe("subscription");
    expect(result.items).toEqual([{ name: "Pro", kind: "plan", quantity: 1, interval: "month" }]);
    expect(result.granted).toHaveLength(1);
    const [plan] = result.granted;
    expect(plan).toMatchObject({ kind: "plan", key: "pro", name: "Pro", status: "trialing", cancelAtPeriodEnd: false });
    const periodEnd = plan.kind === "plan" ? plan.periodEnd : null;
    expect(periodEnd!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(result.access.plan).toMatchObject({ key: "pro", status: "trialing" });
  });

  it("an expired checkout shows expired", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    expect((await control("POST", `/stripe/sessions/${a.sessionId}/expire`)).status).toBe(200);
    const result = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(result.view).toBe("expired");
    expect(result.granted).toEqual([]);
  });

  it("provider unreachable: our last known state, reported as such (processing, never success)", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    await pay(a.sessionId); // paid at the provider, but we cannot ask it
    process.env.STRIPE_API_URL = "http://127.0.0.1:9"; // discard port: nothing listens
    const result = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(result.providerReachable).toBe(false);
    expect(result.summary.status).toBe("open");
    expect(result.view).toBe("processing");
    expect(result.access.credits).toBe(0);

    useStripeSandbox();
    const later = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(later.providerReachable).toBe(true);
    expect(later.view).toBe("paid");

    // A complete checkout is final: no provider call needed, so an outage does not hide it.
    process.env.STRIPE_API_URL = "http://127.0.0.1:9";
    const cached = await getCheckoutResult(user.id, { checkoutId: a.id });
    expect(cached.view).toBe("paid");
    expect(cached.granted).toEqual([{ kind: "credits", quantity: 100 }]);
  });

  it("someone else's checkout, an unknown id, a mismatched session id or no id at all: not found", async () => {
    const owner = await createUser();
    const other = await createUser();
    const a = await open(owner.id, "credits_100_pack");
    await pay(a.sessionId);
    const b = await open(owner.id, "credits_100_pack");

    await expect(getCheckoutResult(other.id, { checkoutId: a.id })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(other.id, { sessionId: a.sessionId })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(owner.id, { checkoutId: "ck_does_not_exist" })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(owner.id, { sessionId: "cs_test_does_not_exist" })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(owner.id, { checkoutId: a.id, sessionId: b.sessionId })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(owner.id, {})).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getCheckoutResult(owner.id, { checkoutId: "x".repeat(500) })).rejects.toBeInstanceOf(CheckoutNotFoundError);

    // The other user's look did not fulfil anything for them.
    expect((await getBillingOverview(other.id)).access.credits).toBe(0);
    expect((await getCheckoutResult(owner.id, { checkoutId: a.id })).view).toBe("paid");
  });

  it("checkoutView maps every status; only complete is success", () => {
    expect(checkoutView({ status: "complete", mode: "subscription" })).toBe("active");
    expect(checkoutView({ status: "complete", mode: "payment" })).toBe("paid");
    for (const status of ["pending", "open", "processing"] as const) {
      expect(checkoutView({ status, mode: "payment" })).toBe("processing");
      expect(checkoutView({ status, mode: "subscription" })).toBe("processing");
    }
    for (const status of ["failed", "expired", "canceled"] as const) expect(checkoutView({ status, mode: "subscription" })).toBe(status);
  });
});

describe("getBillingOverview (the billing page)", () => {
  it("a new user: no plan, no credits, nothing owned, no orders", async () => {
    const user = await createUser();
    expect(await getBillingOverview(user.id)).toEqual({
      access: { plan: null, lasting: [], credits: 0 },
      subscription: null,
      owned: [],
      orders: [],
    });
  });

  it("plan, credits, owned products and orders newest first; cancel at period end shows at once; own rows only", async () => {
    const user = await createUser();
    const other = await createUser();
    for (const [priceId, quantity] of [
      ["pro_monthly", 1],
      ["credits_100_pack", 2],
      ["lifetime_once", 1],
    ] as const) {
      const a = await open(user.id, priceId, quantity);
      await pay(a.sessionId);
      await getCheckoutResult(user.id, { checkoutId: a.id });
    }
    const unpaid = await open(user.id, "credits_100_pack", 5);
    const othersCheckout = await open(other.id, "credits_100_pack", 4);
    await pay(othersCheckout.sessionId);
    await getCheckoutResult(other.id, { checkoutId: othersCheckout.id });

    const overview = await getBillingOverview(user.id);
    expect(overview.subscription).toMatchObject({ status: "trialing", planName: "Pro", interval: "month", cancelAtPeriodEnd: false });
    expect(overview.subscription!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
    expect(overview.access.credits).toBe(200);
    expect(overview.owned).toEqual([{ key: "templates", name: "Lifetime templates" }]);
    expect(overview.orders.map((order) => order.description)).toEqual(["Lifetime templates", "2 × 100 credits", "Pro (monthly)"]);
    expect(overview.orders[0]).toMatchObject({ amountTotal: 14900, currency: "usd", status: "paid" });
    expect(overview.orders[1]).toMatchObject({ amountTotal: 2000 });
    expect(overview.orders[2]).toMatchObject({ amountTotal: 0 }); // trial: nothing charged today
    expect(overview.orders.some((order) => order.description.includes("5 ×"))).toBe(false); // unpaid: no order
    expect(unpaid.id).toBeTruthy();

    await cancelSubscription({ userId: user.id });
    const after = await getBillingOverview(user.id);
    expect(after.subscription).toMatchObject({ id: overview.subscription!.id, cancelAtPeriodEnd: true });
    expect(after.subscription!.currentPeriodEnd).toEqual(overview.subscription!.currentPeriodEnd);

    const theirs = await getBillingOverview(other.id);
    expect(theirs.subscription).toBeNull();
    expect(theirs.access.credits).toBe(400);
    expect(theirs.orders.map((order) => order.description)).toEqual(["4 × 100 credits"]);
  });
});
