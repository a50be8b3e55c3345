// The money-policy mappings of FastStar's events (no database): FastStar's published samples
// (samples/, see its README), the event names its docs list, and what the sandbox emits when
// the money controls drive it. Payload fields beyond the published samples are unconfirmed
// (normalize.ts says which).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PaymentEvent } from "@/lib/payments/types";
import { faststarDeploymentMode } from "./config";
import { faststarProvider } from "./index";
import { amountsOf, checkoutStateFromSession, sessionFromData } from "./normalize";
import paymentSucceededSample from "./samples/payment.succeeded.json";
import sessionCreatedSample from "./samples/session.created.json";
import { faststarEventPayload, signedHeaders, type Json } from "./testing/events";
import { faststarMoneyControls } from "./testing/money-controls";
import { startFaststarSandbox, type FaststarSandbox } from "./testing/sandbox";
import { normalizeFaststarEvent, verifyFaststarWebhook } from "./webhooks";

const SECRET = "faststar_whsec_money_unit";
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const envelope = (type: string, data: Json, livemode = false) => ({ ...JSON.parse(faststarEventPayload(type, data, { id: `evt_${type}`, created: 1_800_000_000 })), livemode });

describe("FastStar's published samples", () => {
  it("the webhook envelope example: livemode true is carried; a payment naming no checkout still reaches billing", () => {
    process.env.FASTSTAR_WEBHOOK_SECRET = SECRET;
    const body = JSON.stringify(paymentSucceededSample);
    const event = verifyFaststarWebhook(body, signedHeaders(body, SECRET));
    expect(event).toMatchObject({
      kind: "checkout.completed",
      livemode: true,
      ourCheckoutId: null,
      providerSessionId: null,
      amounts: { total: 1999, currency: "usd" },
      payment: { id: "pi_xxx", amount: 1999, currency: "usd" },
    });
  });

  it("the session example (US sales tax on top): taxInclusive false from total = subtotal + tax", () => {
    const session = sessionFromData(sessionCreatedSample.data as Json)!;
    expect(amountsOf(session)).toEqual({ subtotal: 999, tax: 80, total: 1079, currency: "usd", taxInclusive: false });
    // EU VAT inside the price: total = subtotal.
    expect(amountsOf({ amount_subtotal: 3000, amount_tax: 479, amount_total: 3000, currency: "EUR" }).taxInclusive).toBe(true);
    // No tax, or figures that fit neither rule: not said.
    expect(amountsOf({ amount_subtotal: 3000, amount_tax: 0, amount_total: 3000, currency: "USD" }).taxInclusive).toBeNull();
    expect(amountsOf({ amount: 1999, currency: "USD" }).taxInclusive).toBeNull();
  });
});

