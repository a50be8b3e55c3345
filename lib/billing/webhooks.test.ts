import fc from "fast-check";
import type Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { ProviderConfigurationError, UnknownProviderError, WebhookVerificationError } from "@/lib/payments/errors";
import { createCheckout } from "./create-checkout";
import { creditsBalance, getAccess, hasEntitlement } from "./entitlements";
import { syncCheckout } from "./sync-checkout";
import { handleWebhook } from "./webhooks";
import {
  APP_URL,
  WEBHOOK_SECRET,
  createUser,
  deliver,
  ensureCatalog,
  payAndSign,
  signedEvent,
  signedSandboxEvent,
  startStripe,
  webhookRows,
  type Json,
  type StripeSandbox,
} from "./testing/fixtures";

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});
afterEach(() => {
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
});

async function open(userId: string, priceId: string, quantity = 1) {
  const checkout = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
  return { id: checkout.id, sessionId: row.providerSessionId! };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("T1–T4 (seed 003): a webhook is matched by checkout id, never by email or customer", () => {
  it("pays 1 pack (A), opens 10 packs (B, unpaid), then A's webhook arrives: exactly 100 credits, B still open", async () => {
    const user = await createUser();
    // The same person at Stripe for both checkouts: one Customer, known to us.
    const customer = await sandbox.stripe.customers.create({ email: user.email ?? undefined });
    await db.customer.create({ data: { userId: user.id, provider: "stripe", providerCustomerId: customer.id } });
    // T1: checkout A for one pack, paid at the provider.
    const a = await open(user.id, "credits_100_pack", 1);
    const paidA = await payAndSign(sandbox, a.sessionId);
    expect(paidA.session.customer).toBe(customer.id);
    // T3: checkout B for ten packs, same user, same email, same customer, not paid.
    const b = await open(user.id, "credits_100_pack", 10);
    expect((await sandbox.stripe.checkout.sessions.retrieve(b.sessionId)).customer).toBe(customer.id);
    // T4: A's webhook arrives only now.
    const result = await deliver(paidA);
    expect(result.status).toBe("applied");

    expect(await creditsBalance(user.id)).toBe(100);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("complete");
    expect((await db.checkout.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("open");
    const orders = await db.order.findMany({ where: { userId: user.id } });
    expect(orders).toEqual([expect.objectContaining({ checkoutId: a.id, providerPaymentId: paidA.session.payment_intent, amountTotal: 1000 })]);
    const grants = await db.entitlement.findMany({ where: { userId: user.id } });
    expect(grants).toEqual([expect.objectContaining({ kind: "credits", key: "credits", quantity: 100, source: `order:${orders[0].id}` })]);
  });

  it("matches by the provider session id alone when the event carries no id of ours", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 2);
    const paid = { ...(await sandbox.pay(a.sessionId)), client_reference_id: null, metadata: {} };
    await open(user.id, "credits_100_pack", 10);
    expect((await deliver(signedEvent("checkout.session.completed", paid))).status).toBe("applied");
    expect(await creditsBalance(user.id)).toBe(200);
  });
});

describe("inv3: nothing is fulfilled from unverified input", () => {
  it("an unsigned completion for a real open checkout changes nothing", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const forged = { ...(await sandbox.stripe.checkout.sessions.retrieve(a.sessionId)), status: "complete", payment_status: "paid" };
    const delivery = signedEvent("checkout.session.completed", forged, { secret: "whsec_attacker" });
    await expect(deliver(delivery)).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(await webhookRows(delivery.eventId)).toHaveLength(0);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("open");
    expect(await getAccess(user.id)).toEqual({ plan: null, lasting: [], credits: 0 });
  });

  it("visiting the success URL of an unpaid checkout grants nothing: the provider is asked and says open", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const synced = await syncCheckout(a.id, { userId: user.id });
    expect(synced.status).toBe("open");
    expect(await hasEntitlement(user.id, "templates")).toBe(false);
  });

  it("a verified event naming our checkout but another session is not applied to it", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 1);
    const other = await open((await createUser()).id, "credits_100_pack", 10);
    const paidOther = await sandbox.pay(other.sessionId);
    // Our id of A glued onto someone else's paid session.
    const result = await deliver(signedEvent("checkout.session.completed", { ...paidOther, client_reference_id: a.id, metadata: { checkout_id: a.id } }));
    expect(result.status).toBe("ignored");
    expect(await creditsBalance(user.id)).toBe(0);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("open");
  });

  it("a verified event for a checkout we never created is recorded and ignored", async () => {
    // Someone else's session on the same Stripe account, paid: its real completion event.
    const notOurs = await sandbox.stripe.checkout.sessions.create({
      mode: "payment",
      success_url: "https://elsewhere.example/ok",
      client_reference_id: "not-our-id",
      line_items: [{ price_data: { currency: "usd", product_data: { name: "Not ours" }, unit_amount: 500 }, quantity: 1 }],
    });
    const delivery = await payAndSign(sandbox, notOurs.id);
    expect((await deliver(delivery)).status).toBe("ignored");
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "ignored", error: expect.stringMatching(/no checkout matches/) })]);
  });
});

