import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../core/webhooks";
import { SECRET, card, startReceiver, startStripe, submitPage, tshirt, type Receiver, type TestSandbox } from "./helpers";

let t: TestSandbox;
let stripe: Stripe;
let rx: Receiver;

beforeAll(async () => {
  t = await startStripe();
  stripe = t.stripe;
});
afterAll(() => t.stop());
beforeEach(async () => {
  await t.control("POST", "/reset");
  rx = await startReceiver();
  const r = await t.control("POST", "/stripe/webhooks/endpoint", { url: rx.url });
  expect(r.status).toBe(200);
});
afterEach(() => rx.close());

async function deliveries(): Promise<DeliveryRecord[]> {
  return (await t.control<{ deliveries: DeliveryRecord[] }>("GET", "/stripe/webhooks/deliveries")).body.deliveries;
}
async function waitIdle(): Promise<void> {
  const r = await t.control("POST", "/stripe/webhooks/wait", { timeoutMs: 8000 });
  expect(r.status).toBe(200);
}
async function paidSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}): Promise<Stripe.Checkout.Session> {
  const s = await tshirt(stripe, extra);
  const res = await t.control<{ outcome: string }>("POST", `/stripe/sessions/${s.id}/complete`, { card: "4242424242424242" });
  expect(res.body.outcome).toBe("succeeded");
  return s;
}

