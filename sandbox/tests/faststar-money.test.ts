// FastStar's money events as the sandbox emits them (the docs name the events and the
// envelope, not their payloads: the shapes are the sandbox's unconfirmed ones, pinned here):
// refund.succeeded per refund beside payment.refunded's running total, disputes opened and
// closed won/lost, invoice.paid naming its payment, past_due then unpaid, livemode false.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type SandboxHandle } from "../server";

const KEY = "fs_test_sandbox_money";
type Json = Record<string, unknown>;
type Event = { id: string; type: string; created: number; data: Json; livemode: boolean; api_version: string };

let sb: SandboxHandle;

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sb.urls.faststar}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const events = async () => (await control<{ events: Event[] }>("GET", "/faststar/events")).body.events;

async function session(priceId: string, extra: Json = {}): Promise<string> {
  const res = await fetch(`${sb.urls.faststar}/api/v1/public/checkout/sessions`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: JSON.stringify({ mode: priceId.endsWith("_monthly") ? "subscription" : "payment", presentation: "link", line_items: [{ price_id: priceId, quantity: 1 }], success_url: "https://app.example/s", cancel_url: "https://app.example/c", client_reference_id: "chk_money", ...extra }),
  });
  return ((await res.json()) as { data: { session: { id: string } } }).data.session.id;
}

beforeAll(async () => {
  sb = await startSandbox({ port: 0, log: false, providers: ["faststar"], webhookUrls: { faststar: null }, env: {} });
});
afterAll(async () => {
  await sb.stop();
});

describe("faststar sandbox: money events", () => {
  it("refunds: refund.succeeded with its own id and amount per refund, payment.refunded with the running total", async () => {
    const id = await session("price_sbx_lifetime_once");
    const before = (await events()).length;
    const paid = (await control<{ session: { payment_id: string } }>("POST", `/faststar/sessions/${id}/complete`, {})).body.session.payment_id;
    await control("POST", `/faststar/payments/${paid}/refund`, { amount: 1000 });
    await control("POST", `/faststar/payments/${paid}/refund`, {});
    const emitted = (await events()).slice(before);
    expect(emitted.every((e) => e.livemode === false)).toBe(true);
    const single = emitted.filter((e) => e.type === "refund.succeeded").map((e) => e.data);
    expect(single).toMatchObject([
      { payment_id: paid, amount: 1000, currency: "USD", status: "succeeded", client_reference_id: "chk_money", checkout_session_id: id },
      { payment_id: paid, amount: 14900 - 1000 },
    ]);
    expect(single[0].refund_id).toMatch(/^re_/);
    expect(single[0].refund_id).not.toBe(single[1].refund_id);
    expect(emitted.filter((e) => e.type === "payment.refunded").map((e) => [e.data.amount_refunded, e.data.status])).toEqual([
      [1000, "partially_refunded"],
      [14900, "refunded"],
    ]);
  });

  it("disputes: created (needs_response), then closed won; a second one closed lost; no outcome without an open dispute", async () => {
    const id = await session("price_sbx_lifetime_once");
    const paid = (await control<{ session: { payment_id: string } }>("POST", `/faststar/sessions/${id}/complete`, {})).body.session.payment_id;
    const before = (await events()).length;
    for (const outcome of ["open", "won", "open", "lost"]) expect((await control("POST", `/faststar/payments/${paid}/dispute`, { outcome })).status).toBe(200);
    expect((await control("POST", `/faststar/payments/${paid}/dispute`, { outcome: "won" })).status).toBe(409);
    expect((await control("POST", `/faststar/payments/${paid}/dispute`, { outcome: "maybe" })).status).toBe(400);
    const disputes = (await events()).slice(before).map((e) => [e.type, e.data.status, e.data.payment_id]);
    expect(disputes).toEqual([
      ["dispute.created", "needs_response", paid],
      ["dispute.closed", "won", paid],
      ["dispute.created", "needs_response", paid],
      ["dispute.closed", "lost", paid],
    ]);
  });

  it("a completion reporting another amount/currency (control API); invoice.paid names its payment; past_due, then unpaid (no more renewals)", async () => {
    const odd = await session("price_sbx_lifetime_once");
    const done = await control<{ session: { payment_id: string } }>("POST", `/faststar/sessions/${odd}/complete`, { amount: 321, currency: "eur" });
    expect((await control<{ payment: Json }>("GET", `/faststar/payments/${done.body.session.payment_id}`)).body.payment).toMatchObject({ amount: 321, currency: "EUR" });

    const id = await session("price_sbx_starter_monthly");
    const before = (await events()).length;
    await control("POST", `/faststar/sessions/${id}/complete`, {});
    const created = (await events()).slice(before);
    const subId = created.find((e) => e.type === "subscription.created")!.data.subscription_id as string;
    const payment = created.find((e) => e.type === "payment.succeeded")!.data;
    expect(created.find((e) => e.type === "invoice.paid")!.data).toMatchObject({ payment_id: payment.payment_id, billing_reason: "subscription_create", amount_paid: payment.amount });

    const mark = (await events()).length;
    await control("POST", `/faststar/subscriptions/${subId}/advance`, { action: "payment_failed" });
    await control("POST", `/faststar/subscriptions/${subId}/advance`, { action: "unpaid" });
    await control("POST", "/clock/advance", { days: 70 });
    const later = (await events()).slice(mark);
    expect(later.filter((e) => e.type === "subscription.updated").map((e) => e.data.status)).toEqual(["past_due", "unpaid"]);
    expect(later.some((e) => e.type === "invoice.paid")).toBe(false);
  });
});
