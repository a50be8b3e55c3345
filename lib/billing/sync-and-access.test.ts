import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { cancelSubscription } from "./cancel-subscription";
import { createCheckout } from "./create-checkout";
import { creditsBalance, getAccess, hasEntitlement } from "./entitlements";
import { CheckoutNotFoundError, SubscriptionNotFoundError, SubscriptionStateError } from "./errors";
import { reconcilePendingCheckouts } from "./reconcile";
import { syncCheckout } from "./sync-checkout";
import { APP_URL, createUser, deliver, ensureCatalog, signedSandboxEvent, startStripe, type StripeSandbox } from "./testing/fixtures";

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});

async function open(userId: string, priceId: string, quantity = 1) {
  const checkout = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
  return { id: checkout.id, sessionId: row.providerSessionId! };
}

describe("syncCheckout: the success page asks the provider (same apply as the webhook)", () => {
  it("completes a paid one-time checkout from the provider's answer alone (no webhook yet)", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    await sandbox.pay(a.sessionId);
    const synced = await syncCheckout(a.id, { userId: user.id });
    expect(synced).toMatchObject({ id: a.id, status: "complete", outcome: { status: "applied" } });
    expect(await getAccess(user.id)).toEqual({ plan: null, lasting: ["templates"], credits: 0 });
    // The webhook arriving afterwards changes nothing.
    const late = await deliver(signedSandboxEvent(await sandbox.event("checkout.session.completed", a.sessionId)));
    expect(late.status).toBe("applied");
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
  });

  it("records the customer Stripe created and reuses it for the next checkout instead of creating another", async () => {
    // Stripe creates a Customer for subscriptions (in payment mode only with customer_creation).
    const user = await createUser();
    const a = await open(user.id, "starter_monthly");
    const paid = await sandbox.pay(a.sessionId);
    await syncCheckout(a.id, { userId: user.id });
    const customer = await db.customer.findFirstOrThrow({ where: { userId: user.id } });
    expect(customer.providerCustomerId).toMatch(/^cus_/);
    expect(customer.providerCustomerId).toBe(paid.customer);
    await open(user.id, "credits_100_pack");
    const sent = (await sandbox.creates()).at(-1)!;
    expect(sent.body).toMatchObject({ customer: customer.providerCustomerId });
    expect(sent.body.customer_email).toBeUndefined();
  });

  it("creates the subscription from the provider's full snapshot, with the plan until the trial ends", async () => {
    const user = await createUser();
    const a = await open(user.id, "pro_monthly");
    await sandbox.pay(a.sessionId);
    await syncCheckout(a.id);
    const access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "pro", status: "trialing", cancelAtPeriodEnd: false });
    expect(access.plan!.periodEnd!.getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    expect(subscription).toMatchObject({ checkoutId: a.id, priceId: "pro_monthly", status: "trialing", lastEventAt: null });
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
  });

  it("reports an expired session and does not let someone else sync my checkout", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack");
    await expect(syncCheckout(a.id, { userId: (await createUser()).id })).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(syncCheckout("no-such-checkout")).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await sandbox.expire(a.sessionId);
    expect((await syncCheckout(a.id, { userId: user.id })).status).toBe("expired");
    expect(await creditsBalance(user.id)).toBe(0);
  });
});

describe("cancelSubscription: at period end, the user's own subscription only", () => {
  it("cancels through the provider and reflects its answer; others cannot touch it", async () => {
    const user = await createUser();
    const a = await open(user.id, "starter_monthly");
    await sandbox.pay(a.sessionId);
    await syncCheckout(a.id);
    const subscription = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    const atStripe = () => sandbox.stripe.subscriptions.retrieve(subscription.providerSubscriptionId);

    const stranger = await createUser();
    await expect(cancelSubscription({ userId: stranger.id, subscriptionId: subscription.id })).rejects.toBeInstanceOf(SubscriptionNotFoundError);
    expect((await atStripe()).cancel_at_period_end).toBe(false);

    const result = await cancelSubscription({ userId: user.id });
    expect(result).toMatchObject({ id: subscription.id, status: "active", cancelAtPeriodEnd: true });
    expect((await atStripe()).cancel_at_period_end).toBe(true);
    // Access continues until the period ends.
    expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", cancelAtPeriodEnd: true });
    expect(await hasEntitlement(user.id, "starter")).toBe(true);

    // The provider's deletion at period end ends it; cancelling again is refused.
    const { status } = await sandbox.control("POST", `/stripe/subscriptions/${subscription.providerSubscriptionId}/advance`, { action: "cancel" });
    expect(status).toBe(200);
    expect((await atStripe()).status).toBe("canceled");
    await deliver(signedSandboxEvent(await sandbox.event("customer.subscription.deleted", subscription.providerSubscriptionId)));
    expect(await hasEntitlement(user.id, "starter")).toBe(false);
    await expect(cancelSubscription({ userId: user.id, subscriptionId: subscription.id })).rejects.toBeInstanceOf(SubscriptionStateError);
  });
});

describe("reconcilePendingCheckouts", () => {
  it("completes paid checkouts whose webhook was lost, marks expired and interrupted ones, leaves open ones", async () => {
    const user = await createUser();
    const paid = await open(user.id, "credits_100_pack", 2);
    const expired = await open(user.id, "credits_100_pack", 1);
    const stillOpen = await open(user.id, "credits_100_pack", 3);
    await sandbox.pay(paid.sessionId);
    await sandbox.expire(expired.sessionId);
    const interrupted = await db.checkout.create({
      data: {
        userId: user.id,
        provider: "stripe",
        mode: "payment",
        amountSubtotal: 1000,
        amountTotal: 1000,
        currency: "usd",
        idempotencyKey: `auto:test-${user.id}`,
        items: { create: [{ priceId: "credits_100_pack", quantity: 1, unitAmount: 1000, currency: "usd" }] },
      },
    });

    // Nothing is old enough yet.
    expect((await reconcilePendingCheckouts({ userId: user.id })).scanned).toBe(0);

    const counts = await reconcilePendingCheckouts({ userId: user.id, now: new Date(Date.now() + 10 * 60_000) });
    expect(counts).toMatchObject({ scanned: 4, completed: 1, expired: 1, failed: 1, stillOpen: 1, errors: 0 });
    expect(await creditsBalance(user.id)).toBe(200);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: interrupted.id } })).status).toBe("failed");
    expect((await db.checkout.findUniqueOrThrow({ where: { id: stillOpen.id } })).status).toBe("open");
  });
});
