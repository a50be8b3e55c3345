import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderConfigurationError, WebhookVerificationError } from "@/lib/payments/errors";
import { faststarProvider } from "./index";
import { documentedSignature, faststarEventPayload, signedHeaders } from "./testing/events";
import { startFaststarSandbox, type FaststarSandbox } from "./testing/sandbox";
import { FASTSTAR_SIGNATURE_TOLERANCE_SECONDS, normalizeFaststarEvent, verifyFaststarWebhook } from "./webhooks";

const SECRET = "faststar_whsec_unit";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const succeeded = {
  payment_id: "pi_1",
  status: "succeeded",
  amount: 1079,
  amount_subtotal: 999,
  amount_tax: 80,
  currency: "USD",
  checkout_session_id: "cs_1",
  client_reference_id: "our_1",
  subscription_id: null,
};

const now = () => Math.floor(Date.now() / 1000);

describe("faststar webhook verification (t=…,v1=hex HMAC-SHA256 of `t.body`, tolerance 300 s)", () => {
  it("accepts a delivery signed by the documented scheme and normalizes it", async () => {
    process.env.FASTSTAR_WEBHOOK_SECRET = SECRET;
    const payload = faststarEventPayload("payment.succeeded", succeeded, { id: "evt_ok" });
    const event = await faststarProvider.verifyWebhook(payload, signedHeaders(payload, SECRET));
    expect(event).toMatchObject({
      provider: "faststar",
      eventId: "evt_ok",
      type: "payment.succeeded",
      source: "webhook",
      kind: "checkout.completed",
      ourCheckoutId: "our_1",
      providerSessionId: "cs_1",
      customerId: null,
      amounts: { subtotal: 999, tax: 80, total: 1079, currency: "usd" },
      payment: { id: "pi_1", amount: 1079, currency: "usd" },
    });
    expect(event.occurredAt).toBeInstanceOf(Date);
  });

  it("accepts any matching v1 among several (secret rotation) and a delivery without X-Webhook-ID", () => {
    process.env.FASTSTAR_WEBHOOK_SECRET = SECRET;
    const payload = faststarEventPayload("payment.succeeded", succeeded);
    const t = now();
    const other = documentedSignature(payload, "old_secret", t).split(",")[1];
    const headers = new Headers({ "x-webhook-signature": `${documentedSignature(payload, SECRET, t)},${other}` });
    expect(verifyFaststarWebhook(payload, headers).kind).toBe("checkout.completed");
    const reversed = new Headers({ "x-webhook-signature": `t=${t},${other},${documentedSignature(payload, SECRET, t).split(",")[1]}` });
    expect(verifyFaststarWebhook(payload, reversed).kind).toBe("checkout.completed");
  });

  it("refuses a missing or malformed header, a tampered body, another secret, an old or future timestamp, a mismatched X-Webhook-ID", () => {
    process.env.FASTSTAR_WEBHOOK_SECRET = SECRET;
    const payload = faststarEventPayload("payment.succeeded", succeeded, { id: "evt_x" });
    const refuse = (body: string, headers: Headers, pattern?: RegExp) => {
      expect(() => verifyFaststarWebhook(body, headers)).toThrow(WebhookVerificationError);
      if (pattern) expect(() => verifyFaststarWebhook(body, headers)).toThrow(pattern);
    };
    refuse(payload, new Headers(), /Missing X-Webhook-Signature/);
    refuse(payload, new Headers({ "x-webhook-signature": "v1=abc" }), /timestamp/);
    refuse(payload, new Headers({ "x-webhook-signature": `t=${now()}` }), /no v1/);
    refuse(payload.replace("our_1", "our_2"), signedHeaders(payload, SECRET), /no v1 signature matches/);
    refuse(payload, signedHeaders(payload, "faststar_whsec_other"), /no v1 signature matches/);
    refuse(payload, signedHeaders(payload, SECRET, { timestamp: now() - FASTSTAR_SIGNATURE_TOLERANCE_SECONDS - 5 }), /tolerance/);
    refuse(payload, signedHeaders(payload, SECRET, { timestamp: now() + FASTSTAR_SIGNATURE_TOLERANCE_SECONDS + 5 }), /tolerance/);
    refuse(payload, signedHeaders(payload, SECRET, { eventId: "evt_other" }), /X-Webhook-ID/);
    // signed, but not an event
    const junk = "not json";
    refuse(junk, signedHeaders(JSON.stringify({ id: "x" }), SECRET));
    expect(() => verifyFaststarWebhook(junk, new Headers({ "x-webhook-signature": documentedSignature(junk, SECRET, now()) }))).toThrow(/not JSON/);
    // within the tolerance: accepted
    expect(verifyFaststarWebhook(payload, signedHeaders(payload, SECRET, { timestamp: now() - FASTSTAR_SIGNATURE_TOLERANCE_SECONDS + 5 })).eventId).toBe("evt_x");
  });

  it("fails closed without FASTSTAR_WEBHOOK_SECRET, even for a well-formed signature", () => {
    delete process.env.FASTSTAR_WEBHOOK_SECRET;
    const payload = faststarEventPayload("payment.succeeded", succeeded);
    expect(() => verifyFaststarWebhook(payload, signedHeaders(payload, SECRET))).toThrow(ProviderConfigurationError);
    expect(() => verifyFaststarWebhook(payload, signedHeaders(payload, SECRET))).toThrow(/FASTSTAR_WEBHOOK_SECRET/);
  });
});

