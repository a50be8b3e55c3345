import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { ProviderRequestError, ProviderUnavailableError, UnsupportedFeatureError } from "@/lib/payments/errors";
import { stripeProvider } from "@/lib/payments/providers/stripe";
import type { PaymentProvider } from "@/lib/payments/types";
import { createCheckout, type CreateCheckoutInput } from "./create-checkout";
import { getAccess } from "./entitlements";
import { AlreadySubscribedError, CheckoutInputError, IdempotencyConflictError } from "./errors";
import { APP_URL, createUser, ensureCatalog, startStripe, type StripeSandbox } from "./testing/fixtures";

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});

async function buy(userId: string, input: Partial<CreateCheckoutInput> = {}) {
  return createCheckout({ userId, email: "buyer@test.local", priceId: "credits_100_pack", quantity: 1, appUrl: APP_URL, ...input });
}

describe("inv1: price, currency and product come from the server-side catalog", () => {
  it("computes amounts from the catalog and ignores anything else the browser sends", async () => {
    const user = await createUser();
    const forged = { unitAmount: 1, amount: 1, currency: "jpy", name: "free stuff" } as unknown as Partial<CreateCheckoutInput>;
    const result = await buy(user.id, { quantity: 3, ...forged });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: result.id }, include: { items: true } });
    expect(row).toMatchObject({ amountSubtotal: 3000, amountTotal: 3000, currency: "usd", mode: "payment", status: "open" });
    expect(row.items).toEqual([expect.objectContaining({ priceId: "credits_100_pack", quantity: 3, unitAmount: 1000, currency: "usd" })]);
    const sent = (await sandbox.creates()).at(-1)!.body as { line_items: { quantity: string; price_data: Record<string, unknown> }[] };
    expect(sent.line_items).toEqual([
      {
        quantity: "3",
        price_data: {
          currency: "usd",
          unit_amount: "1000",
          product_data: expect.objectContaining({ name: "100 credits" }),
        },
      },
    ]);
  });

  it("uses the plan's interval and trial from the catalog", async () => {
    const user = await createUser();
    const result = await buy(user.id, { priceId: "pro_yearly" });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: result.id } });
    expect(row).toMatchObject({ mode: "subscription", amountTotal: 29000, currency: "usd" });
    const sent = (await sandbox.creates()).at(-1)!.body as { line_items: { price_data: { recurring: unknown } }[]; subscription_data: unknown };
    expect(sent.line_items[0].price_data.recurring).toEqual({ interval: "year" });
    expect(sent.subscription_data).toEqual({ trial_period_days: "7", metadata: { checkout_id: result.id } });
  });

  it("rejects unknown and inactive prices, and quantities outside the price's bounds, before anything is written", async () => {
    const user = await createUser();
    const inactiveId = `inactive_${randomUUID()}`;
    await db.price.create({
      data: { id: inactiveId, productId: "credits_100", type: "one_time", unitAmount: 1, currency: "usd", active: false },
    });
    const creates = (await sandbox.creates()).length;
    for (const input of [
      { priceId: "no_such_price" },
      { priceId: inactiveId },
      { quantity: 0 },
      { quantity: 11 },
      { quantity: 1.5 },
      { priceId: "lifetime_once", quantity: 2 },
      { priceId: "" },
    ]) {
      await expect(buy(user.id, input)).rejects.toBeInstanceOf(CheckoutInputError);
    }
    expect(await db.checkout.count({ where: { userId: user.id } })).toBe(0);
    expect((await sandbox.creates()).length).toBe(creates);
    await db.price.delete({ where: { id: inactiveId } });
  });

  it("opens an overlay only where the provider's page can be framed, and otherwise falls back to a redirect", async () => {
    // The sandbox's page can be framed (STRIPE_API_URL is set); real Stripe's cannot.
    const user = await createUser();
    const framed = await buy(user.id, { presentation: "overlay" });
    expect(framed).toMatchObject({ presentation: "overlay", status: "open" });
    const noOverlay: PaymentProvider = { ...stripeProvider, capabilities: { ...stripeProvider.capabilities, overlay: false } };
    const fallback = await createCheckout(
      { userId: user.id, email: user.email, priceId: "credits_100_pack", quantity: 1, appUrl: APP_URL, presentation: "overlay" },
      { provider: noOverlay },
    );
    expect(fallback).toMatchObject({ presentation: "redirect", status: "open" });
    expect((await db.checkout.findUniqueOrThrow({ where: { id: fallback.id } })).presentation).toBe("redirect");
  });

  it("refuses what the provider cannot do (a subscription where it has none) before anything is written", async () => {
    const user = await createUser();
    const noSubscriptions: PaymentProvider = { ...stripeProvider, capabilities: { ...stripeProvider.capabilities, subscriptions: false } };
    const creates = (await sandbox.creates()).length;
    await expect(
      createCheckout({ userId: user.id, email: user.email, priceId: "pro_monthly", quantity: 1, appUrl: APP_URL }, { provider: noSubscriptions }),
    ).rejects.toBeInstanceOf(UnsupportedFeatureError);
    expect(await db.checkout.count({ where: { userId: user.id } })).toBe(0);
    expect((await sandbox.creates()).length).toBe(creates);
  });
});

