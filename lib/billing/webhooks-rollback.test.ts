import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import type { FakeStripe } from "@/lib/payments/providers/stripe/testing/fake-stripe";
import { createCheckout } from "./create-checkout";
import { creditsBalance } from "./entitlements";
import { WebhookProcessingError } from "./errors";
import { APP_URL, createUser, deliver, ensureCatalog, signedEvent, startStripe, webhookRows } from "./testing/fixtures";

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

let fake: FakeStripe;
beforeAll(async () => {
  await ensureCatalog();
  fake = await startStripe();
});
afterAll(async () => {
  await fake?.stop();
});

describe("inv5: a failure while applying a verified event rolls back and is retried", () => {
  it("rolls back completely (no Order, no Entitlement, checkout still open), marks the event failed, and a redelivery applies once", async () => {
    const user = await createUser();
    const checkout = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", quantity: 4, appUrl: APP_URL });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
    const delivery = signedEvent("checkout.session.completed", fake.pay(row.providerSessionId!));

    failure.armed = true;
    const error = await deliver(delivery).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookProcessingError);
    expect((error as WebhookProcessingError).status).toBe(500);
    expect(await db.order.count({ where: { checkoutId: checkout.id } })).toBe(0);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(0);
    expect(await db.customer.count({ where: { userId: user.id } })).toBe(0);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).status).toBe("open");
    expect(await webhookRows(delivery.eventId)).toEqual([
      expect.objectContaining({ status: "failed", attempts: 1, error: expect.stringContaining("simulated crash") }),
    ]);

    // The provider retries the same event; this time it applies, exactly once.
    failure.armed = false;
    expect((await deliver(delivery)).status).toBe("applied");
    expect((await deliver(delivery)).status).toBe("duplicate");
    expect(await creditsBalance(user.id)).toBe(400);
    expect(await db.order.count({ where: { checkoutId: checkout.id } })).toBe(1);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "applied", attempts: 2, error: null })]);
  });

  it("a failure inside apply itself (a conflicting payment id) leaves no partial writes", async () => {
    const user = await createUser();
    const first = await createCheckout({ userId: user.id, email: user.email, priceId: "lifetime_once", quantity: 1, appUrl: APP_URL });
    const second = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", quantity: 1, appUrl: APP_URL });
    const paidFirst = fake.pay((await db.checkout.findUniqueOrThrow({ where: { id: first.id } })).providerSessionId!);
    await deliver(signedEvent("checkout.session.completed", paidFirst));
    // A (bogus) completion for the second checkout reusing the first one's payment id.
    const paidSecond = fake.pay((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).providerSessionId!);
    const delivery = signedEvent("checkout.session.completed", { ...paidSecond, payment_intent: paidFirst.payment_intent });
    await expect(deliver(delivery)).rejects.toBeInstanceOf(WebhookProcessingError);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("open");
    expect(await creditsBalance(user.id)).toBe(0);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "failed" })]);
  });
});
