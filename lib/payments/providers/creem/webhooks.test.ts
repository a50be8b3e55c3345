import { verifyWebhookSignature } from "creem/webhooks";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderConfigurationError, WebhookVerificationError } from "@/lib/payments/errors";
import type { CheckoutRequest } from "@/lib/payments/types";
import { creemProvider } from "./index";
import { creemEventPayload, creemSignedHeaders, signCreemBody, type Json } from "./testing/events";
import { startCreemSandbox, type CreemSandbox } from "./testing/sandbox";
import { normalizeCreemEvent, verifyCreemWebhook } from "./webhooks";

const SECRET = "whsec_creem_unit_secret";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

// A checkout.completed shaped like docs.creem.io's sample (mode "local", upper-case currency).
const checkout = {
  id: "ch_4l0N34kxo16AhRKUHFUuXr",
  object: "checkout",
  request_id: "our_1",
  order: { id: "ord_1", customer: "cust_1", product: "prod_1", amount: 1000, sub_total: 1000, tax_amount: 210, amount_due: 1210, amount_paid: 1210, currency: "EUR", status: "paid", type: "onetime", mode: "local" },
  product: { id: "prod_1", name: "Pack", price: 1000, currency: "EUR", billing_type: "onetime", billing_period: "once", mode: "local" },
  customer: { id: "cust_1", object: "customer", email: "buyer@example.com", mode: "local" },
  custom_fields: [],
  status: "completed",
  metadata: { checkout_id: "our_1" },
  mode: "local",
};

const subscription = {
  id: "sub_1",
  object: "subscription",
  product: "prod_1",
  customer: { id: "cust_1", object: "customer", email: "buyer@example.com" },
  collection_method: "charge_automatically",
  status: "active",
  current_period_start_date: "2026-01-01T00:00:00.000Z",
  current_period_end_date: "2026-02-01T00:00:00.000Z",
  canceled_at: null,
  metadata: { checkout_id: "our_9" },
  mode: "test",
};