describe("inv2: our Checkout row exists before the provider call, and the provider receives our id", () => {
  it("writes the pending row first, then sends our id as client_reference_id, metadata and in the success URL", async () => {
    const user = await createUser();
    const seen: { id: string; status: string | undefined }[] = [];
    const spy: PaymentProvider = {
      ...stripeProvider,
      async createCheckout(request) {
        const row = await db.checkout.findUnique({ where: { id: request.checkoutId } });
        seen.push({ id: request.checkoutId, status: row?.status });
        return stripeProvider.createCheckout(request);
      },
    };
    const result = await createCheckout(
      { userId: user.id, email: user.email, priceId: "lifetime_once", quantity: 1, appUrl: APP_URL },
      { provider: spy },
    );
    expect(seen).toEqual([{ id: result.id, status: "pending" }]);
    const sent = (await sandbox.creates()).at(-1)!;
    expect(sent.body).toMatchObject({
      client_reference_id: result.id,
      metadata: { checkout_id: result.id },
      payment_intent_data: { metadata: { checkout_id: result.id } },
      success_url: `${APP_URL}/checkout/success?cid=${result.id}&session_id={CHECKOUT_SESSION_ID}`,
      customer_email: user.email,
    });
    expect(sent.headers["idempotency-key"]).toBe(`checkout_${result.id}`);
    const row = await db.checkout.findUniqueOrThrow({ where: { id: result.id } });
    expect(row.providerSessionId).toMatch(/^cs_test_/);
    expect(row).toMatchObject({ status: "open", url: result.url, provider: "stripe" });
    expect(row.expiresAt).toBeInstanceOf(Date);
  });

  it("marks our row failed and grants nothing when the provider is down (5xx twice) or rejects the request", async () => {
    const user = await createUser();
    await sandbox.fault({ status: 503, count: 2, paths: "/v1/checkout/sessions", methods: ["POST"] });
    const down = await buy(user.id).catch((error: unknown) => error);
    expect(down).toBeInstanceOf(ProviderUnavailableError);
    await sandbox.fault({ status: 400, count: 1, paths: "/v1/checkout/sessions", methods: ["POST"] });
    await expect(buy(user.id)).rejects.toBeInstanceOf(ProviderRequestError);
    const rows = await db.checkout.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.status).toBe("failed");
      expect(row.lastError).toBeTruthy();
      expect(row.providerSessionId).toBeNull();
    }
    expect(await db.order.count({ where: { userId: user.id } })).toBe(0);
    expect(await getAccess(user.id)).toEqual({ plan: null, lasting: [], credits: 0 });
  });

  it("returns the same open checkout for a repeated idempotency key instead of a second provider session", async () => {
    const user = await createUser();
    const key = `key-${randomUUID()}`;
    const before = (await sandbox.creates()).length;
    const first = await buy(user.id, { idempotencyKey: key, quantity: 2 });
    const again = await buy(user.id, { idempotencyKey: key, quantity: 2 });
    expect(again).toMatchObject({ id: first.id, url: first.url, reused: true });
    expect((await sandbox.creates()).length).toBe(before + 1);
    await expect(buy(user.id, { idempotencyKey: key, quantity: 3 })).rejects.toBeInstanceOf(IdempotencyConflictError);
    // Keys are per user: someone else's identical key is a different checkout.
    const other = await createUser();
    const theirs = await buy(other.id, { idempotencyKey: key, quantity: 2 });
    expect(theirs.id).not.toBe(first.id);
  });

  it("retries a checkout whose create got no definitive answer under the same provider key once, then under a new one", async () => {
    const user = await createUser();
    const key = `key-${randomUUID()}`;
    await sandbox.fault({ status: 500, count: 4, paths: "/v1/checkout/sessions", methods: ["POST"] });
    await expect(buy(user.id, { idempotencyKey: key })).rejects.toBeInstanceOf(ProviderUnavailableError);
    // The session may exist: the same key first (the provider would return it) …
    await expect(buy(user.id, { idempotencyKey: key })).rejects.toBeInstanceOf(ProviderUnavailableError);
    // … then a new one, since Stripe replays a saved 5xx for the same key.
    const retried = await buy(user.id, { idempotencyKey: key });
    expect(retried.status).toBe("open");
    const creates = await sandbox.creates();
    expect(creates.slice(-5).map((r) => [r.headers["idempotency-key"], r.status])).toEqual([
      [`checkout_${retried.id}`, 500],
      [`checkout_${retried.id}`, 500], // the SDK's one retry, same key
      [`checkout_${retried.id}`, 500],
      [`checkout_${retried.id}`, 500],
      [`checkout_${retried.id}_2`, 200],
    ]);
    expect(await db.checkout.count({ where: { userId: user.id } })).toBe(1);
  });
});

