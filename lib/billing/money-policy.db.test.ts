// The money policy on the real database, through recordAndApplyEvent (the path every verified
// webhook takes), with provider-neutral events: one run per provider name. The same rules
// through each provider's own signed events are in money-policy.providers.test.ts.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { decideHeldCheckout } from "@/lib/billing/apply";
import { creditsBalance, getAccess } from "@/lib/billing/entitlements";
import { recordAndApplyEvent } from "@/lib/billing/webhooks";
import { addInterval } from "@/lib/billing/money-policy";
import { WebhookNotMatchedYetError } from "@/lib/billing/errors";
import { createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { PROVIDER_NAMES, type Amounts, type PaymentEvent, type ProviderName, type SubscriptionStatus } from "@/lib/payments/types";

beforeAll(ensureCatalog);

const DAY = 86_400_000;
const addMonth = (from: Date) => addInterval(from, "month");
let sequence = 0;

function event(provider: ProviderName, kind: PaymentEvent["kind"], fields: Partial<PaymentEvent> = {}): PaymentEvent {
  sequence += 1;
  return { provider, eventId: `evt_${randomUUID()}_${sequence}`, type: `test.${kind}`, occurredAt: new Date(), source: "webhook", kind, raw: { sequence }, ...fields };
}

const usd = (total: number, extra: Partial<Amounts> = {}): Amounts => ({ subtotal: total, tax: null, total, currency: "usd", ...extra });

/** Our checkout row for `quantity` × price, as createCheckout leaves it (open at the provider). */
async function openCheckout(provider: ProviderName, userId: string, priceId: string, quantity = 1, trialDays: number | null = null) {
  const price = await db.price.findUniqueOrThrow({ where: { id: priceId } });
  const total = price.unitAmount * quantity;
  return db.checkout.create({
    data: {
      userId,
      provider,
      providerSessionId: `cs_${randomUUID()}`,
      status: "open",
      mode: price.type === "recurring" ? "subscription" : "payment",
      amountSubtotal: total,
      amountTotal: total,
      currency: price.currency,
      trialDays,
      idempotencyKey: randomUUID(),
      items: { create: [{ priceId, quantity, unitAmount: price.unitAmount, currency: price.currency }] },
    },
  });
}

type Checkout = Awaited<ReturnType<typeof openCheckout>>;

function completion(checkout: Checkout, amounts: Amounts, fields: Partial<PaymentEvent> = {}) {
  return event(checkout.provider, "checkout.completed", { ourCheckoutId: checkout.id, providerSessionId: checkout.providerSessionId, amounts, payment: { id: `pay_${randomUUID()}` }, ...fields });
}

function subscriptionSnapshot(id: string, status: SubscriptionStatus, currentPeriodEnd: Date, ourCheckoutId?: string) {
  return { id, status, currentPeriodEnd, cancelAtPeriodEnd: false, ourCheckoutId: ourCheckoutId ?? null };
}

/** A paid monthly subscription (starter, 900 USD cents), complete, with its first payment's id. */
async function paidSubscription(provider: ProviderName) {
  const user = await createUser();
  const checkout = await openCheckout(provider, user.id, "starter_monthly");
  const subscriptionId = `sub_${randomUUID()}`;
  const firstPeriodEnd = new Date(Date.now() + 30 * DAY);
  const paymentId = `pay_${randomUUID()}`;
  await recordAndApplyEvent(
    completion(checkout, usd(900), { payment: { id: paymentId }, subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", firstPeriodEnd, checkout.id), occurredAt: new Date(Date.now() - 1000) }),
  );
  return { user, checkout, subscriptionId, firstPeriodEnd, paymentId };
}

describe.each(PROVIDER_NAMES)("money policy on %s events", (provider) => {
  describe("rule 1: fulfilled only when paid = priced, else held for review", () => {
    it("1 JPY reported for ten $10 credit packs: held, nothing granted, our amounts kept beside the provider's", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "credits_100_pack", 10);
      const result = await recordAndApplyEvent(completion(checkout, { subtotal: 1, tax: null, total: 1, currency: "jpy" }));
      expect(result.note).toMatch(/held for review/);
      const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
      expect(row).toMatchObject({ status: "held", amountTotal: 10_000, currency: "usd", providerAmountTotal: 1, providerCurrency: "jpy" });
      expect(await creditsBalance(user.id)).toBe(0);
      // The money is recorded (a refund of it will find it); the admin's grant releases it once.
      const order = await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } });
      expect(order).toMatchObject({ amountTotal: 1, currency: "jpy" });
      await decideHeldCheckout(checkout.id, "grant", "admin@test.local");
      expect(await creditsBalance(user.id)).toBe(1_000);
      await expect(decideHeldCheckout(checkout.id, "grant", "admin@test.local")).rejects.toThrow(/not waiting for review/);
      expect(await creditsBalance(user.id)).toBe(1_000);
    });

    it("a 100 % discount (total 0) on a plan without a trial: held, no plan", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "starter_monthly");
      const subscriptionId = `sub_${randomUUID()}`;
      await recordAndApplyEvent(completion(checkout, usd(0), { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 30 * DAY), checkout.id) }));
      expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("held");
      expect((await getAccess(user.id)).plan).toBeNull();
      // Later subscription events do not give a held checkout's plan access either.
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 60 * DAY)) }));
      expect((await getAccess(user.id)).plan).toBeNull();
      await decideHeldCheckout(checkout.id, "grant", "admin@test.local");
      expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter", status: "active" });
    });

    it("matches with tax added on top, tax included, a trial's zero, and the provider's own conversion to our currency", async () => {
      const user = await createUser();
      const cases: [string, number | null, Amounts][] = [
        ["lifetime_once", null, usd(14_900 + 1_341, { tax: 1_341, taxInclusive: false })],
        ["lifetime_once", null, usd(14_900, { tax: 1_230, taxInclusive: true })],
        ["pro_monthly", 7, usd(0)],
        ["lifetime_once", null, { subtotal: 2_200_000, tax: null, total: 2_200_000, currency: "jpy", converted: { subtotal: 14_900, tax: null, total: 14_900, currency: "usd" } }],
      ];
      for (const [priceId, trialDays, amounts] of cases) {
        const checkout = await openCheckout(provider, user.id, priceId, 1, trialDays);
        const extra = priceId === "pro_monthly" ? { subscriptionId: `sub_${randomUUID()}` } : {};
        await recordAndApplyEvent(completion(checkout, amounts, extra));
        expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status, JSON.stringify(amounts)).toBe("complete");
      }
      // Tax on top that leaves less than the price is not a match.
      const short = await openCheckout(provider, user.id, "lifetime_once");
      await recordAndApplyEvent(completion(short, usd(14_900, { tax: 1_341, taxInclusive: false })));
      expect((await db.checkout.findUniqueOrThrow({ where: { id: short.id } })).status).toBe("held");
    });

    it("no amount reported: held until a report with matching figures arrives", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "credits_100_pack", 1);
      await recordAndApplyEvent(completion(checkout, { subtotal: null, tax: null, total: null, currency: null }));
      expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("held");
      await recordAndApplyEvent(completion(checkout, usd(1_000)));
      expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("complete");
      expect(await creditsBalance(user.id)).toBe(100);
    });
  });

  describe("rule 2: refunds summed per refund id; credits revoked in proportion", () => {
    async function paidPack(packs: number) {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "credits_100_pack", packs);
      const paymentId = `pay_${randomUUID()}`;
      await recordAndApplyEvent(completion(checkout, usd(1_000 * packs), { payment: { id: paymentId } }));
      return { user, checkout, paymentId };
    }
    const refund = (paymentId: string, refunds: { id: string; amount: number }[], running?: number) =>
      event(provider, "payment.refunded", { payment: { id: paymentId, refunds, ...(running !== undefined ? { amountRefunded: running } : {}) } });

    it("9,999 of 10,000 cents refunded: the credits go with it (floor of the share still paid)", async () => {
      const { user, checkout, paymentId } = await paidPack(10);
      expect(await creditsBalance(user.id)).toBe(1_000);
      await recordAndApplyEvent(refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 9_999 }]));
      expect(await creditsBalance(user.id)).toBe(0);
      expect(await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } })).toMatchObject({ amountRefunded: 9_999, status: "partially_refunded" });
    });

    it("two 50 % refunds reported one by one: fully refunded, everything revoked; a repeated refund counts once", async () => {
      const { user, checkout, paymentId } = await paidPack(10);
      const first = { id: `re_${randomUUID()}`, amount: 5_000 };
      await recordAndApplyEvent(refund(paymentId, [first]));
      expect(await creditsBalance(user.id)).toBe(500);
      await recordAndApplyEvent(refund(paymentId, [first])); // the same refund, another event
      expect(await creditsBalance(user.id)).toBe(500);
      await recordAndApplyEvent(refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 5_000 }]));
      expect(await creditsBalance(user.id)).toBe(0);
      expect(await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } })).toMatchObject({ amountRefunded: 10_000, status: "refunded" });
    });

    it("a running total and per-refund ids together never double count", async () => {
      const { user, paymentId } = await paidPack(4);
      const a = { id: `re_${randomUUID()}`, amount: 1_000 };
      await recordAndApplyEvent(refund(paymentId, [a], 1_000));
      await recordAndApplyEvent(refund(paymentId, [a, { id: `re_${randomUUID()}`, amount: 1_000 }], 2_000));
      expect(await creditsBalance(user.id)).toBe(200);
    });

    it("credits already spent: the balance never goes below zero and the shortfall is recorded", async () => {
      const { user, checkout, paymentId } = await paidPack(10);
      await db.entitlement.create({ data: { userId: user.id, kind: "credits", key: "credits", quantity: -800, source: `usage:${randomUUID()}` } });
      await recordAndApplyEvent(refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 10_000 }]));
      expect(await creditsBalance(user.id)).toBe(0);
      expect((await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } })).creditsShortfall).toBe(800);
    });

    it("a one-time product: kept on a partial refund, revoked on a full one", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "lifetime_once");
      const paymentId = `pay_${randomUUID()}`;
      await recordAndApplyEvent(completion(checkout, usd(14_900), { payment: { id: paymentId } }));
      await recordAndApplyEvent(refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 4_900 }]));
      const kept = (await getAccess(user.id)).lasting;
      expect(kept).toHaveLength(1);
      await recordAndApplyEvent(refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 10_000 }]));
      expect((await getAccess(user.id)).lasting).toEqual([]);
    });

    it("a refund for a payment we never recorded is kept as unmatched (retried, waiting on its payment), never ignored", async () => {
      const paymentId = `pay_unknown_${randomUUID()}`;
      const delivery = refund(paymentId, [{ id: `re_${randomUUID()}`, amount: 100 }]);
      await expect(recordAndApplyEvent(delivery)).rejects.toBeInstanceOf(WebhookNotMatchedYetError);
      const row = await db.webhookEvent.findUniqueOrThrow({ where: { provider_eventId: { provider, eventId: delivery.eventId } } });
      expect(row.status).toBe("unmatched");
      expect(row.error).toMatch(/no recorded order/);
      expect(row.matchKeys).toContain(`payment:${paymentId}`);
    });
  });

  describe("rules 3–4: disputes suspend what the payment bought; renewals are recorded", () => {
    it("a dispute on a renewal suspends the plan; won restores it, and a lost one revokes it", async () => {
      const { user, subscriptionId } = await paidSubscription(provider);
      const renewalPayment = `pay_${randomUUID()}`;
      const invoiceId = `in_${randomUUID()}`;
      await recordAndApplyEvent(
        event(provider, "invoice.paid", { subscriptionId, periodEnd: new Date(Date.now() + 60 * DAY), payment: { id: renewalPayment, amount: 900, currency: "usd" }, invoice: { id: invoiceId, firstPayment: false, amountDue: 900, amountPaid: 900, currency: "usd" } }),
      );
      const renewal = await db.order.findFirstOrThrow({ where: { providerInvoiceId: invoiceId } });
      expect(renewal).toMatchObject({ providerPaymentId: renewalPayment, amountTotal: 900, checkoutId: null });
      expect((await getAccess(user.id)).plan?.periodEnd?.getTime()).toBeGreaterThan(Date.now() + 59 * DAY);

      const disputeId = `dp_${randomUUID()}`;
      await recordAndApplyEvent(event(provider, "dispute.created", { payment: { id: renewalPayment }, dispute: { id: disputeId, status: "open" } }));
      expect((await getAccess(user.id)).plan).toBeNull();
      expect((await db.order.findUniqueOrThrow({ where: { id: renewal.id } })).status).toBe("disputed");
      await recordAndApplyEvent(event(provider, "dispute.closed", { payment: { id: renewalPayment }, dispute: { id: disputeId, status: "won" } }));
      expect((await getAccess(user.id)).plan).toMatchObject({ key: "starter" });
      expect((await db.order.findUniqueOrThrow({ where: { id: renewal.id } })).status).toBe("paid");

      const second = `dp_${randomUUID()}`;
      await recordAndApplyEvent(event(provider, "dispute.closed", { payment: { id: renewalPayment }, dispute: { id: second, status: "lost" } }));
      // A late "created" for a dispute already lost does not reopen it.
      await recordAndApplyEvent(event(provider, "dispute.created", { payment: { id: renewalPayment }, dispute: { id: second, status: "open" } }));
      expect((await db.dispute.findFirstOrThrow({ where: { disputeId: second } })).status).toBe("lost");
      expect((await getAccess(user.id)).plan).toBeNull();
    });

    it("a dispute on a credit pack suspends the credits it granted and a win restores them", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "credits_100_pack", 2);
      const paymentId = `pay_${randomUUID()}`;
      await recordAndApplyEvent(completion(checkout, usd(2_000), { payment: { id: paymentId } }));
      const disputeId = `dp_${randomUUID()}`;
      await recordAndApplyEvent(event(provider, "dispute.created", { payment: { id: paymentId }, dispute: { id: disputeId, status: "open" } }));
      expect(await creditsBalance(user.id)).toBe(0);
      await recordAndApplyEvent(event(provider, "dispute.closed", { payment: { id: paymentId }, dispute: { id: disputeId, status: "won" } }));
      expect(await creditsBalance(user.id)).toBe(200);
    });

    it("a subscription's first payment, learned from its first invoice, is what its refund matches", async () => {
      const user = await createUser();
      const checkout = await openCheckout(provider, user.id, "starter_monthly");
      const subscriptionId = `sub_${randomUUID()}`;
      // Stripe's subscription-mode session carries no payment id.
      await recordAndApplyEvent(completion(checkout, usd(900), { payment: null, subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 30 * DAY), checkout.id) }));
      const paymentId = `pi_${randomUUID()}`;
      await recordAndApplyEvent(
        event(provider, "invoice.paid", { subscriptionId, periodEnd: new Date(Date.now() + 30 * DAY), payment: { id: paymentId, amount: 900 }, invoice: { id: `in_${randomUUID()}`, firstPayment: true, amountDue: 900, amountPaid: 900, currency: "usd" } }),
      );
      expect(await db.order.count({ where: { userId: user.id } })).toBe(1);
      expect((await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } })).providerPaymentId).toBe(paymentId);
      await recordAndApplyEvent(event(provider, "payment.refunded", { payment: { id: paymentId, refunds: [{ id: `re_${randomUUID()}`, amount: 900 }] } }));
      expect((await db.order.findUniqueOrThrow({ where: { checkoutId: checkout.id } })).status).toBe("refunded");
      expect((await getAccess(user.id)).plan).toBeNull();
    });

    it("an invoice paid only in part records the payment but does not extend the period", async () => {
      const { user, subscriptionId, firstPeriodEnd } = await paidSubscription(provider);
      await recordAndApplyEvent(
        event(provider, "invoice.paid", { subscriptionId, periodEnd: new Date(Date.now() + 60 * DAY), payment: { id: `pay_${randomUUID()}`, amount: 100 }, invoice: { id: `in_${randomUUID()}`, firstPayment: false, amountDue: 900, amountPaid: 100, currency: "usd" } }),
      );
      expect((await getAccess(user.id)).plan?.periodEnd?.getTime()).toBe(firstPeriodEnd.getTime());
    });
    it("a renewal whose invoice names no period pays one interval once; the period stays as the provider's subscription events report it", async () => {
      const { user, subscriptionId, firstPeriodEnd } = await paidSubscription(provider);
      // The provider's own next period end, a moment off ours (its payment and its subscription
      // are stamped at different instants), arriving before the periodless renewal payment.
      const reportedEnd = new Date(addMonth(firstPeriodEnd).getTime() - 1);
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", reportedEnd) }));
      const renewal = event(provider, "invoice.paid", { subscriptionId, payment: { id: `pay_${randomUUID()}`, amount: 900 }, invoice: { id: `in_${randomUUID()}`, firstPayment: false, amountDue: 900, amountPaid: 900, currency: "usd" } });
      await recordAndApplyEvent(renewal);
      await recordAndApplyEvent({ ...renewal, eventId: `${renewal.eventId}_again` });
      const row = await db.subscription.findFirstOrThrow({ where: { providerSubscriptionId: subscriptionId } });
      expect(row.paidThrough?.getTime()).toBe(addMonth(firstPeriodEnd).getTime());
      expect(row.currentPeriodEnd?.getTime()).toBe(reportedEnd.getTime());
      expect((await getAccess(user.id)).plan?.periodEnd?.getTime()).toBe(addMonth(firstPeriodEnd).getTime());
    });
    it("the completion and the first invoice of a known subscription, applied at once, both apply (no deadlock on the checkout's order)", async () => {
      for (let round = 0; round < 8; round++) {
        const user = await createUser();
        const checkout = await openCheckout(provider, user.id, "starter_monthly");
        const subscriptionId = `sub_${randomUUID()}`;
        // Past the month the completion alone would pay (from its own time), so the invoice's period shows.
        const periodEnd = addMonth(new Date(Date.now() + DAY));
        await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", periodEnd, checkout.id), occurredAt: new Date(Date.now() - 2000) }));
        const paymentId = `pay_${randomUUID()}`;
        const outcomes = await Promise.all([
          recordAndApplyEvent(completion(checkout, usd(900), { subscriptionId, payment: { id: paymentId } })),
          recordAndApplyEvent(event(provider, "invoice.paid", { subscriptionId, periodEnd, payment: { id: paymentId, amount: 900 }, invoice: { id: `in_${randomUUID()}`, firstPayment: true, amountDue: 900, amountPaid: 900, currency: "usd" } })),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(["applied", "applied"]);
        expect(await db.order.count({ where: { userId: user.id } })).toBe(1);
        expect((await getAccess(user.id)).plan?.periodEnd?.getTime()).toBe(periodEnd.getTime());
      }
    });
  });

  describe("rule 5: access needs a paid period; past_due has a grace period; unpaid ends it", () => {
    it("the provider rolling the period without a paid invoice does not extend access", async () => {
      const { user, subscriptionId, firstPeriodEnd } = await paidSubscription(provider);
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 90 * DAY)) }));
      expect((await getAccess(user.id)).plan?.periodEnd?.getTime()).toBe(firstPeriodEnd.getTime());
    });

    it("past_due keeps access for the grace period from the failure, then ends; unpaid ends it at once", async () => {
      const { user, subscriptionId } = await paidSubscription(provider);
      const failedAt = new Date(Date.now() - 10 * DAY);
      // The paid period ended 10 days ago, renewal failed then: grace (3 days) is over.
      await db.subscription.updateMany({ where: { providerSubscriptionId: subscriptionId }, data: { paidThrough: failedAt } });
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "past_due", new Date(Date.now() + 20 * DAY)), occurredAt: failedAt }));
      expect((await getAccess(user.id)).plan).toBeNull();
      // Failed just now: within grace.
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 20 * DAY)) }));
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "past_due", new Date(Date.now() + 20 * DAY)), occurredAt: new Date(Date.now() + 1000) }));
      const grace = (await getAccess(user.id)).plan;
      expect(grace).toMatchObject({ status: "past_due" });
      expect(grace!.periodEnd!.getTime()).toBeGreaterThan(Date.now() + 2.9 * DAY);
      expect(grace!.periodEnd!.getTime()).toBeLessThan(Date.now() + 3.1 * DAY);
      await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "unpaid", new Date(Date.now() + 20 * DAY)), occurredAt: new Date(Date.now() + 2000) }));
      expect((await getAccess(user.id)).plan).toBeNull();
    });
  });

  describe("rule 8: events in the same second are ordered by status, not arrival", () => {
    it("a late retry of 'active' with the same timestamp as the cancellation does not restore access", async () => {
      const { user, subscriptionId } = await paidSubscription(provider);
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      await recordAndApplyEvent(event(provider, "subscription.deleted", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "canceled", new Date(Date.now() + 30 * DAY)), occurredAt: at }));
      const late = await recordAndApplyEvent(event(provider, "subscription.updated", { subscriptionId, subscription: subscriptionSnapshot(subscriptionId, "active", new Date(Date.now() + 30 * DAY)), occurredAt: at }));
      expect(late.note).toMatch(/stale/);
      expect((await db.subscription.findFirstOrThrow({ where: { providerSubscriptionId: subscriptionId } })).status).toBe("canceled");
      expect((await getAccess(user.id)).plan).toBeNull();
    });
  });
});