describe("inv4: duplicates apply once; out-of-order deliveries converge", () => {
  it("the same event delivered twice (and concurrently) grants once", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 3);
    const delivery = await payAndSign(sandbox, a.sessionId);
    expect((await deliver(delivery)).status).toBe("applied");
    expect((await deliver(delivery)).status).toBe("duplicate");
    const concurrent = await Promise.all([deliver(delivery), deliver(delivery), deliver(delivery)]);
    expect(concurrent.map((result) => result.status)).toEqual(["duplicate", "duplicate", "duplicate"]);
    expect(await creditsBalance(user.id)).toBe(300);
    expect(await db.order.count({ where: { userId: user.id } })).toBe(1);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "applied", attempts: 1 })]);
  });

  it("different events for the same payment (completed + async_succeeded) and a sync grant once", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 1);
    const completed = await payAndSign(sandbox, a.sessionId);
    await Promise.all([
      deliver(completed),
      // Card payments settle at once, so the sandbox never sends this one; same session object.
      deliver(signedEvent("checkout.session.async_payment_succeeded", completed.session)),
      syncCheckout(a.id),
    ]);
    expect(await creditsBalance(user.id)).toBe(100);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
  });

  it("a late expired/processing report never undoes a completed checkout", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const completed = await payAndSign(sandbox, a.sessionId);
    const paid = completed.session;
    await deliver(completed);
    await deliver(signedEvent("checkout.session.expired", { ...paid, status: "expired" }));
    await deliver(signedEvent("checkout.session.completed", { ...paid, payment_status: "unpaid" }));
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("complete");
    expect(await hasEntitlement(user.id, "templates")).toBe(true);
  });

  it("subscription events in any order converge to the newest state (property over all orders)", async () => {
    const base = nowSeconds() - 3_000;
    type Step = "completed" | "created" | "active" | "cancelAtEnd" | "deleted";
    const steps: Step[] = ["completed", "created", "active", "cancelAtEnd", "deleted"];

    async function scenario(order: Step[]) {
      const user = await createUser();
      const checkout = await open(user.id, "pro_monthly");
      const session = await sandbox.pay(checkout.sessionId);
      const subscription = (await sandbox.stripe.subscriptions.retrieve(session.subscription as string)) as unknown as Json;
      const periodEnd = base + 30 * 86_400;
      const at = (status: string, extra: Json = {}) => ({ ...subscription, status, items: { data: [{ current_period_end: periodEnd }] }, ...extra });
      const deliveries: Record<Step, ReturnType<typeof signedEvent>> = {
        completed: signedEvent("checkout.session.completed", session, { created: base }),
        created: signedEvent("customer.subscription.created", at("trialing"), { created: base + 1 }),
        active: signedEvent("customer.subscription.updated", at("active"), { created: base + 100 }),
        cancelAtEnd: signedEvent("customer.subscription.updated", at("active", { cancel_at_period_end: true }), { created: base + 200 }),
        deleted: signedEvent("customer.subscription.deleted", at("canceled", { cancel_at_period_end: true, canceled_at: base + 300 }), { created: base + 300 }),
      };
      for (const step of order) await deliver(deliveries[step]);
      const row = await db.subscription.findUniqueOrThrow({
        where: { provider_providerSubscriptionId: { provider: "stripe", providerSubscriptionId: subscription.id as string } },
      });
      const grant = await db.entitlement.findUnique({ where: { source: `subscription:${row.id}` } });
      return {
        status: row.status,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
        lastEventAt: row.lastEventAt?.getTime(),
        userId: row.userId === user.id,
        checkoutLinked: row.checkoutId === checkout.id,
        revoked: grant?.revokedAt != null,
        plan: (await getAccess(user.id)).plan,
      };
    }

    const expected = await scenario(steps);
    expect(expected).toMatchObject({ status: "canceled", cancelAtPeriodEnd: true, lastEventAt: (base + 300) * 1000, userId: true, checkoutLinked: true, revoked: true, plan: null });
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }), async (order) => {
        expect(await scenario(order)).toEqual(expected);
      }),
      { numRuns: 16 },
    );
  });

  it("an older subscription update never overwrites a newer one; the plan follows the paid period, not the provider's roll", async () => {
    const user = await createUser();
    const checkout = await open(user.id, "starter_monthly");
    const session = await sandbox.pay(checkout.sessionId);
    const subscription = await sandbox.stripe.subscriptions.retrieve(session.subscription as string);
    const base = nowSeconds() - 1_000;
    const later = nowSeconds() + 60 * 86_400;
    const newer = signedEvent("customer.subscription.updated", { ...subscription, status: "active", items: { data: [{ current_period_end: later }] } }, { created: base + 50 });
    const older = signedEvent("customer.subscription.updated", { ...subscription, status: "past_due", items: { data: [{ current_period_end: base }] } }, { created: base + 10 });
    await deliver(signedEvent("checkout.session.completed", session, { created: base }));
    await deliver(newer);
    const stale = await deliver(older);
    expect(stale.note).toMatch(/stale/);
    const access = await getAccess(user.id);
    expect(access.plan).toMatchObject({ key: "starter", status: "active", cancelAtPeriodEnd: false });
    const row = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.currentPeriodEnd!.getTime()).toBe(later * 1000);
    // No invoice paid for the period the update moved to: access runs to the period the checkout paid.
    expect(access.plan!.periodEnd!.getTime()).toBe(row.paidThrough!.getTime());
    expect(row.paidThrough!.getTime()).toBeLessThan(later * 1000);
  });

  it("invoice.paid extends the plan's period, monotonically", async () => {
    const user = await createUser();
    const checkout = await open(user.id, "starter_monthly");
    const completed = await payAndSign(sandbox, checkout.sessionId);
    const subscriptionId = completed.session.subscription as string;
    const firstInvoice = await sandbox.event("invoice.paid", completed.session.invoice as string);
    await deliver(completed);
    // The sandbox renews the subscription: a real invoice.paid for the next period.
    expect((await sandbox.control("POST", `/stripe/subscriptions/${subscriptionId}/advance`, { action: "renew" })).status).toBe(200);
    const renewed = await sandbox.stripe.subscriptions.retrieve(subscriptionId);
    const renewal = await sandbox.event("invoice.paid", renewed.latest_invoice as string);
    const renewedUntil = (renewal.data.object as Stripe.Invoice).lines.data[0].period.end;
    expect(renewedUntil).toBeGreaterThan((firstInvoice.data.object as Stripe.Invoice).lines.data[0].period.end);
    await deliver(signedSandboxEvent(renewal));
    await deliver(signedSandboxEvent(firstInvoice)); // the older invoice, late
    expect((await getAccess(user.id)).plan!.periodEnd!.getTime()).toBe(renewedUntil * 1000);
  });
});

