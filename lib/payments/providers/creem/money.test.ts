// The money-policy mappings of Creem's events (no database): Creem's documented sample bodies
// (samples/, see its README), the SDK's entity shapes (creem@1.13.0), and what the sandbox
// emits when the money controls drive it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { NotEmulated } from "@/lib/billing/testing/money-controls";
import { WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent } from "@/lib/payments/types";
import { creemDeploymentMode } from "./config";
import { creemProvider } from "./index";
import checkoutCompletedSample from "./samples/checkout.completed.json";
import disputeCreatedSample from "./samples/dispute.created.json";
import refundCreatedSample from "./samples/refund.created.json";
import subscriptionPaidSample from "./samples/subscription.paid.json";
import subscriptionUnpaidSample from "./samples/subscription.unpaid.json";
import { creemEventPayload, creemSignedHeaders, type Json } from "./testing/events";
import { creemMoneyControls } from "./testing/money-controls";
import { startCreemSandbox, type CreemSandbox } from "./testing/sandbox";
import { normalizeCreemEvent, verifyCreemWebhook } from "./webhooks";

const SECRET = "whsec_creem_money_unit";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const envelope = (eventType: string, object: Json) => JSON.parse(creemEventPayload(eventType, object, { id: `evt_${eventType}`, createdAt: 1_800_000_000_000 }));

describe("Creem's documented samples (docs.creem.io webhook reference), signed and verified", () => {
  const verify = (sample: unknown): PaymentEvent => {
    process.env.CREEM_WEBHOOK_SECRET = SECRET;
    const body = JSON.stringify(sample);
    return verifyCreemWebhook(body, creemSignedHeaders(body, SECRET));
  };

  it("checkout.completed: total and currency from the order, tax mode from the product, mode test", () => {
    const event = verify(checkoutCompletedSample);
    expect(event).toMatchObject({
      kind: "checkout.completed",
      livemode: false,
      ourCheckoutId: "my-request-id",
      providerSessionId: "ch_4l0N34kxo16AhRKUHFUuXr",
      amounts: { subtotal: 1000, tax: null, total: 1000, currency: "eur", taxInclusive: false },
      subscriptionId: "sub_6pC2lNB6joCRQIZ1aMrTpi",
      // The sample's order names no transaction: the order id is the payment (see subscription.paid).
      payment: { id: "ord_4aDwWXjMLpes4Kj4XqNnUA", amount: 1000, currency: "eur" },
    });
  });

  it("subscription.paid: an invoice.paid whose invoice and payment are the transaction a refund of it names", () => {
    const event = verify(subscriptionPaidSample);
    const refund = verify(refundCreatedSample);
    expect(event).toMatchObject({
      kind: "invoice.paid",
      subscriptionId: "sub_6pC2lNB6joCRQIZ1aMrTpi",
      subscription: { id: "sub_6pC2lNB6joCRQIZ1aMrTpi", status: "active" },
      // The sample carries only last_transaction_id: no paid amount in the payload.
      invoice: { id: "tran_5yMaWzAl3jxuGJMCOrYWwk", firstPayment: false, amountDue: null, amountPaid: null, currency: null },
      payment: { id: "tran_5yMaWzAl3jxuGJMCOrYWwk" },
    });
    expect(event.periodEnd!.toISOString()).toBe("2024-11-12T11:58:38.000Z");
    expect(event.livemode ?? null).toBeNull(); // the sample shows no mode
    expect(refund.payment!.id).toBe(event.payment!.id);
  });

  it("subscription.unpaid: unpaid (no access), not past_due", () => {
    expect(verify(subscriptionUnpaidSample)).toMatchObject({ kind: "subscription.updated", subscription: { id: "sub_3xx35QzxsnpFiJ3vRB9YKt", status: "unpaid" } });
  });

  it("refund.created: this refund by its id; no running total in the sample, so none reported; found by the transaction", () => {
    const event = verify(refundCreatedSample);
    expect(event).toMatchObject({
      kind: "payment.refunded",
      subscriptionId: "sub_6pC2lNB6joCRQIZ1aMrTpi",
      payment: { id: "tran_5yMaWzAl3jxuGJMCOrYWwk", amount: 1210, currency: "eur", refunded: true, refunds: [{ id: "ref_3DB9NQFvk18TJwSqd0N6bd", amount: 1210, currency: "eur" }] },
      // A subscription's transaction: also the invoice id its subscription.paid recorded.
      invoice: { id: "tran_5yMaWzAl3jxuGJMCOrYWwk" },
    });
    expect(event.payment!.amountRefunded).toBeUndefined();
  });

  it("dispute.created: an open dispute by its id on the transaction; Creem documents no outcome event", () => {
    expect(verify(disputeCreatedSample)).toMatchObject({
      kind: "dispute.created",
      payment: { id: "tran_4Dk8CxWFdceRUQgMFhCCXX", disputeId: "disp_6vSsOdTANP5PhOzuDlUuXE" },
      dispute: { id: "disp_6vSsOdTANP5PhOzuDlUuXE", status: "open", amount: 1331, currency: "eur" },
    });
    for (const type of ["dispute.closed", "dispute.won", "dispute.lost", "dispute.updated"]) {
      expect(normalizeCreemEvent(envelope(type, disputeCreatedSample.object)).kind, type).toBe("ignored");
    }
  });
});