describe("creem webhook verification (creem-signature = hex HMAC-SHA256 of the raw body)", () => {
  it("accepts a body signed by the documented scheme; the official SDK verifier accepts the same delivery", async () => {
    process.env.CREEM_WEBHOOK_SECRET = SECRET;
    const payload = creemEventPayload("checkout.completed", checkout, { id: "evt_ok", createdAt: 1_728_734_325_927 });
    const headers = creemSignedHeaders(payload, SECRET);
    await expect(verifyWebhookSignature(payload, headers, { secret: SECRET })).resolves.toBeUndefined();
    const event = verifyCreemWebhook(payload, headers);
    expect(event).toMatchObject({
      provider: "creem",
      eventId: "evt_ok",
      type: "checkout.completed",
      source: "webhook",
      kind: "checkout.completed",
      ourCheckoutId: "our_1",
      providerSessionId: "ch_4l0N34kxo16AhRKUHFUuXr",
      customerId: "cust_1",
      amounts: { subtotal: 1000, tax: 210, total: 1210, currency: "eur" },
      payment: { id: "ord_1", amount: 1210, currency: "eur" },
    });
    expect(event.occurredAt.getTime()).toBe(1_728_734_325_927); // created_at is Unix milliseconds
    // Upper-case hex and a sha256= prefix are tolerated, as by the official verifier.
    const upper = new Headers({ "creem-signature": `sha256=${signCreemBody(payload, SECRET).toUpperCase()}` });
    expect(verifyCreemWebhook(payload, upper).eventId).toBe("evt_ok");
  });

  it("refuses a missing header, another secret, a tampered body, garbage, a non-JSON body — as the SDK does", async () => {
    process.env.CREEM_WEBHOOK_SECRET = SECRET;
    const payload = creemEventPayload("checkout.completed", checkout);
    const good = creemSignedHeaders(payload, SECRET);
    const tampered = payload.replace("our_1", "our_2");
    expect(() => verifyCreemWebhook(payload, new Headers())).toThrow(/Missing creem-signature header \(or the Standard Webhooks/);
    expect(() => verifyCreemWebhook(payload, creemSignedHeaders(payload, "whsec_other"))).toThrow(WebhookVerificationError);
    expect(() => verifyCreemWebhook(tampered, good)).toThrow(WebhookVerificationError);
    expect(() => verifyCreemWebhook(payload, new Headers({ "creem-signature": "abc" }))).toThrow(WebhookVerificationError);
    await expect(verifyWebhookSignature(tampered, good, { secret: SECRET })).rejects.toThrow();
    await expect(verifyWebhookSignature(payload, creemSignedHeaders(payload, "whsec_other"), { secret: SECRET })).rejects.toThrow();
    const notJson = "not json";
    expect(() => verifyCreemWebhook(notJson, creemSignedHeaders(notJson, SECRET))).toThrow(/not JSON/);
    const noType = JSON.stringify({ id: "evt_1", created_at: 1, object: {} });
    expect(() => verifyCreemWebhook(noType, creemSignedHeaders(noType, SECRET))).toThrow(/Malformed/);
  });

  it("fails closed without CREEM_WEBHOOK_SECRET, even for a well-formed signature", () => {
    delete process.env.CREEM_WEBHOOK_SECRET;
    const payload = creemEventPayload("checkout.completed", checkout);
    expect(() => verifyCreemWebhook(payload, creemSignedHeaders(payload, SECRET))).toThrow(ProviderConfigurationError);
    expect(() => verifyCreemWebhook(payload, creemSignedHeaders(payload, SECRET))).toThrow(/CREEM_WEBHOOK_SECRET/);
  });
});

describe("creem webhook verification, Standard Webhooks headers (accepted by the official SDK verifier)", () => {
  // A base64 secret after whsec_, as Standard Webhooks keys are; standardwebhooks signs, creem's SDK verifies.
  const STANDARD_SECRET = `whsec_${Buffer.from("creem standard webhooks test key").toString("base64")}`;
  const signStandard = (payload: string, options: { id?: string; at?: Date; secret?: string } = {}) => {
    const id = options.id ?? "msg_2a7f";
    const at = options.at ?? new Date();
    return new Headers({
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": new Webhook(options.secret ?? STANDARD_SECRET).sign(id, at, payload),
    });
  };

  it("accepts webhook-id/-timestamp/-signature signed by standardwebhooks, exactly as creem's verifyWebhookSignature does", async () => {
    process.env.CREEM_WEBHOOK_SECRET = STANDARD_SECRET;
    const payload = creemEventPayload("checkout.completed", checkout, { id: "evt_std" });
    const headers = signStandard(payload);
    await expect(verifyWebhookSignature(payload, headers, { secret: STANDARD_SECRET })).resolves.toBeUndefined();
    expect(verifyCreemWebhook(payload, headers)).toMatchObject({ eventId: "evt_std", kind: "checkout.completed", ourCheckoutId: "our_1" });
    // Several signatures (a key rotation): any v1 that matches is enough, as in the SDK.
    const rotated = new Headers(headers);
    rotated.set("webhook-signature", `v1,${Buffer.alloc(32).toString("base64")} ${headers.get("webhook-signature")}`);
    await expect(verifyWebhookSignature(payload, rotated, { secret: STANDARD_SECRET })).resolves.toBeUndefined();
    expect(verifyCreemWebhook(payload, rotated).eventId).toBe("evt_std");
  });

  it("refuses what the SDK refuses: another secret, a tampered body, a timestamp 5 minutes off either way, a bad signature next to a good creem-signature", async () => {
    process.env.CREEM_WEBHOOK_SECRET = STANDARD_SECRET;
    const payload = creemEventPayload("checkout.completed", checkout);
    const other = `whsec_${Buffer.from("another key").toString("base64")}`;
    const cases: Array<[string, string, Headers, RegExp]> = [
      ["another secret", payload, signStandard(payload, { secret: other }), /Invalid Creem webhook-signature/],
      ["tampered body", payload.replace("our_1", "our_2"), signStandard(payload), /Invalid Creem webhook-signature/],
      ["6 minutes old", payload, signStandard(payload, { at: new Date(Date.now() - 360_000) }), /too old/],
      ["6 minutes ahead", payload, signStandard(payload, { at: new Date(Date.now() + 360_000) }), /future/],
    ];
    for (const [label, body, headers, reason] of cases) {
      expect(() => verifyCreemWebhook(body, headers), label).toThrow(reason);
      await expect(verifyWebhookSignature(body, headers, { secret: STANDARD_SECRET }), label).rejects.toThrow();
    }
    // Once the three Standard Webhooks headers are present they decide alone, as in the SDK.
    const mixed = signStandard(payload, { secret: other });
    mixed.set("creem-signature", signCreemBody(payload, STANDARD_SECRET));
    expect(() => verifyCreemWebhook(payload, mixed)).toThrow(WebhookVerificationError);
    await expect(verifyWebhookSignature(payload, mixed, { secret: STANDARD_SECRET })).rejects.toThrow();
    // Two of the three headers are not the scheme: the legacy header is then required.
    const partial = signStandard(payload);
    partial.delete("webhook-id");
    expect(() => verifyCreemWebhook(payload, partial)).toThrow(/Missing creem-signature/);
  });

  it("accepts x-creem-signature as the SDK does", async () => {
    process.env.CREEM_WEBHOOK_SECRET = SECRET;
    const payload = creemEventPayload("checkout.completed", checkout, { id: "evt_x" });
    const headers = new Headers({ "x-creem-signature": signCreemBody(payload, SECRET) });
    await expect(verifyWebhookSignature(payload, headers, { secret: SECRET })).resolves.toBeUndefined();
    expect(verifyCreemWebhook(payload, headers).eventId).toBe("evt_x");
  });
});

describe("creem event normalization", () => {
  const envelope = (eventType: string, object: Json, createdAt = 1_800_000_000_000) => JSON.parse(creemEventPayload(eventType, object, { id: `evt_${eventType}`, createdAt }));

  it("maps every subscription event to subscription.updated / .deleted with the right status", () => {
    const expectations: Array<[string, Json, string, boolean]> = [
      ["subscription.active", {}, "active", false],
      ["subscription.trialing", { status: "trialing" }, "trialing", false],
      ["subscription.paid", {}, "active", false],
      ["subscription.update", {}, "active", false],
      ["subscription.scheduled_cancel", { status: "scheduled_cancel" }, "active", true],
      ["subscription.past_due", { status: "past_due" }, "past_due", false],
      ["subscription.unpaid", { status: "unpaid" }, "unpaid", false],
      ["subscription.paused", { status: "paused" }, "paused", false],
      ["subscription.expired", {}, "past_due", false], // docs sample: still "active", period over, Creem retries
      ["subscription.canceled", { status: "canceled", canceled_at: "2026-01-15T00:00:00.000Z" }, "canceled", false],
    ];
    for (const [type, patch, status, cancelAtPeriodEnd] of expectations) {
      const event = normalizeCreemEvent(envelope(type, { ...subscription, ...patch }));
      expect(event, type).toMatchObject({
        kind: type === "subscription.canceled" ? "subscription.deleted" : type === "subscription.paid" ? "invoice.paid" : "subscription.updated",
        ourCheckoutId: "our_9",
        subscriptionId: "sub_1",
        customerId: "cust_1",
        subscription: { id: "sub_1", status, cancelAtPeriodEnd },
      });
      expect(event.subscription!.currentPeriodEnd!.toISOString()).toBe("2026-02-01T00:00:00.000Z");
      expect(event.occurredAt.getTime()).toBe(1_800_000_000_000);
    }
    expect(normalizeCreemEvent(envelope("subscription.paid", subscription)).periodEnd!.toISOString()).toBe("2026-02-01T00:00:00.000Z");
    expect(normalizeCreemEvent(envelope("subscription.canceled", { ...subscription, status: "canceled", canceled_at: "2026-01-15T00:00:00.000Z" })).subscription!.canceledAt!.toISOString()).toBe(
      "2026-01-15T00:00:00.000Z",
    );
  });

  it("maps refund.created (this refund; the transaction's running total) and dispute.created to the payment by its transaction id", () => {
    const transaction = { id: "tran_1", object: "transaction", amount: 1000, amount_paid: 1210, currency: "EUR", status: "refunded", refunded_amount: 1210, order: "ord_1" };
    const refund = normalizeCreemEvent(
      envelope("refund.created", { id: "ref_1", object: "refund", status: "succeeded", refund_amount: 1210, refund_currency: "EUR", transaction, checkout: { id: "ch_1", request_id: "our_1" } }),
    );
    expect(refund).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1", payment: { id: "tran_1", amount: 1210, amountRefunded: 1210, refunded: true, currency: "eur", refunds: [{ id: "ref_1", amount: 1210 }] } });
    const partial = normalizeCreemEvent(
      envelope("refund.created", { id: "ref_2", refund_amount: 300, refund_currency: "EUR", transaction: { ...transaction, status: "partially_refunded", refunded_amount: 300 } }),
    );
    expect(partial.payment).toMatchObject({ id: "tran_1", amountRefunded: 300, refunded: false, refunds: [{ id: "ref_2", amount: 300 }] });
    const dispute = normalizeCreemEvent(envelope("dispute.created", { id: "disp_1", object: "dispute", amount: 1210, currency: "EUR", transaction, order: { id: "ord_1" }, checkout: { id: "ch_1", metadata: { checkout_id: "our_1" } } }));
    expect(dispute).toMatchObject({ kind: "dispute.created", ourCheckoutId: "our_1", payment: { id: "tran_1", disputeId: "disp_1", amount: 1210 }, dispute: { id: "disp_1", status: "open" } });
  });

  it("a completed checkout whose order is still pending is processing; unknown types are ignored; malformed envelopes refused", () => {
    expect(normalizeCreemEvent(envelope("checkout.completed", { ...checkout, order: { ...checkout.order, status: "pending" } })).kind).toBe("checkout.processing");
    expect(normalizeCreemEvent(envelope("credits.granted", { id: "cct_1" })).kind).toBe("ignored");
    // Money is never dropped for want of an id: billing matches it or fails it for a retry.
    expect(normalizeCreemEvent(envelope("refund.created", { id: "ref_x" })).kind).toBe("payment.refunded");
    expect(() => normalizeCreemEvent({ id: "evt_x", eventType: "checkout.completed", created_at: 1 })).toThrow(WebhookVerificationError);
    expect(() => normalizeCreemEvent({ eventType: "x", created_at: 1, object: {} })).toThrow(WebhookVerificationError);
  });
});

describe("creem events as the sandbox emits them (signed by the sandbox, verified by the adapter and the SDK)", () => {
  let sandbox: CreemSandbox;
  const received: Array<{ body: string; headers: Headers }> = [];
  let server: import("node:http").Server;
  beforeAll(async () => {
    const http = await import("node:http");
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        received.push({ body: Buffer.concat(chunks).toString("utf8"), headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as import("node:net").AddressInfo).port;
    sandbox = await startCreemSandbox({ webhookUrl: `http://127.0.0.1:${port}/api/webhooks/creem`, webhookSecret: SECRET });
  });
  afterAll(async () => {
    await sandbox.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("checkout.completed, subscription.*, refund.created and dispute.created normalize with our ids", async () => {
    sandbox.configureAdapter();
    const base: CheckoutRequest = {
      checkoutId: "chk_wh_plan",
      mode: "subscription",
      lineItems: [{ priceId: "starter_monthly", productId: "starter", name: "Starter", unitAmount: 900, currency: "usd", quantity: 1, type: "recurring", interval: "month", trialDays: null, externalPriceId: "prod_sbx_starter_monthly" }],
      customerEmail: "buyer@example.com",
      successUrl: "https://app.example/checkout/success?checkout_id=chk_wh_plan",
      cancelUrl: "https://app.example/checkout/cancel",
      idempotencyKey: "k",
      presentation: "redirect",
    };
    const created = await creemProvider.createCheckout(base);
    await sandbox.pay(created.providerSessionId);
    const subscriptionId = (await creemProvider.getCheckout(created.providerSessionId)).subscriptionId!;
    await sandbox.control("POST", `/creem/subscriptions/${subscriptionId}/advance`, { action: "renew" });
    await sandbox.control("POST", "/creem/refunds", { checkout_id: created.providerSessionId, amount: 400 });
    await sandbox.control("POST", "/creem/disputes", { checkout_id: created.providerSessionId });
    await sandbox.control("POST", `/creem/subscriptions/${subscriptionId}/advance`, { action: "cancel" });
    await sandbox.waitForDeliveries();

    const events = [];
    for (const delivery of received) {
      await expect(verifyWebhookSignature(delivery.body, delivery.headers, { secret: SECRET })).resolves.toBeUndefined();
      events.push(verifyCreemWebhook(delivery.body, delivery.headers));
    }
    expect(events.map((e) => e.type)).toEqual([
      "checkout.completed",
      "subscription.active",
      "subscription.paid",
      "subscription.paid",
      "refund.created",
      "dispute.created",
      "subscription.canceled",
    ]);
    const [completed, active, , renewed, refund, dispute, canceled] = events;
    expect(completed).toMatchObject({ kind: "checkout.completed", ourCheckoutId: "chk_wh_plan", providerSessionId: created.providerSessionId, subscriptionId, subscription: { status: "active", ourCheckoutId: "chk_wh_plan" } });
    expect(active).toMatchObject({ kind: "subscription.updated", ourCheckoutId: "chk_wh_plan", subscription: { status: "active" } });
    expect(renewed.subscription!.currentPeriodEnd!.getTime()).toBeGreaterThan(active.subscription!.currentPeriodEnd!.getTime());
    expect(refund).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "chk_wh_plan", payment: { id: completed.payment!.id, amountRefunded: 400, refunded: false } });
    expect(dispute).toMatchObject({ kind: "dispute.created", ourCheckoutId: "chk_wh_plan", payment: { id: completed.payment!.id } });
    expect(canceled).toMatchObject({ kind: "subscription.deleted", subscription: { status: "canceled" } });
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);
  });
});

