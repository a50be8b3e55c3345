import { createHmac } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCheckout } from "@/lib/billing/create-checkout";
import { creditsBalance } from "@/lib/billing/entitlements";
import { APP_URL, createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { handleWebhook } from "@/lib/billing/webhooks";
import { db } from "@/lib/db";
import { ProviderConfigurationError, WebhookVerificationError } from "@/lib/payments/errors";
import { dodoEventPayload, newWebhookId, signedHeaders, testWebhookSecret, type Json } from "./testing/events";
import { startDodoSandbox, type DodoSandbox } from "./testing/sandbox";
import { normalizeDodoEvent, verifyDodoWebhook } from "./webhooks";

const SECRET = testWebhookSecret("webhooks-unit");
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const payment: Json = {
  payment_id: "pay_1",
  status: "succeeded",
  total_amount: 3000,
  tax: 0,
  currency: "USD",
  customer: { customer_id: "cus_1", email: "buyer@example.com", name: "Buyer" },
  metadata: { checkout_id: "our_1" },
  checkout_session_id: "cks_1",
  subscription_id: null,
  product_cart: [{ product_id: "pdt_sbx_credits_100_pack", quantity: 3 }],
};
const subscription: Json = {
  subscription_id: "sub_1",
  status: "active",
  product_id: "pdt_sbx_pro_monthly",
  quantity: 1,
  trial_period_days: 0,
  created_at: "2030-01-01T00:00:00.000Z",
  previous_billing_date: "2030-01-01T00:00:00.000Z",
  next_billing_date: "2030-02-01T00:00:00.000Z",
  cancel_at_next_billing_date: false,
  cancelled_at: null,
  customer: { customer_id: "cus_1", email: "buyer@example.com", name: "Buyer" },
  metadata: { checkout_id: "our_9" },
};

/** The documented scheme by hand (not the library): HMAC-SHA256 over "id.ts.body", key = base64-decoded secret after whsec_. */
function handSigned(payload: string, secret: string, id: string, timestamp: number): Headers {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${payload}`).digest("base64");
  return new Headers({ "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": `v1,${signature}` });
}

describe("dodo webhook verification (Standard Webhooks through the SDK, ±5 min)", () => {
  const payload = dodoEventPayload("payment.succeeded", "Payment", payment);

  it("accepts a body signed by the official library and one signed by the documented scheme", () => {
    process.env.DODO_PAYMENTS_WEBHOOK_KEY = SECRET;
    const event = verifyDodoWebhook(payload, signedHeaders(payload, SECRET, { id: "msg_ok" }));
    expect(event).toMatchObject({
      provider: "dodo",
      eventId: "msg_ok",
      type: "payment.succeeded",
      source: "webhook",
      kind: "checkout.completed",
      ourCheckoutId: "our_1",
      providerSessionId: "cks_1",
      customerId: "cus_1",
      payment: { id: "pay_1", amount: 3000, currency: "usd" },
      amounts: { total: 3000, tax: 0, subtotal: 3000, currency: "usd" },
    });
    const now = Math.floor(Date.now() / 1000);
    expect(verifyDodoWebhook(payload, handSigned(payload, SECRET, "msg_hand", now)).eventId).toBe("msg_hand");
    // Several signatures (key rotation): any v1 match is enough.
    const rotated = handSigned(payload, SECRET, "msg_rot", now);
    rotated.set("webhook-signature", `v1,bm90LWl0 ${rotated.get("webhook-signature")}`);
    expect(verifyDodoWebhook(payload, rotated).eventId).toBe("msg_rot");
  });

  it("refuses missing headers, a tampered body, another secret, a changed id and a timestamp outside ±5 minutes", () => {
    process.env.DODO_PAYMENTS_WEBHOOK_KEY = SECRET;
    const now = Math.floor(Date.now() / 1000);
    expect(() => verifyDodoWebhook(payload, new Headers())).toThrow(WebhookVerificationError);
    expect(() => verifyDodoWebhook(payload.replace("our_1", "our_2"), signedHeaders(payload, SECRET))).toThrow(WebhookVerificationError);
    expect(() => verifyDodoWebhook(payload, signedHeaders(payload, testWebhookSecret("someone-else")))).toThrow(WebhookVerificationError);
    const headers = signedHeaders(payload, SECRET, { id: "msg_a" });
    headers.set("webhook-id", "msg_b");
    expect(() => verifyDodoWebhook(payload, headers)).toThrow(WebhookVerificationError);
    expect(() => verifyDodoWebhook(payload, signedHeaders(payload, SECRET, { timestamp: now - 301 }))).toThrow(/too old/);
    expect(() => verifyDodoWebhook(payload, signedHeaders(payload, SECRET, { timestamp: now + 301 }))).toThrow(/too new/);
    expect(verifyDodoWebhook(payload, signedHeaders(payload, SECRET, { timestamp: now - 290 })).kind).toBe("checkout.completed");
    // A signature that is not v1 is not considered.
    const v2 = handSigned(payload, SECRET, "msg_v2", now);
    v2.set("webhook-signature", v2.get("webhook-signature")!.replace("v1,", "v2,"));
    expect(() => verifyDodoWebhook(payload, v2)).toThrow(WebhookVerificationError);
  });

  it("fails closed without DODO_PAYMENTS_WEBHOOK_KEY, even for a well-formed signature", () => {
    delete process.env.DODO_PAYMENTS_WEBHOOK_KEY;
    expect(() => verifyDodoWebhook(payload, signedHeaders(payload, SECRET))).toThrow(ProviderConfigurationError);
    expect(() => verifyDodoWebhook(payload, signedHeaders(payload, SECRET))).toThrow(/DODO_PAYMENTS_WEBHOOK_KEY/);
  });
});

describe("dodo event normalization", () => {
  const envelope = (type: string, payloadType: string, data: Json, timestamp = "2030-01-15T10:00:00.000Z") =>
    JSON.parse(dodoEventPayload(type, payloadType, data, { timestamp })) as Json;

  it("maps the payment family of a checkout by type, with the event's time", () => {
    const done = normalizeDodoEvent(envelope("payment.succeeded", "Payment", payment), "msg_1");
    expect(done.occurredAt.toISOString()).toBe("2030-01-15T10:00:00.000Z");
    expect(normalizeDodoEvent(envelope("payment.failed", "Payment", { ...payment, status: "failed" }), "m").kind).toBe("checkout.failed");
    expect(normalizeDodoEvent(envelope("payment.processing", "Payment", { ...payment, status: "processing" }), "m").kind).toBe("checkout.processing");
    expect(normalizeDodoEvent(envelope("payment.cancelled", "Payment", { ...payment, status: "cancelled" }), "m").kind).toBe("checkout.canceled");
    const first = normalizeDodoEvent(envelope("payment.succeeded", "Payment", { ...payment, subscription_id: "sub_1" }), "m");
    expect(first).toMatchObject({ kind: "checkout.completed", subscriptionId: "sub_1", providerSessionId: "cks_1" });
  });

  it("a paid renewal (no checkout session, a subscription) is a paid invoice by its payment id; a failed one moves no money", () => {
    const renewal = { ...payment, checkout_session_id: null, subscription_id: "sub_1" };
    expect(normalizeDodoEvent(envelope("payment.succeeded", "Payment", renewal), "m")).toMatchObject({
      kind: "invoice.paid",
      subscriptionId: "sub_1",
      payment: { id: payment.payment_id },
      invoice: { id: payment.payment_id, firstPayment: false },
    });
    expect(normalizeDodoEvent(envelope("payment.failed", "Payment", renewal), "m").kind).toBe("ignored");
  });

  it("maps every subscription event to a snapshot: updates, and ends for cancelled / expired / failed", () => {
    for (const type of ["subscription.active", "subscription.renewed", "subscription.plan_changed", "subscription.updated"]) {
      const event = normalizeDodoEvent(envelope(type, "Subscription", subscription), "m");
      expect(event).toMatchObject({ kind: "subscription.updated", subscriptionId: "sub_1", ourCheckoutId: "our_9", customerId: "cus_1" });
      expect(event.subscription).toMatchObject({ status: "active", cancelAtPeriodEnd: false });
      expect(event.subscription!.currentPeriodEnd!.toISOString()).toBe("2030-02-01T00:00:00.000Z");
    }
    expect(normalizeDodoEvent(envelope("subscription.on_hold", "Subscription", { ...subscription, status: "on_hold" }), "m").subscription!.status).toBe("paused");
    expect(normalizeDodoEvent(envelope("subscription.updated", "Subscription", { ...subscription, status: "past_due" }), "m").subscription!.status).toBe("past_due");
    const trial = { ...subscription, trial_period_days: 7, next_billing_date: "2030-01-08T00:00:00.000Z" };
    expect(normalizeDodoEvent(envelope("subscription.active", "Subscription", trial), "m").subscription!.status).toBe("trialing");
    const scheduled = normalizeDodoEvent(envelope("subscription.updated", "Subscription", { ...subscription, cancel_at_next_billing_date: true }), "m");
    expect(scheduled.subscription!.cancelAtPeriodEnd).toBe(true);
    const cancelled = normalizeDodoEvent(envelope("subscription.cancelled", "Subscription", { ...subscription, status: "cancelled", cancelled_at: "2030-01-20T00:00:00.000Z" }), "m");
    expect(cancelled).toMatchObject({ kind: "subscription.deleted", subscription: { status: "canceled" } });
    expect(cancelled.subscription!.canceledAt!.toISOString()).toBe("2030-01-20T00:00:00.000Z");
    expect(normalizeDodoEvent(envelope("subscription.expired", "Subscription", { ...subscription, status: "expired" }), "m")).toMatchObject({ kind: "subscription.deleted", subscription: { status: "expired" } });
    expect(normalizeDodoEvent(envelope("subscription.failed", "Subscription", { ...subscription, status: "failed" }), "m")).toMatchObject({ kind: "subscription.deleted", subscription: { status: "expired" } });
  });

  it("maps refunds and disputes to the payment they concern", () => {
    const refund = { refund_id: "ref_1", payment_id: "pay_1", amount: 3000, currency: "USD", is_partial: false, status: "succeeded", metadata: {} };
    // `amount` is this refund's own: by its id, never as a running total.
    const full = normalizeDodoEvent(envelope("refund.succeeded", "Refund", refund), "m");
    expect(full).toMatchObject({ kind: "payment.refunded", payment: { id: "pay_1", refunded: true, currency: "usd", refunds: [{ id: "ref_1", amount: 3000 }] } });
    expect(full.payment!.amountRefunded).toBeUndefined();
    expect(normalizeDodoEvent(envelope("refund.succeeded", "Refund", { ...refund, refund_id: "ref_2", amount: 1000, is_partial: true }), "m").payment).toMatchObject({ refunded: false, refunds: [{ id: "ref_2", amount: 1000 }] });
    expect(normalizeDodoEvent(envelope("refund.failed", "Refund", { ...refund, status: "failed" }), "m").kind).toBe("ignored");
    const dispute = { dispute_id: "dsp_1", payment_id: "pay_1", amount: "3000", currency: "USD", dispute_status: "dispute_opened", dispute_stage: "dispute" };
    for (const type of ["dispute.opened", "dispute.challenged"]) {
      expect(normalizeDodoEvent(envelope(type, "Dispute", dispute), "m")).toMatchObject({ kind: "dispute.created", payment: { id: "pay_1", disputeId: "dsp_1", amount: 3000 }, dispute: { id: "dsp_1", status: "open" } });
    }
    for (const [type, status] of [["dispute.won", "won"], ["dispute.cancelled", "won"], ["dispute.lost", "lost"], ["dispute.accepted", "lost"], ["dispute.expired", "lost"]]) {
      expect(normalizeDodoEvent(envelope(type, "Dispute", dispute), "m"), type).toMatchObject({ kind: "dispute.closed", payment: { id: "pay_1" }, dispute: { id: "dsp_1", status } });
    }
  });

  it("marks unknown types as ignored and refuses malformed envelopes", () => {
    expect(normalizeDodoEvent(envelope("license_key.created", "LicenseKey", { id: "lic_1" }), "m").kind).toBe("ignored");
    expect(normalizeDodoEvent(envelope("payout.success", "Payout", { id: "po_1" }), "m").kind).toBe("ignored");
    expect(() => normalizeDodoEvent({ type: "payment.succeeded", data: {} }, "m")).toThrow(WebhookVerificationError);
    expect(() => normalizeDodoEvent({ type: "payment.succeeded", timestamp: "yesterday", data: {} }, "m")).toThrow(WebhookVerificationError);
    expect(() => normalizeDodoEvent(envelope("payment.succeeded", "Payment", payment), "")).toThrow(WebhookVerificationError);
  });
});

describe("deliveries through lib/billing handleWebhook (real database, the sandbox's own event)", () => {
  const secret = testWebhookSecret("webhooks-billing");
  let sandbox: DodoSandbox;
  beforeAll(async () => {
    await ensureCatalog();
    sandbox = await startDodoSandbox({ webhookUrl: null, webhookSecret: secret });
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("applies a verified payment.succeeded once; replays, forgeries and stale copies write nothing", async () => {
    sandbox.configureAdapter();
    const user = await createUser();
    const created = await createCheckout({ userId: user.id, email: user.email, priceId: "credits_100_pack", quantity: 2, appUrl: APP_URL });
    const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
    await sandbox.pay(row.providerSessionId!);
    const emitted = (await sandbox.events()).find((e) => e.type === "payment.succeeded" && (e.payload.data as Json).checkout_session_id === row.providerSessionId)!;
    const body = JSON.stringify(emitted.payload);
    const id = emitted.id;
    const count = () => db.webhookEvent.count({ where: { provider: "dodo", eventId: id } });

    // Forged or stale: refused before anything is written.
    await expect(handleWebhook("dodo", body.replace('"quantity":2', '"quantity":9'), signedHeaders(body, secret, { id }))).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(handleWebhook("dodo", body, signedHeaders(body, testWebhookSecret("attacker"), { id }))).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(handleWebhook("dodo", body, signedHeaders(body, secret, { id, timestamp: Math.floor(Date.now() / 1000) - 600 }))).rejects.toThrow(/too old/);
    expect(await count()).toBe(0);
    expect(await creditsBalance(user.id)).toBe(0);

    const first = await handleWebhook("dodo", body, signedHeaders(body, secret, { id }));
    expect(first).toMatchObject({ status: "applied", eventId: id, kind: "checkout.completed" });
    expect(await creditsBalance(user.id)).toBe(200);
    // The same message again (a retry, re-signed with a fresh timestamp): a no-op.
    expect((await handleWebhook("dodo", body, signedHeaders(body, secret, { id }))).status).toBe("duplicate");
    expect(await creditsBalance(user.id)).toBe(200);
    expect(await count()).toBe(1);
    expect((await db.checkout.findUniqueOrThrow({ where: { id: created.id } })).status).toBe("complete");
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId: created.id } });
    expect(order.providerPaymentId).toBe((emitted.payload.data as Json).payment_id);

    // An unknown event type is recorded and answered, changing nothing.
    const other = dodoEventPayload("license_key.created", "LicenseKey", { id: "lic_1" });
    const otherId = newWebhookId();
    expect((await handleWebhook("dodo", other, signedHeaders(other, secret, { id: otherId }))).status).toBe("ignored");
  });
});