// Each case below fails on the adapter before this change (unpaid read as past_due,
// refund.succeeded and dispute.closed ignored, invoice.paid without its invoice/payment, no
// livemode, no deploymentMode).
describe("faststar money mappings", () => {
  it("subscription.updated with status unpaid: unpaid (no access), not past_due", () => {
    expect(normalizeFaststarEvent(envelope("subscription.updated", { subscription_id: "sub_1", status: "unpaid" })).subscription).toMatchObject({ id: "sub_1", status: "unpaid" });
  });

  it("refund.succeeded: this refund by its id (never a running total); payment.refunded: the running total only", () => {
    const refund = normalizeFaststarEvent(envelope("refund.succeeded", { refund_id: "re_1", payment_id: "pi_1", amount: 300, currency: "USD", status: "succeeded", client_reference_id: "our_1", invoice_id: "in_1" }));
    expect(refund).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1", payment: { id: "pi_1", refunds: [{ id: "re_1", amount: 300, currency: "usd" }] }, invoice: { id: "in_1" } });
    expect(refund.payment!.amountRefunded ?? null).toBeNull();
    const running = normalizeFaststarEvent(envelope("payment.refunded", { payment_id: "pi_1", amount: 1000, amount_refunded: 300, currency: "USD", status: "partially_refunded" }));
    expect(running.payment).toMatchObject({ id: "pi_1", amountRefunded: 300, refunded: false, refunds: [] });
    // Nothing about money is ignored for want of an id: billing matches or retries it.
    expect(normalizeFaststarEvent(envelope("refund.succeeded", { amount: 300 }))).toMatchObject({ kind: "payment.refunded", payment: { id: "", refunds: [] } });
    expect(normalizeFaststarEvent(envelope("payment.refunded", { amount_refunded: 300, client_reference_id: "our_1" }))).toMatchObject({ kind: "payment.refunded", ourCheckoutId: "our_1" });
  });

  it("disputes: created opens; closed with won / lost decides; updated keeps it open unless it carries an outcome", () => {
    const data = { dispute_id: "dp_1", payment_id: "pi_1", amount: 1000, currency: "USD", client_reference_id: "our_1" };
    expect(normalizeFaststarEvent(envelope("dispute.created", { ...data, status: "needs_response" }))).toMatchObject({ kind: "dispute.created", dispute: { id: "dp_1", status: "open", amount: 1000, currency: "usd" }, payment: { id: "pi_1" } });
    expect(normalizeFaststarEvent(envelope("dispute.closed", { ...data, status: "won" }))).toMatchObject({ kind: "dispute.closed", dispute: { id: "dp_1", status: "won" } });
    expect(normalizeFaststarEvent(envelope("dispute.closed", { ...data, status: "lost" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "lost" } });
    // A closed dispute whose outcome is not readable stays open (suspended) rather than guessed.
    expect(normalizeFaststarEvent(envelope("dispute.closed", { ...data, status: "charge_refunded" }))).toMatchObject({ kind: "dispute.created", dispute: { status: "open" } });
    expect(normalizeFaststarEvent(envelope("dispute.updated", { ...data, status: "under_review" }))).toMatchObject({ kind: "dispute.created", dispute: { status: "open" } });
    expect(normalizeFaststarEvent(envelope("dispute.updated", { ...data, status: "lost" }))).toMatchObject({ kind: "dispute.closed", dispute: { status: "lost" } });
  });

  it("invoice.paid: the invoice (first or not, due and paid) and the payment its refunds and disputes carry", () => {
    const data = { invoice_id: "in_2", subscription_id: "sub_1", payment_id: "pi_2", status: "paid", amount: 900, amount_due: 900, amount_paid: 900, currency: "USD", period_end: "2027-02-15T00:00:00Z", billing_reason: "subscription_cycle" };
    expect(normalizeFaststarEvent(envelope("invoice.paid", data))).toMatchObject({
      kind: "invoice.paid",
      subscriptionId: "sub_1",
      invoice: { id: "in_2", firstPayment: false, amountDue: 900, amountPaid: 900, currency: "usd" },
      payment: { id: "pi_2", amount: 900, currency: "usd" },
    });
    expect(normalizeFaststarEvent(envelope("invoice.paid", { ...data, billing_reason: "subscription_create" })).invoice!.firstPayment).toBe(true);
    expect(normalizeFaststarEvent(envelope("invoice.paid", { ...data, amount_paid: 400 })).invoice).toMatchObject({ amountDue: 900, amountPaid: 400 });
  });

  it("livemode from the envelope; deploymentMode from the key (_live_ / _test_ / neither)", () => {
    expect(normalizeFaststarEvent(envelope("subscription.updated", { subscription_id: "sub_1", status: "active" }, true)).livemode).toBe(true);
    expect(normalizeFaststarEvent(envelope("subscription.updated", { subscription_id: "sub_1", status: "active" }, false)).livemode).toBe(false);
    const noMode: Json = envelope("subscription.updated", { subscription_id: "sub_1", status: "active" });
    delete noMode.livemode;
    expect(normalizeFaststarEvent(noMode).livemode ?? null).toBeNull();
    expect(faststarDeploymentMode({ FASTSTAR_API_KEY: "fs_live_abc" })).toBe("live");
    expect(faststarDeploymentMode({ FASTSTAR_API_KEY: "fs_test_abc" })).toBe("test");
    expect(faststarDeploymentMode({ FASTSTAR_API_KEY: "abc123" })).toBeNull();
    expect(faststarDeploymentMode({})).toBeNull();
    process.env.FASTSTAR_API_KEY = "sk_live_1";
    expect(faststarProvider.deploymentMode!()).toBe("live");
  });
});

describe("faststar sandbox money controls: the events FastStar sends, normalized", () => {
  let sandbox: FaststarSandbox;
  beforeAll(async () => {
    sandbox = await startFaststarSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });

  async function newEvents(since: number): Promise<PaymentEvent[]> {
    return (await sandbox.events()).slice(since).map((event) => normalizeFaststarEvent(event));
  }

  async function paidSession(priceId: string, options: { buyerCountry?: string; paid?: { amount: number; currency?: string } } = {}) {
    const controls = faststarMoneyControls(sandbox);
    const mode = priceId.endsWith("_monthly") ? "subscription" : "payment";
    const created = await sandbox.api<{ session: { id: string } }>("POST", "/api/v1/public/checkout/sessions", {
      body: { mode, presentation: "link", line_items: [{ price_id: priceId, quantity: 1 }], success_url: "https://app.example/s", cancel_url: "https://app.example/c", client_reference_id: `our_${Date.now()}`, ...(options.buyerCountry ? { buyer_country: options.buyerCountry } : {}) },
    });
    const sessionId = created.body.data!.session.id;
    const before = (await sandbox.events()).length;
    if (options.paid) await controls.payDifferentAmount(sessionId, options.paid);
    else await sandbox.pay(sessionId);
    const events = await newEvents(before);
    return { controls, sessionId, events, completed: events.find((e) => e.kind === "checkout.completed")! };
  }

  it("payDifferentAmount: payment.succeeded reports the other amount and currency (and, as documented, nothing else); livemode false; tax mode from the session's amounts", async () => {
    const { completed } = await paidSession("price_sbx_lifetime_once", { paid: { amount: 555, currency: "eur" } });
    expect(completed).toMatchObject({ livemode: false, amounts: { total: 555, currency: "eur" }, ourCheckoutId: null, providerSessionId: null });
    const session = async (sessionId: string) =>
      checkoutStateFromSession(sessionFromData((await sandbox.api("GET", `/api/v1/public/checkout/sessions/${sessionId}`)).body.data as Json)!);
    const vat = await paidSession("price_sbx_lifetime_once", { buyerCountry: "DE" });
    expect((await session(vat.sessionId)).amounts).toMatchObject({ taxInclusive: true });
    const us = await paidSession("price_sbx_lifetime_once", { buyerCountry: "US" });
    expect((await session(us.sessionId)).amounts).toMatchObject({ taxInclusive: false });
  });

  it("refund: partial refunds each with their own id (refund.succeeded) beside the running total (payment.refunded)", async () => {
    const { controls, completed } = await paidSession("price_sbx_lifetime_once");
    const paymentId = completed.payment!.id;
    const total = completed.amounts!.total!;
    const before = (await sandbox.events()).length;
    await controls.refund(paymentId, 100);
    await controls.refund(paymentId, 250);
    await controls.refund(paymentId);
    const events = await newEvents(before);
    const single = events.filter((e) => e.type === "refund.succeeded");
    const running = events.filter((e) => e.type === "payment.refunded");
    expect(single.map((e) => e.payment!.refunds![0].amount)).toEqual([100, 250, total - 350]);
    expect(new Set(single.map((e) => e.payment!.refunds![0].id)).size).toBe(3);
    expect(single.every((e) => e.payment!.id === paymentId && e.ourCheckoutId?.startsWith("our_"))).toBe(true);
    expect(running.map((e) => e.payment!.amountRefunded)).toEqual([100, 350, total]);
    expect(running.map((e) => e.payment!.refunded)).toEqual([false, false, true]);
  });

  it("dispute: opened, then won; another opened, then lost", async () => {
    const { controls, completed } = await paidSession("price_sbx_lifetime_once");
    const paymentId = completed.payment!.id;
    const before = (await sandbox.events()).length;
    await controls.dispute(paymentId, "open");
    await controls.dispute(paymentId, "won");
    await controls.dispute(paymentId, "open");
    await controls.dispute(paymentId, "lost");
    const disputes = await newEvents(before);
    expect(disputes.map((e) => [e.kind, e.dispute!.status, e.payment!.id])).toEqual([
      ["dispute.created", "open", paymentId],
      ["dispute.closed", "won", paymentId],
      ["dispute.created", "open", paymentId],
      ["dispute.closed", "lost", paymentId],
    ]);
    expect(disputes[0].dispute!.id).toBe(disputes[1].dispute!.id);
    expect(disputes[2].dispute!.id).not.toBe(disputes[0].dispute!.id);
    await expect(controls.dispute(paymentId, "won")).rejects.toThrow(/no open dispute/);
  });

  it("a subscription: the first invoice is the checkout's payment; a renewal's invoice names its own payment; failRenewal → past_due, markUnpaid → unpaid", async () => {
    const { controls, completed, events } = await paidSession("price_sbx_starter_monthly");
    const first = events.find((e) => e.kind === "invoice.paid")!;
    expect(first).toMatchObject({ invoice: { firstPayment: true, amountPaid: completed.amounts!.total }, payment: { id: completed.payment!.id } });
    const subscriptionId = first.subscriptionId!;

    let before = (await sandbox.events()).length;
    await sandbox.control("POST", `/faststar/subscriptions/${subscriptionId}/advance`, { action: "renew" });
    const renewalEvents = await newEvents(before);
    const renewal = renewalEvents.find((e) => e.kind === "invoice.paid")!;
    expect(renewal).toMatchObject({ invoice: { firstPayment: false, amountDue: 900, amountPaid: 900 } });
    expect(renewal.payment!.id).not.toBe(completed.payment!.id);
    // The renewal's own payment.succeeded names only the payment (as documented): billing finds
    // it recorded by the renewal's invoice, and takes nothing more from it.
    expect(renewalEvents.find((e) => e.type === "payment.succeeded")).toMatchObject({ kind: "checkout.completed", ourCheckoutId: null, providerSessionId: null, payment: { id: renewal.payment!.id } });

    before = (await sandbox.events()).length;
    await controls.refund(renewal.payment!.id, 200);
    const [refund] = await newEvents(before);
    expect(refund).toMatchObject({ kind: "payment.refunded", payment: { id: renewal.payment!.id, refunds: [{ amount: 200 }] }, invoice: { id: renewal.invoice!.id } });

    before = (await sandbox.events()).length;
    await controls.failRenewal(subscriptionId);
    await controls.markUnpaid(subscriptionId);
    const statuses = (await newEvents(before)).filter((e) => e.type === "subscription.updated").map((e) => e.subscription!.status);
    expect(statuses).toEqual(["past_due", "unpaid"]);
  });
});
