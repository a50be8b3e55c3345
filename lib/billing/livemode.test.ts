// Money policy §7: an event from the other mode than the deployment's keys is refused before
// anything is written (400), through the webhook path with a correctly signed delivery.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { WebhookVerificationError } from "@/lib/payments/errors";
import { signedHeaders, stripeEventPayload } from "@/lib/payments/providers/stripe/testing/events";
import { handleWebhook } from "./webhooks";
import { ensureCatalog, startStripe, WEBHOOK_SECRET, type StripeSandbox } from "./testing/fixtures";

let sandbox: StripeSandbox;
beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startStripe();
});
afterAll(async () => {
  await sandbox?.stop();
});

function delivery(livemode: boolean) {
  const id = `evt_${randomUUID().replace(/-/g, "")}`;
  const payload = JSON.stringify({ ...JSON.parse(stripeEventPayload("charge.dispute.created", { id: "dp_1", object: "dispute", charge: "ch_1", payment_intent: "pi_unknown", status: "needs_response" }, { id })), livemode });
  return { id, payload, headers: signedHeaders(payload, WEBHOOK_SECRET) };
}

describe("test and live mode never mix", () => {
  it("a live event reaching a deployment with test keys is refused: 400, nothing recorded", async () => {
    expect(process.env.STRIPE_SECRET_KEY).toMatch(/^sk_test_/);
    const live = delivery(true);
    await expect(handleWebhook("stripe", live.payload, live.headers)).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(handleWebhook("stripe", live.payload, live.headers)).rejects.toThrow(/test keys .* live mode/);
    expect(await db.webhookEvent.count({ where: { provider: "stripe", eventId: live.id } })).toBe(0);
  });

  it("a test event with test keys goes through (and, unmatched, is kept for retry rather than being ignored)", async () => {
    const test = delivery(false);
    await expect(handleWebhook("stripe", test.payload, test.headers)).rejects.toThrow(/no recorded order/);
    expect((await db.webhookEvent.findFirstOrThrow({ where: { provider: "stripe", eventId: test.id } })).status).toBe("unmatched");
  });
});