describe("refunds and disputes revoke what the order granted", () => {
  it("a full refund revokes the lasting grant; a partial one only records the amount", async () => {
    const user = await createUser();
    const a = await open(user.id, "lifetime_once");
    const completed = await payAndSign(sandbox, a.sessionId);
    await deliver(completed);
    expect((await getAccess(user.id)).lasting).toEqual(["templates"]);
    // Real refunds at the sandbox; it emits charge.refunded with the updated Charge.
    const paymentIntent = completed.session.payment_intent as string;
    const chargeId = (await sandbox.stripe.paymentIntents.retrieve(paymentIntent)).latest_charge as string;
    await sandbox.stripe.refunds.create({ payment_intent: paymentIntent, amount: 4900 });
    const partial = await sandbox.event("charge.refunded", chargeId);
    expect(partial.data.object).toMatchObject({ amount: 14900, amount_refunded: 4900, refunded: false });
    await deliver(signedSandboxEvent(partial));
    expect((await db.order.findFirstOrThrow({ where: { checkoutId: a.id } })).status).toBe("partially_refunded");
    expect((await getAccess(user.id)).lasting).toEqual(["templates"]);
    await sandbox.stripe.refunds.create({ payment_intent: paymentIntent });
    const full = await sandbox.event("charge.refunded", chargeId);
    expect(full.data.object).toMatchObject({ amount_refunded: 14900, refunded: true });
    await deliver(signedSandboxEvent(full));
    expect(await db.order.findFirstOrThrow({ where: { checkoutId: a.id } })).toMatchObject({ status: "refunded", amountRefunded: 14900 });
    expect((await getAccess(user.id)).lasting).toEqual([]);
  });

  it("a dispute revokes credits", async () => {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 5);
    const completed = await payAndSign(sandbox, a.sessionId);
    await deliver(completed);
    expect(await creditsBalance(user.id)).toBe(500);
    // The sandbox has no disputes: a Dispute around the real charge.
    const charge = await sandbox.stripe.charges.retrieve((await sandbox.stripe.paymentIntents.retrieve(completed.session.payment_intent as string)).latest_charge as string);
    await deliver(signedEvent("charge.dispute.created", { id: "dp_test_1", object: "dispute", charge: charge.id, payment_intent: charge.payment_intent, amount: charge.amount, currency: charge.currency }));
    expect(await creditsBalance(user.id)).toBe(0);
    expect((await db.order.findFirstOrThrow({ where: { checkoutId: a.id } })).status).toBe("disputed");
  });
});

