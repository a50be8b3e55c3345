import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { createCheckout } from "./create-checkout";
import { creditsBalance, hasEntitlement } from "./entitlements";
import { WebhookProcessingError } from "./errors";
import { APP_URL, createUser, deliver, ensureCatalog, payAndSign, signedEvent, startStripe, webhookRows, type StripeSandbox } from "./testing/fixtures";

// The apply step is wrapped so a test can make it fail AFTER all of its writes (order, grant,
// checkout status) — the hardest case for a rollback.
const failure = vi.hoisted(() => ({ armed: false }));
vi.mock("./apply", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./apply")>();
  return {
    ...actual,
    applyEvent: async (...args: Parameters<typeof actual.applyEvent>) => {
      const outcome = await actual.applyEvent(...args);
      if (failure.armed) throw new Error("simulated crash after applying");
      return outcome;
    },
  };
});

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});

describe("inv5: a failure while applying a verified event rolls back and is retried", () => {
  // A credit pack grants credits and records the Customer Stripe creates (customer_creation);
  // a subscription also records the subscription — all of it must roll back.
  it.each([
    { priceId: "credits_100_pack", quantity: 4, customers: 1, subscriptions: 0 },
    { priceId: "starter_monthly", quantity: 1, customers: 1, subscriptions: 1 },
  ])("$priceId: rolls back completely (no Order, Entitlement, Customer or Subscription; checkout still open), marks the event failed, and a redelivery applies once", async ({ priceId, quantity, customers, subscriptions }) => {
    const user = await createUser();
    const checkout = await createCheckout({ userId: user.id, email: user.email, priceId, quantity, appUrl: APP_URL });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
    const delivery = await payAndSign(sandbox, row.providerSessionId!); // the sandbox's real event

    failure.armed = true;
    const error = await deliver(delivery).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookProcessingError);
    expect((error as WebhookProcessingError).status).toBe(500);
    expect(await db.order.count({ where: { checkoutId: checkout.id } })).toBe(0);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.customer.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.subscription.count({ where: { userId: user.id } })).toBe(0);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("open");
    expect(await webhookRows(delivery.eventId)).toEqual([
      expect.objectContaining({ status: "failed", attempts: 1, error: expect.stringContaining("simulated crash") }),
    ]);

    // The provider retries the same event; this time it applies, exactly once.
    failure.armed = false;
    expect((await deliver(delivery)).status).toBe("applied");
    expect((await deliver(delivery)).status).toBe("duplicate");
    if (priceId === "credits_100_pack") expect(await creditsBalance(user.id)).toBe(400);
    else expect(await hasEntitlement(user.id, "starter")).toBe(true);
    expect(await db.order.count({ where: { checkoutId: checkout.id } })).toBe(1);
    expect(await db.customer.count({ where: { userId: user.id } })).toBe(customers);
    expect(await db.subscription.count({ where: { userId: user.id } })).toBe(subscriptions);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "applied", attempts: 2, error: null })]);
  });

  it("a failure inside apply itself (a conflicting payment id) leaves no partial writes", async () => {
    const user = await createUser();
    const first = await createCheckout({ userId: user.id, email: user.email, priceId: "lifetime_once", quantity: 1, appUrl: APP_URL });
    const second = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", quantity: 1, appUrl: APP_URL });
    const paidFirst = await payAndSign(sandbox, (await db.checkout.findUniqueOrThrow({ where: { id: first.id } })).providerSessionId!);
    expect((await deliver(paidFirst)).status).toBe("applied");
    // A (bogus) completion for the second checkout reusing the first one's payment id.
    const paidSecond = await sandbox.pay((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).providerSessionId!);
    const delivery = signedEvent("checkout.session.completed", { ...paidSecond, payment_intent: paidFirst.session.payment_intent });
    await expect(deliver(delivery)).rejects.toBeInstanceOf(WebhookProcessingError);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("open");
    expect(await creditsBalance(user.id)).toBe(0);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "failed" })]);
  });
});
