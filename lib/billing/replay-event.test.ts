import { describe, expect, it } from "vitest";
import { openCheckout, withStripeSandbox } from "@/lib/admin/testing/stripe";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { PROVIDER_NAMES } from "@/lib/payments/types";
import { creditsBalance } from "./entitlements";
import { WebhookProcessingError } from "./errors";
import { ReplayNotPossibleError, WebhookEventNotFoundError, replayWebhookEvent } from "./replay-event";
import { createUser, deliver, payAndSign, signedEvent, webhookRows } from "./testing/fixtures";

const sandboxOf = withStripeSandbox();

async function recordedId(eventId: string): Promise<string> {
  const [row] = await webhookRows(eventId);
  return row.id;
}

describe("replaying a recorded webhook event", () => {
  it("every provider can re-normalize its stored events, under the recorded id", () => {
    for (const name of PROVIDER_NAMES) expect(typeof getProvider(name).normalizeStoredEvent, name).toBe("function");
  });

  it("an applied event is a no-op; force re-applies it and still grants once (twice forced → 100 credits, one order, one grant)", async () => {
    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 1);
    const delivery = await payAndSign(sandboxOf(), a.sessionId);
    expect((await deliver(delivery)).status).toBe("applied");
    const id = await recordedId(delivery.eventId);

    const plain = await replayWebhookEvent(id);
    expect(plain).toMatchObject({ outcome: "already_applied", attempts: 1, eventId: delivery.eventId, type: "checkout.session.completed" });

    for (const attempts of [2, 3]) {
      const forced = await replayWebhookEvent(id, { force: true });
      expect(forced).toMatchObject({ outcome: "applied", attempts, error: null });
    }
    expect(await creditsBalance(user.id)).toBe(100);
    expect(await db.order.count({ where: { checkoutId: a.id } })).toBe(1);
    expect(await db.entitlement.count({ where: { userId: user.id } })).toBe(1);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "applied", attempts: 3 })]);
  });

  it("a failed event fails again while its cause remains, and applies once the cause is fixed (attempts counted)", async () => {
    const user = await createUser();
    const first = await openCheckout(user.id, "lifetime_once");
    const second = await openCheckout(user.id, "credits_100_pack", 1);
    const paidFirst = await payAndSign(sandboxOf(), first.sessionId);
    expect((await deliver(paidFirst)).status).toBe("applied");
    // A completion of the second checkout that reuses the first one's payment id: applying it fails.
    const paidSecond = await sandboxOf().pay(second.sessionId);
    const delivery = signedEvent("checkout.session.completed", { ...paidSecond, payment_intent: paidFirst.session.payment_intent });
    await expect(deliver(delivery)).rejects.toBeInstanceOf(WebhookProcessingError);
    const id = await recordedId(delivery.eventId);
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "failed", attempts: 1 })]);

    const again = await replayWebhookEvent(id);
    expect(again).toMatchObject({ outcome: "failed", attempts: 2, error: expect.stringContaining("could not be created") });
    expect(await creditsBalance(user.id)).toBe(0);

    // The operator fixes the cause (here: the first order's payment id was recorded wrongly).
    await db.order.update({ where: { checkoutId: first.id }, data: { providerPaymentId: "pi_corrected_by_operator" } });
    const fixed = await replayWebhookEvent(id);
    expect(fixed).toMatchObject({ outcome: "applied", attempts: 3, error: null });
    expect(await creditsBalance(user.id)).toBe(100);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("complete");
    expect(await webhookRows(delivery.eventId)).toEqual([expect.objectContaining({ status: "applied", attempts: 3, error: null })]);
    expect((await replayWebhookEvent(id)).outcome).toBe("already_applied");
    expect(await creditsBalance(user.id)).toBe(100);
  });

  it("an unknown id, or a stored payload that no longer normalizes, is refused and changes nothing", async () => {
    await expect(replayWebhookEvent("no-such-event")).rejects.toBeInstanceOf(WebhookEventNotFoundError);

    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 1);
    const delivery = await payAndSign(sandboxOf(), a.sessionId);
    const row = await db.webhookEvent.create({
      data: { provider: "stripe", eventId: delivery.eventId, type: "checkout.session.completed", payload: { id: delivery.eventId, type: "broken" }, status: "failed" },
    });
    await expect(replayWebhookEvent(row.id, { force: true })).rejects.toBeInstanceOf(ReplayNotPossibleError);
    // A payload naming another event id is not replayed under this one.
    await db.webhookEvent.update({ where: { id: row.id }, data: { payload: JSON.parse(delivery.payload), eventId: `${delivery.eventId}_other` } });
    await expect(replayWebhookEvent(row.id)).rejects.toThrow(/names stripe event/);
    expect(await db.webhookEvent.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "failed", attempts: 1 });
    expect(await creditsBalance(user.id)).toBe(0);
  });
});