describe("inv5: signatures, unknown types, missing secret", () => {
  async function paidDelivery(options: { timestamp?: number } = {}) {
    const user = await createUser();
    const a = await open(user.id, "credits_100_pack", 1);
    return { user, a, delivery: await payAndSign(sandbox, a.sessionId, options) };
  }

  it.each([
    ["missing", (d: ReturnType<typeof signedEvent>) => ({ ...d, headers: new Headers() })],
    ["invalid", (d: ReturnType<typeof signedEvent>) => ({ ...d, headers: new Headers({ "stripe-signature": `t=${nowSeconds()},v1=${"0".repeat(64)}` }) })],
    ["tampered body", (d: ReturnType<typeof signedEvent>) => ({ ...d, payload: d.payload.replace('"paid"', '"paid" ') })],
  ])("a %s signature → WebhookVerificationError (400) and nothing written", async (_name, mutate) => {
    const { user, a, delivery } = await paidDelivery();
    await expect(deliver(mutate(delivery))).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(await webhookRows(delivery.eventId)).toHaveLength(0);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("open");
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("an expired signature (older than 300 s) → WebhookVerificationError and nothing written", async () => {
    const { user, delivery } = await paidDelivery({ timestamp: nowSeconds() - 301 });
    await expect(deliver(delivery)).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(await webhookRows(delivery.eventId)).toHaveLength(0);
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("a missing STRIPE_WEBHOOK_SECRET fails closed: nothing is accepted or written", async () => {
    const { user, delivery } = await paidDelivery();
    delete process.env.STRIPE_WEBHOOK_SECRET;
    await expect(deliver(delivery)).rejects.toBeInstanceOf(ProviderConfigurationError);
    expect(await webhookRows(delivery.eventId)).toHaveLength(0);
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("an unknown event type is recorded as ignored and answered as success", async () => {
    const delivery = signedEvent("customer.tax_id.created", { id: "txi_1", object: "tax_id" });
    const result = await deliver(delivery);
    expect(result).toMatchObject({ status: "ignored", kind: "ignored", type: "customer.tax_id.created" });
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "ignored", type: "customer.tax_id.created", attempts: 1 })]);
    expect((await deliver(delivery)).status).toBe("duplicate");
  });

  it("an unknown provider in the route is a 404, not a crash", async () => {
    await expect(handleWebhook("paypal", "{}", new Headers())).rejects.toBeInstanceOf(UnknownProviderError);
  });
});