describe("webhook delivery", () => {
  it("signs checkout.session.completed so stripe.webhooks.constructEvent accepts it", async () => {
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4242424242424242"));
    expect(res.status).toBe(303);
    const [got] = await rx.waitFor(1);
    expect(got.verifyError).toBeNull();
    const event = got.event!;
    expect(event).toMatchObject({ object: "event", type: "checkout.session.completed", api_version: "2026-10-28.endive", livemode: false, pending_webhooks: 1 });
    expect(event.id).toMatch(/^evt_/);
    const obj = event.data.object as Stripe.Checkout.Session;
    expect(obj).toMatchObject({ id: s.id, status: "complete", payment_status: "paid", client_reference_id: "chk_123", metadata: { checkout_id: "chk_123" } });
    expect(got.headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(got.headers["content-type"]).toMatch(/^application\/json/);
    // The retrievable event is the same object.
    expect((await stripe.events.retrieve(event.id)).type).toBe("checkout.session.completed");
    // A receiver with the wrong secret must reject the same bytes.
    expect(() => Stripe.webhooks.constructEvent(got.raw, String(got.headers["stripe-signature"]), "whsec_wrong")).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("a subscription checkout sends subscription.created, invoice.paid, then checkout.session.completed", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
    const s = await stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://localhost:3000/ok", line_items: [{ price: price.id, quantity: 1 }], metadata: { checkout_id: "c1" } });
    await t.control("POST", `/stripe/sessions/${s.id}/complete`, {});
    const got = await rx.waitFor(3);
    expect(got.map((g) => g.event?.type)).toEqual(["customer.subscription.created", "invoice.paid", "checkout.session.completed"]);
    expect(got.every((g) => g.verifyError === null)).toBe(true);
    const sub = got[0].event!.data.object as Stripe.Subscription;
    const inv = got[1].event!.data.object as Stripe.Invoice;
    expect(sub.status).toBe("active");
    expect(inv.parent?.subscription_details?.subscription).toBe(sub.id);
    expect((got[2].event!.data.object as Stripe.Checkout.Session).subscription).toBe(sub.id);
  });

  it("retries after the receiver answers 500: same event id, fresh signature, attempts counted", async () => {
    rx.respond = (i) => (i < 2 ? 500 : 200);
    await paidSession();
    const got = await rx.waitFor(3, 5000);
    expect(new Set(got.map((g) => g.event!.id)).size).toBe(1);
    expect(got.map((g) => g.status)).toEqual([500, 500, 200]);
    expect(got.every((g) => g.verifyError === null)).toBe(true);
    expect(got[0].raw).toBe(got[2].raw);
    await waitIdle();
    const [d] = await deliveries();
    expect(d).toMatchObject({ type: "checkout.session.completed", state: "delivered" });
    expect(d.attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it("gives up after the retry schedule (1 + 3 attempts) and marks the delivery failed", async () => {
    rx.respond = () => 503;
    await paidSession();
    await rx.waitFor(4, 5000);
    await waitIdle();
    const [d] = await deliveries();
    expect(d.state).toBe("failed");
    expect(d.attempts).toHaveLength(4);
    expect(rx.received).toHaveLength(4);
  });

  it("retries on network errors too", async () => {
    const dead = "http://127.0.0.1:9/unreachable";
    await t.control("POST", "/stripe/webhooks/endpoint", { url: dead });
    await paidSession();
    await new Promise((r) => setTimeout(r, 50));
    await t.control("POST", "/stripe/webhooks/endpoint", { url: rx.url });
    const got = await rx.waitFor(1, 5000);
    expect(got[0].verifyError).toBeNull();
    await waitIdle();
    const [d] = await deliveries();
    expect(d.attempts[0].error).toBeTruthy();
    expect(d.attempts[0].status).toBeNull();
    expect(d.state).toBe("delivered");
  });

  it("failNextDeliveries drops attempts inside the sandbox so retries kick in", async () => {
    await t.control("POST", "/stripe/webhooks/behaviour", { failNextDeliveries: 2 });
    await paidSession();
    await rx.waitFor(1, 5000);
    await waitIdle();
    const [d] = await deliveries();
    expect(d.attempts.map((a) => a.simulatedFailure)).toEqual([true, true, false]);
    expect(rx.received).toHaveLength(1);
  });

  it("duplicate sends N extra copies of the same event", async () => {
    await t.control("POST", "/stripe/webhooks/behaviour", { duplicate: 2 });
    await paidSession();
    const got = await rx.waitFor(3);
    await waitIdle();
    expect(new Set(got.map((g) => g.event!.id)).size).toBe(1);
    expect((await deliveries()).map((d) => d.copy)).toEqual([0, 1, 2]);
  });

  it("reorder: reverse delivers a batch of events in reverse order", async () => {
    await t.control("POST", "/stripe/webhooks/behaviour", { reorder: "reverse", reorderWindowMs: 5000 });
    const a = await paidSession();
    const b = await paidSession();
    const c = await paidSession();
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.received).toHaveLength(0);
    expect((await deliveries()).every((d) => d.state === "held")).toBe(true);
    const flushed = await t.control<{ released: number }>("POST", "/stripe/webhooks/flush");
    expect(flushed.body.released).toBe(3);
    const got = await rx.waitFor(3);
    expect(got.map((g) => (g.event!.data.object as Stripe.Checkout.Session).id)).toEqual([c.id, b.id, a.id]);
  });

  it("pause holds deliveries (the success page can come first) until flush/resume", async () => {
    await t.control("POST", "/stripe/webhooks/pause");
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4242424242424242"));
    expect(res.status).toBe(303);
    await new Promise((r) => setTimeout(r, 150));
    expect(rx.received).toHaveLength(0);
    expect((await deliveries())[0].state).toBe("held");
    const idle = await t.control("POST", "/stripe/webhooks/wait", { timeoutMs: 100, includeHeld: true });
    expect(idle.status).toBe(408);
    await t.control("POST", "/stripe/webhooks/resume");
    await rx.waitFor(1);
    expect(rx.received[0].event!.type).toBe("checkout.session.completed");
  });

  it("delayMs postpones the first attempt", async () => {
    await t.control("POST", "/stripe/webhooks/behaviour", { delayMs: 300 });
    const started = Date.now();
    await paidSession();
    await rx.waitFor(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it("clock advance past 24 h expires open sessions and emits checkout.session.expired", async () => {
    const s = await tshirt(stripe);
    await t.control("POST", "/clock/advance", { hours: 23 });
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    await t.control("POST", "/clock/advance", { hours: 1, seconds: 1 });
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("expired");
    const [got] = await rx.waitFor(1);
    expect(got.verifyError).toBeNull(); // signature uses real time, so it still verifies
    expect(got.event).toMatchObject({ type: "checkout.session.expired", data: { object: { id: s.id, status: "expired" } } });
    const page = await fetch(`${t.origin}/pay/stripe/${s.id}`);
    expect(page.status).toBe(410);
  });

  it("expire via the API emits checkout.session.expired carrying the request id", async () => {
    const s = await tshirt(stripe);
    const expired = await stripe.checkout.sessions.expire(s.id);
    const [got] = await rx.waitFor(1);
    expect(got.event!.type).toBe("checkout.session.expired");
    expect((got.event!.request as { id: string }).id).toBe(expired.lastResponse.requestId);
  });

  it("subscriptions: renewal via clock → invoice.paid; cancel_at_period_end → deleted at period end", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
    const s = await stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://localhost:3000/ok", line_items: [{ price: price.id, quantity: 1 }] });
    await t.control("POST", `/stripe/sessions/${s.id}/complete`, {});
    await rx.waitFor(3);
    const subId = (await stripe.checkout.sessions.retrieve(s.id)).subscription as string;
    const firstEnd = (await stripe.subscriptions.retrieve(subId)).items.data[0].current_period_end;

    await t.control("POST", "/clock/advance", { days: 32 });
    const renewal = await rx.waitFor(5);
    expect(renewal.slice(3).map((g) => g.event!.type)).toEqual(["customer.subscription.updated", "invoice.paid"]);
    const inv = renewal[4].event!.data.object as Stripe.Invoice;
    expect(inv).toMatchObject({ billing_reason: "subscription_cycle", amount_paid: 900, status: "paid" });
    const renewed = await stripe.subscriptions.retrieve(subId);
    expect(renewed.items.data[0].current_period_start).toBe(firstEnd);

    await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    const upd = await rx.waitFor(6);
    expect(upd[5].event).toMatchObject({ type: "customer.subscription.updated", data: { previous_attributes: { cancel_at_period_end: false } } });
    await t.control("POST", "/clock/advance", { days: 32 });
    const end = await rx.waitFor(7);
    expect(end[6].event).toMatchObject({ type: "customer.subscription.deleted", data: { object: { id: subId, status: "canceled" } } });
  });

  it("control advance: renew, payment_failed and cancel emit their events", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "year" } });
    const s = await stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://localhost:3000/ok", line_items: [{ price: price.id, quantity: 2 }] });
    await t.control("POST", `/stripe/sessions/${s.id}/complete`, {});
    await rx.waitFor(3);
    const subId = (await stripe.checkout.sessions.retrieve(s.id)).subscription as string;
    await t.control("POST", `/stripe/subscriptions/${subId}/advance`, { action: "renew" });
    await t.control("POST", `/stripe/subscriptions/${subId}/advance`, { action: "payment_failed" });
    const r = await t.control<{ subscription: Stripe.Subscription }>("POST", `/stripe/subscriptions/${subId}/advance`, { action: "cancel" });
    expect(r.body.subscription.status).toBe("canceled");
    const got = await rx.waitFor(8);
    expect(got.slice(3).map((g) => g.event!.type)).toEqual([
      "customer.subscription.updated",
      "invoice.paid",
      "customer.subscription.updated",
      "invoice.payment_failed",
      "customer.subscription.deleted",
    ]);
    expect((got[4].event!.data.object as Stripe.Invoice).amount_paid).toBe(1800);
  });

  it("DELETE /v1/subscriptions/:id emits customer.subscription.deleted", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 900, recurring: { interval: "month" } });
    const s = await stripe.checkout.sessions.create({ mode: "subscription", success_url: "http://localhost:3000/ok", line_items: [{ price: price.id, quantity: 1 }] });
    await t.control("POST", `/stripe/sessions/${s.id}/complete`, {});
    await rx.waitFor(3);
    const subId = (await stripe.checkout.sessions.retrieve(s.id)).subscription as string;
    await stripe.subscriptions.cancel(subId);
    const got = await rx.waitFor(4);
    expect(got[3].event).toMatchObject({ type: "customer.subscription.deleted", data: { object: { id: subId, status: "canceled" } } });
  });

  it("refunds emit charge.refunded", async () => {
    const s = await paidSession();
    await rx.waitFor(1);
    const pi = (await stripe.checkout.sessions.retrieve(s.id)).payment_intent as string;
    await stripe.refunds.create({ payment_intent: pi });
    const got = await rx.waitFor(2);
    expect(got[1].event).toMatchObject({
      type: "charge.refunded",
      data: { object: { object: "charge", payment_intent: pi, refunded: true, amount_refunded: 4000 }, previous_attributes: { amount_refunded: 0, refunded: false } },
    });
  });

  it("uses the configured secret (STRIPE_WEBHOOK_SECRET) for signatures", async () => {
    await t.control("POST", "/stripe/webhooks/endpoint", { url: rx.url, secret: "whsec_rotated" });
    await paidSession();
    const [got] = await rx.waitFor(1);
    expect(got.verifyError).not.toBeNull();
    expect(Stripe.webhooks.constructEvent(got.raw, String(got.headers["stripe-signature"]), "whsec_rotated").type).toBe("checkout.session.completed");
    expect(SECRET).not.toBe("whsec_rotated");
  });
});