// Each case below fails on the adapter before this change (payment = order id; no tax mode;
// money events ignored without an id; a failed refund counted; mode only on the object itself).
describe("creem money mappings on the SDK's entity shapes (creem@1.13.0)", () => {
  const transaction = { id: "tran_1", object: "transaction", mode: "test", order: "ord_1", amount: 1000, amount_paid: 1000, currency: "USD", type: "invoice", status: "paid", subscription: "sub_1", created_at: 1 };

  it("checkout.completed: the payment is the order's transaction (OrderEntity.transaction), else the subscription's last transaction", () => {
    const order = { id: "ord_1", mode: "test", product: "prod_1", transaction: "tran_1", amount: 1000, sub_total: 1000, tax_amount: 0, discount_amount: 0, amount_due: 1000, amount_paid: 1000, currency: "USD", status: "paid", type: "onetime" };
    const checkout = { id: "ch_1", object: "checkout", mode: "test", status: "completed", request_id: "our_1", product: { id: "prod_1", price: 1000, currency: "USD", billing_type: "onetime", tax_mode: "inclusive" }, order };
    expect(normalizeCreemEvent(envelope("checkout.completed", checkout))).toMatchObject({ payment: { id: "tran_1", amount: 1000, currency: "usd" }, amounts: { total: 1000, taxInclusive: true } });
    const withoutTransaction: Json = { ...order };
    delete withoutTransaction.transaction;
    const subscription = { id: "sub_1", object: "subscription", status: "active", last_transaction_id: "tran_9" };
    expect(normalizeCreemEvent(envelope("checkout.completed", { ...checkout, order: withoutTransaction, subscription })).payment!.id).toBe("tran_9");
  });

  it("checkout.completed amounts: amount_paid (after discount, with exclusive tax) is the total", () => {
    const order = { id: "ord_2", transaction: "tran_2", amount: 2000, sub_total: 2000, discount_amount: 500, tax_amount: 315, amount_due: 1815, amount_paid: 1815, currency: "EUR", status: "paid", type: "onetime" };
    const event = normalizeCreemEvent(envelope("checkout.completed", { id: "ch_2", status: "completed", request_id: "our_2", product: { id: "prod_2", tax_mode: "exclusive" }, order }));
    expect(event.amounts).toEqual({ subtotal: 2000, tax: 315, total: 1815, currency: "eur", taxInclusive: false });
    const noPaid: Json = { ...order };
    delete noPaid.amount_paid;
    delete noPaid.amount_due;
    expect(normalizeCreemEvent(envelope("checkout.completed", { id: "ch_2", status: "completed", product: { tax_mode: "exclusive" }, order: noPaid })).amounts!.total).toBe(1815);
  });

  it("subscription.paid: the transaction (not its order) is the payment; the first period is recognised by its dates; amounts from last_transaction", () => {
    const subscription = {
      id: "sub_1",
      object: "subscription",
      mode: "prod",
      status: "active",
      customer: "cust_1",
      created_at: "2026-02-01T00:00:00.000Z",
      current_period_start_date: "2026-02-01T00:00:05.000Z",
      current_period_end_date: "2026-03-01T00:00:05.000Z",
      metadata: { checkout_id: "our_9" },
      last_transaction_id: "tran_1",
      last_transaction: { ...transaction, mode: "prod", period_end: Date.parse("2026-03-01T00:00:05.000Z") },
    };
    const first = normalizeCreemEvent(envelope("subscription.paid", subscription));
    expect(first).toMatchObject({
      kind: "invoice.paid",
      livemode: true,
      ourCheckoutId: "our_9",
      subscription: { id: "sub_1", status: "active" },
      invoice: { id: "tran_1", firstPayment: true, amountDue: null, amountPaid: 1000, currency: "usd" },
      payment: { id: "tran_1", amount: 1000, currency: "usd" },
    });
    const renewal = normalizeCreemEvent(
      envelope("subscription.paid", { ...subscription, current_period_start_date: "2026-03-01T00:00:05.000Z", last_transaction_id: "tran_2", last_transaction: { ...subscription.last_transaction, id: "tran_2" } }),
    );
    expect(renewal).toMatchObject({ invoice: { id: "tran_2", firstPayment: false }, payment: { id: "tran_2" } });
    // A status word this adapter does not know still reports the paid invoice.
    expect(normalizeCreemEvent(envelope("subscription.paid", { ...subscription, status: "reactivated" }))).toMatchObject({ kind: "invoice.paid", subscriptionId: "sub_1", subscription: null, payment: { id: "tran_1" } });
  });

  it("refund.created: never dropped; a failed or canceled refund is not counted; the mode of the embedded transaction when the refund has none", () => {
    const refund = { id: "ref_1", object: "refund", status: "succeeded", refund_amount: 400, refund_currency: "USD", reason: "requested_by_customer", transaction };
    expect(normalizeCreemEvent(envelope("refund.created", refund))).toMatchObject({ livemode: false, payment: { id: "tran_1", refunds: [{ id: "ref_1", amount: 400 }] }, invoice: { id: "tran_1" } });
    expect(normalizeCreemEvent(envelope("refund.created", { ...refund, status: "failed" })).payment!.refunds).toEqual([]);
    expect(normalizeCreemEvent(envelope("refund.created", { ...refund, status: "canceled" })).payment!.refunds).toEqual([]);
    expect(normalizeCreemEvent(envelope("refund.created", { ...refund, status: "pending" })).payment!.refunds).toHaveLength(1);
    // One-time payment: no invoice to find it by.
    expect(normalizeCreemEvent(envelope("refund.created", { ...refund, transaction: { ...transaction, type: "payment", subscription: null } })).invoice ?? null).toBeNull();
    const bare = normalizeCreemEvent(envelope("refund.created", { id: "ref_2", refund_amount: 100, checkout: { id: "ch_1", request_id: "our_1" } }));
    expect(bare).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1", payment: { id: "", refunds: [{ id: "ref_2", amount: 100 }] } });
  });

  it("dispute.created without a transaction is still a dispute (found by our checkout id)", () => {
    expect(normalizeCreemEvent(envelope("dispute.created", { id: "disp_2", amount: 500, currency: "USD", checkout: { id: "ch_1", metadata: { checkout_id: "our_1" } } }))).toMatchObject({
      kind: "dispute.created",
      ourCheckoutId: "our_1",
      dispute: { id: "disp_2", status: "open" },
    });
  });

  it("mode: prod is live, test and sandbox are test, anything else says nothing; deploymentMode from the key", () => {
    const sub = { id: "sub_1", object: "subscription", status: "active" };
    expect(normalizeCreemEvent(envelope("subscription.update", { ...sub, mode: "prod" })).livemode).toBe(true);
    expect(normalizeCreemEvent(envelope("subscription.update", { ...sub, mode: "sandbox" })).livemode).toBe(false);
    expect(normalizeCreemEvent(envelope("subscription.update", { ...sub, mode: "local" })).livemode ?? null).toBeNull();
    expect(creemDeploymentMode({ CREEM_API_KEY: "creem_test_abc" })).toBe("test");
    expect(creemDeploymentMode({ CREEM_API_KEY: "creem_abc" })).toBe("live");
    expect(creemDeploymentMode({})).toBeNull();
    process.env.CREEM_API_KEY = "creem_test_x";
    expect(creemProvider.deploymentMode!()).toBe("test");
    expect(() => normalizeCreemEvent({ id: "evt", eventType: "refund.created", created_at: 1 })).toThrow(WebhookVerificationError);
  });
});