describe("money policy §6: one live subscription per product, one trial per user and product", () => {
  async function subscribed(userId: string, priceId: string, status: "active" | "trialing" | "past_due" | "canceled") {
    await db.subscription.create({ data: { userId, provider: "stripe", providerSubscriptionId: `sub_${randomUUID()}`, priceId, status, currentPeriodEnd: new Date(Date.now() + 86_400_000) } });
  }

  it("a live subscription to a plan of the product blocks a second checkout for any plan of it (400), nothing written or sent", async () => {
    for (const status of ["active", "trialing", "past_due"] as const) {
      const user = await createUser();
      await subscribed(user.id, "pro_monthly", status);
      const sentBefore = (await sandbox.creates()).length;
      const error = await buy(user.id, { priceId: "pro_yearly" }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AlreadySubscribedError);
      expect((error as AlreadySubscribedError).status).toBe(400);
      expect((error as Error).message).toMatch(/Pro.*billing page/);
      expect(await db.checkout.count({ where: { userId: user.id } })).toBe(0);
      expect((await sandbox.creates()).length).toBe(sentBefore);
      // Another product, and one-time purchases, are not blocked.
      await expect(buy(user.id, { priceId: "starter_monthly" })).resolves.toMatchObject({ status: "open" });
      await expect(buy(user.id)).resolves.toMatchObject({ status: "open" });
    }
  });

  it("an ended subscription does not block, but its trial is not given again", async () => {
    const user = await createUser();
    await subscribed(user.id, "pro_monthly", "canceled");
    const result = await buy(user.id, { priceId: "pro_monthly" });
    const sent = (await sandbox.creates()).at(-1)!.body as { subscription_data: Record<string, unknown> };
    expect(sent.subscription_data.trial_period_days).toBeUndefined();
    expect((await db.checkout.findUniqueOrThrow({ where: { id: result.id } })).trialDays).toBeNull();
  });

  it("the first subscription checkout gets the trial and records it; after that trial was paid for, none", async () => {
    const user = await createUser();
    const first = await buy(user.id, { priceId: "pro_monthly" });
    expect((await db.checkout.findUniqueOrThrow({ where: { id: first.id } })).trialDays).toBe(7);
    expect(((await sandbox.creates()).at(-1)!.body as { subscription_data: Record<string, unknown> }).subscription_data.trial_period_days).toBe("7");
    await db.checkout.update({ where: { id: first.id }, data: { status: "complete" } });
    const second = await buy(user.id, { priceId: "pro_yearly" });
    expect((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).trialDays).toBeNull();
    expect(((await sandbox.creates()).at(-1)!.body as { subscription_data: Record<string, unknown> }).subscription_data.trial_period_days).toBeUndefined();
  });
});