describe("faststar event normalization (every documented event type)", () => {
  const envelope = (type: string, data: Record<string, unknown>, created = 1_800_000_000) => JSON.parse(faststarEventPayload(type, data, { id: `evt_${type}`, created }));

  it("payment.succeeded is the one fulfillment signal; failed/canceled end the attempt; a renewal payment is left to invoice.paid", () => {
    expect(normalizeFaststarEvent(envelope("payment.succeeded", succeeded)).kind).toBe("checkout.completed");
    const failed = normalizeFaststarEvent(envelope("payment.failed", { ...succeeded, status: "failed" }));
    expect(failed).toMatchObject({ kind: "checkout.failed", ourCheckoutId: "our_1", providerSessionId: "cs_1", payment: null });
    expect(normalizeFaststarEvent(envelope("payment.canceled", { ...succeeded, payment_id: null, status: "canceled" })).kind).toBe("checkout.canceled");
    expect(normalizeFaststarEvent(envelope("payment.succeeded", { payment_id: "pi_r", amount: 2900, currency: "USD", status: "succeeded", subscription_id: "sub_1" })).kind).toBe("ignored");
    const sub = normalizeFaststarEvent(envelope("payment.succeeded", { ...succeeded, subscription_id: "sub_9" }));
    expect(sub).toMatchObject({ subscriptionId: "sub_9", subscription: null });
    expect(sub.occurredAt.getTime()).toBe(1_800_000_000_000);
  });

  it("subscription.created/updated/canceled update a subscription but never name our checkout (no fulfillment from them)", () => {
    const data = {
      subscription_id: "sub_1",
      status: "active",
      current_period_end: "2027-01-15T00:00:00Z",
      cancel_at_period_end: false,
      canceled_at: null,
      checkout_session_id: "cs_1",
      client_reference_id: "our_1",
    };
    const created = normalizeFaststarEvent(envelope("subscription.created", data));
    expect(created).toMatchObject({ kind: "subscription.updated", subscriptionId: "sub_1", subscription: { id: "sub_1", status: "active", cancelAtPeriodEnd: false, ourCheckoutId: null } });
    expect(created.ourCheckoutId ?? null).toBeNull();
    expect(created.subscription!.currentPeriodEnd!.toISOString()).toBe("2027-01-15T00:00:00.000Z");
    expect(normalizeFaststarEvent(envelope("subscription.updated", { ...data, status: "trialing", cancel_at_period_end: true })).subscription).toMatchObject({ status: "trialing", cancelAtPeriodEnd: true });
    expect(normalizeFaststarEvent(envelope("subscription.updated", { ...data, status: "past_due" })).subscription!.status).toBe("past_due");
    const canceled = normalizeFaststarEvent(envelope("subscription.canceled", { ...data, status: "active", canceled_at: "2027-01-01T00:00:00Z" }));
    expect(canceled).toMatchObject({ kind: "subscription.deleted", subscription: { status: "canceled" } });
    expect(canceled.subscription!.canceledAt!.toISOString()).toBe("2027-01-01T00:00:00.000Z");
    expect(normalizeFaststarEvent(envelope("subscription.updated", { status: "active" })).kind).toBe("ignored");
  });

  it("invoice.paid extends the period; invoice.payment_failed is left to subscription.updated", () => {
    const paid = normalizeFaststarEvent(envelope("invoice.paid", { invoice_id: "in_1", subscription_id: "sub_1", period_end: "2027-02-15T00:00:00Z", amount: 2900, currency: "USD" }));
    expect(paid).toMatchObject({ kind: "invoice.paid", subscriptionId: "sub_1" });
    expect(paid.periodEnd!.toISOString()).toBe("2027-02-15T00:00:00.000Z");
    expect(normalizeFaststarEvent(envelope("invoice.paid", { invoice_id: "in_2" })).kind).toBe("ignored");
    expect(normalizeFaststarEvent(envelope("invoice.payment_failed", { invoice_id: "in_3", subscription_id: "sub_1" })).kind).toBe("ignored");
  });

  it("payment.refunded carries the running total; refund.succeeded this one refund by its id; dispute.created opens, dispute.closed decides", () => {
    const full = normalizeFaststarEvent(envelope("payment.refunded", { ...succeeded, status: "refunded", amount_refunded: 1079, refunded: true }));
    expect(full).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1", payment: { id: "pi_1", amount: 1079, amountRefunded: 1079, refunded: true } });
    const partial = normalizeFaststarEvent(envelope("payment.refunded", { ...succeeded, status: "partially_refunded", amount_refunded: 500, refunded: false }));
    expect(partial.payment).toMatchObject({ amountRefunded: 500, refunded: false });
    expect(normalizeFaststarEvent(envelope("refund.succeeded", { refund_id: "re_1", payment_id: "pi_1", amount: 500 }))).toMatchObject({ kind: "payment.refunded", payment: { id: "pi_1", refunds: [{ id: "re_1", amount: 500 }] } });
    const dispute = normalizeFaststarEvent(envelope("dispute.created", { dispute_id: "dp_1", payment_id: "pi_1", amount: 1079, currency: "USD", client_reference_id: "our_1" }));
    expect(dispute).toMatchObject({ kind: "dispute.created", payment: { id: "pi_1", disputeId: "dp_1", currency: "usd" }, dispute: { id: "dp_1", status: "open" } });
    expect(normalizeFaststarEvent(envelope("dispute.closed", { dispute_id: "dp_1", payment_id: "pi_1", status: "won" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "won" } });
    for (const type of ["settlement.succeeded", "customer.created"]) {
      expect(normalizeFaststarEvent(envelope(type, { dispute_id: "dp_1", payment_id: "pi_1" })).kind, type).toBe("ignored");
    }
  });

  it("refuses malformed envelopes", () => {
    expect(() => normalizeFaststarEvent({ id: "evt_x", type: "payment.succeeded" })).toThrow(WebhookVerificationError);
    expect(() => normalizeFaststarEvent({ id: "evt_x", type: "payment.succeeded", created: "yesterday", data: {} })).toThrow(WebhookVerificationError);
    expect(() => normalizeFaststarEvent([])).toThrow(WebhookVerificationError);
  });
});

describe("faststar: the sandbox's own events verify and normalize", () => {
  let sandbox: FaststarSandbox;
  beforeAll(async () => {
    sandbox = await startFaststarSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  it("a paid subscription checkout, renewal, cancellation, refund and dispute", async () => {
    const created = await sandbox.api<{ session: { id: string } }>("POST", "/api/v1/public/checkout/sessions", {
      body: { mode: "subscription", presentation: "link", line_items: [{ price_id: "price_sbx_starter_monthly", quantity: 1 }], success_url: "https://app.example/s", cancel_url: "https://app.example/c", client_reference_id: "our_sub", buyer_country: "US" },
    });
    const sessionId = created.body.data!.session.id;
    expect((await sandbox.pay(sessionId)).status).toBe(200);
    const sub = (await sandbox.events()).find((e) => e.type === "subscription.created")!;
    const subId = sub.data.subscription_id as string;
    await sandbox.control("POST", `/faststar/subscriptions/${subId}/advance`, { action: "renew" });
    await sandbox.control("POST", `/faststar/subscriptions/${subId}/advance`, { action: "cancel" });
    const payment = (await sandbox.paymentEvent(sessionId))!;
    await sandbox.control("POST", `/faststar/payments/${payment.data.payment_id}/refund`, {});
    await sandbox.control("POST", `/faststar/payments/${payment.data.payment_id}/dispute`, {});

    process.env.FASTSTAR_WEBHOOK_SECRET = SECRET;
    const kinds = (await sandbox.events()).map((event) => {
      const payload = JSON.stringify(event);
      const normalized = verifyFaststarWebhook(payload, signedHeaders(payload, SECRET));
      return [event.type, normalized.kind, normalized];
    });
    expect(kinds.map(([type, kind]) => `${type}→${kind}`)).toEqual([
      "payment.succeeded→checkout.completed",
      "subscription.created→subscription.updated",
      "invoice.paid→invoice.paid",
      "subscription.updated→subscription.updated",
      "invoice.paid→invoice.paid",
      "payment.succeeded→checkout.completed", // the renewal's payment: billing finds it recorded by its invoice
      "subscription.canceled→subscription.deleted",
      "refund.succeeded→payment.refunded",
      "payment.refunded→payment.refunded",
      "dispute.created→dispute.created",
    ]);
    const completed = kinds[0][2] as Awaited<ReturnType<typeof verifyFaststarWebhook>>;
    // As documented, the payment names only itself: billing meets it with its session through the session's payment_id.
    expect(completed).toMatchObject({ ourCheckoutId: null, providerSessionId: null, payment: { id: payment.data.payment_id }, amounts: { total: 972, currency: "usd" } });
  });
});