describe("creem sandbox money controls: the events Creem sends, normalized", () => {
  let sandbox: CreemSandbox;
  beforeAll(async () => {
    sandbox = await startCreemSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  async function newEvents(since: number): Promise<PaymentEvent[]> {
    return (await sandbox.events()).slice(since).map((event) => normalizeCreemEvent(event));
  }

  async function paidCheckout(productId: string, paid?: { amount: number; currency?: string }) {
    const controls = creemMoneyControls(sandbox);
    const checkout = await sandbox.creem.checkouts.create({ productId, requestId: `our_${productId}_${Date.now()}`, successUrl: "https://app.example/s" });
    const before = (await sandbox.events()).length;
    if (paid) await controls.payDifferentAmount(checkout.id, paid);
    else await sandbox.pay(checkout.id);
    const events = await newEvents(before);
    return { controls, checkout, events, completed: events.find((e) => e.kind === "checkout.completed")! };
  }

  it("payDifferentAmount: the order reports the other amount and currency", async () => {
    const { completed } = await paidCheckout("prod_sbx_lifetime_once", { amount: 123, currency: "eur" });
    expect(completed).toMatchObject({ livemode: false, amounts: { total: 123, currency: "eur", taxInclusive: false } });
    expect(completed.payment!.id).toMatch(/^tran_/);
  });

  it("refund: several partial refunds, each by its own id with the running total, then the rest in full through the SDK", async () => {
    const { controls, completed } = await paidCheckout("prod_sbx_lifetime_once");
    const paymentId = completed.payment!.id;
    const total = completed.amounts!.total!;
    const before = (await sandbox.events()).length;
    await controls.refund(paymentId, 100);
    await controls.refund(paymentId, 200);
    await controls.refund(paymentId);
    const refunds = (await newEvents(before)).filter((e) => e.kind === "payment.refunded");
    expect(refunds).toHaveLength(3);
    expect(refunds.map((e) => e.payment!.id)).toEqual([paymentId, paymentId, paymentId]);
    expect(refunds.map((e) => e.payment!.refunds![0].amount)).toEqual([100, 200, total - 300]);
    expect(new Set(refunds.map((e) => e.payment!.refunds![0].id)).size).toBe(3);
    expect(refunds.map((e) => e.payment!.amountRefunded)).toEqual([100, 300, total]);
    expect(refunds.map((e) => e.payment!.refunded)).toEqual([false, false, true]);
  });

  it("dispute: opened on the payment; a won or lost outcome is not emulated (Creem has no such event)", async () => {
    const { controls, completed } = await paidCheckout("prod_sbx_lifetime_once");
    const before = (await sandbox.events()).length;
    await controls.dispute(completed.payment!.id, "open");
    const [dispute] = await newEvents(before);
    expect(dispute).toMatchObject({ kind: "dispute.created", ourCheckoutId: completed.ourCheckoutId, payment: { id: completed.payment!.id }, dispute: { status: "open" } });
    await expect(controls.dispute(completed.payment!.id, "won")).rejects.toBeInstanceOf(NotEmulated);
    await expect(controls.dispute(completed.payment!.id, "lost")).rejects.toThrow(/no dispute outcome event/);
  });

  it("a subscription: the first subscription.paid is the checkout's payment; renewals new transactions; refunds of a renewal name it; failRenewal → past_due, markUnpaid → unpaid", async () => {
    const { controls, completed, events } = await paidCheckout("prod_sbx_starter_monthly");
    const first = events.find((e) => e.kind === "invoice.paid")!;
    expect(first).toMatchObject({ invoice: { id: completed.payment!.id, firstPayment: true, amountPaid: completed.amounts!.total }, payment: { id: completed.payment!.id } });
    const subscriptionId = completed.subscriptionId!;

    let before = (await sandbox.events()).length;
    await sandbox.control("POST", `/creem/subscriptions/${subscriptionId}/advance`, { action: "renew" });
    const [renewal] = (await newEvents(before)).filter((e) => e.kind === "invoice.paid");
    expect(renewal).toMatchObject({ invoice: { firstPayment: false, amountPaid: 900, currency: "usd" }, subscription: { status: "active" } });
    expect(renewal.payment!.id).not.toBe(completed.payment!.id);
    expect(renewal.periodEnd!.getTime()).toBeGreaterThan(first.periodEnd!.getTime());

    before = (await sandbox.events()).length;
    await controls.refund(renewal.payment!.id, 300);
    const [refund] = await newEvents(before);
    expect(refund).toMatchObject({ kind: "payment.refunded", payment: { id: renewal.payment!.id, refunds: [{ amount: 300 }] }, invoice: { id: renewal.invoice!.id } });

    before = (await sandbox.events()).length;
    await controls.failRenewal(subscriptionId);
    await controls.markUnpaid(subscriptionId);
    expect((await newEvents(before)).map((e) => [e.type, e.subscription?.status])).toEqual([
      ["subscription.past_due", "past_due"],
      ["subscription.unpaid", "unpaid"],
    ]);
  });
});
