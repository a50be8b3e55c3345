// Creem's money events as the sandbox emits them, checked against the official SDK's own
// webhook schemas (creem@1.13.0 models/components): subscription.paid with its last
// transaction, refunds (several, partial, each with its own id) with the transaction's running
// total, disputes, a failed renewal (past_due) and the end of retries (unpaid), `mode: "test"`.
import { Creem } from "creem";
import { webhookRefundCreatedEventEntityFromJSON, webhookSubscriptionPaidEventEntityFromJSON } from "creem/models/components";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type SandboxHandle } from "../server";

const KEY = "creem_test_sandbox_money";
type Json = Record<string, unknown>;
type Event = { id: string; eventType: string; created_at: number; object: Json };

let sb: SandboxHandle;
let creem: Creem;

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sb.urls.creem}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const events = async () => (await control<{ events: Event[] }>("GET", "/creem/events")).body.events;

beforeAll(async () => {
  sb = await startSandbox({ port: 0, log: false, providers: ["creem"], webhookUrls: { creem: null }, env: {} });
  creem = new Creem({ apiKey: KEY, serverURL: sb.urls.creem, retryConfig: { strategy: "none" } });
});
afterAll(async () => {
  await sb.stop();
});

describe("creem sandbox: money events", () => {
  it("subscription.paid carries last_transaction (a TransactionEntity the SDK's webhook schema accepts); renewals are new transactions", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_starter_monthly", requestId: "chk_m1" });
    const before = (await events()).length;
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    const subId = ((await creem.checkouts.retrieve(c.id)).subscription as { id: string }).id;
    await control("POST", `/creem/subscriptions/${subId}/advance`, { action: "renew" });
    const paid = (await events()).slice(before).filter((e) => e.eventType === "subscription.paid");
    expect(paid).toHaveLength(2);
    for (const event of paid) {
      const parsed = webhookSubscriptionPaidEventEntityFromJSON(JSON.stringify(event));
      expect(parsed.ok, JSON.stringify(!parsed.ok && parsed.error)).toBe(true);
      expect(event.object).toMatchObject({ mode: "test", last_transaction: { id: event.object.last_transaction_id, mode: "test", status: "paid", type: "invoice", currency: "USD" } });
    }
    const [first, renewal] = paid.map((e) => e.object.last_transaction as Json);
    const completed = (await events()).find((e) => e.eventType === "checkout.completed" && e.object.id === c.id)!;
    expect((completed.object.order as Json).transaction).toBe(first.id);
    expect(renewal.id).not.toBe(first.id);
    expect(renewal.amount_paid).toBe(900);
    expect(renewal.period_start).toBe(first.period_end);
  });

  it("several partial refunds: each its own refund id and refund_amount, the transaction's refunded_amount running; a full refund parses with the SDK", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_lifetime_once", requestId: "chk_m2" });
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    const transactionId = (await creem.checkouts.retrieve(c.id)).order!.transaction!;
    const before = (await events()).length;
    expect((await control("POST", "/creem/refunds", { transaction_id: transactionId, amount: 1000 })).status).toBe(200);
    expect((await control("POST", "/creem/refunds", { transaction_id: transactionId, amount: 2000 })).status).toBe(200);
    expect((await creem.transactions.refund({ transactionId })).status).toBe("succeeded");
    const refunds = (await events()).slice(before).filter((e) => e.eventType === "refund.created");
    expect(refunds.map((e) => e.object.refund_amount)).toEqual([1000, 2000, 14900 - 3000]);
    expect(new Set(refunds.map((e) => e.object.id)).size).toBe(3);
    expect(refunds.map((e) => (e.object.transaction as Json).refunded_amount)).toEqual([1000, 3000, 14900]);
    expect(refunds.every((e) => (e.object.transaction as Json).id === transactionId && e.object.mode === "test")).toBe(true);
    const full = webhookRefundCreatedEventEntityFromJSON(JSON.stringify(refunds[2]));
    expect(full.ok, JSON.stringify(!full.ok && full.error)).toBe(true);
    expect((await control("POST", "/creem/refunds", { transaction_id: transactionId, amount: 1 })).status).toBe(400);
  });

  it("a completion reporting another amount/currency (control API): the order and its transaction say so", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_lifetime_once", requestId: "chk_m3" });
    expect((await control("POST", `/creem/sessions/${c.id}/complete`, { amount: 777, currency: "eur" })).status).toBe(200);
    const order = (await creem.checkouts.retrieve(c.id)).order!;
    expect(order).toMatchObject({ amountPaid: 777, currency: "EUR", amountDue: 14900 });
    const other = await creem.checkouts.create({ productId: "prod_sbx_lifetime_once", requestId: "chk_m3b" });
    expect((await control("POST", `/creem/sessions/${other.id}/complete`, { amount: -1 })).status).toBe(400);
  });

  it("a dispute on the transaction; failed renewal → subscription.past_due; end of retries → subscription.unpaid", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_starter_monthly", requestId: "chk_m4" });
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    const checkout = await creem.checkouts.retrieve(c.id);
    const subId = (checkout.subscription as { id: string }).id;
    const before = (await events()).length;
    await control("POST", "/creem/disputes", { transaction_id: checkout.order!.transaction });
    await control("POST", `/creem/subscriptions/${subId}/advance`, { action: "payment_failed" });
    await control("POST", `/creem/subscriptions/${subId}/advance`, { action: "unpaid" });
    const emitted = (await events()).slice(before);
    expect(emitted.map((e) => e.eventType)).toEqual(["dispute.created", "subscription.past_due", "subscription.unpaid"]);
    expect(emitted[0].object).toMatchObject({ object: "dispute", mode: "test", amount: 900, currency: "USD", transaction: { id: checkout.order!.transaction } });
    expect(emitted[0].object.id).toMatch(/^disp_/);
    expect(emitted.slice(1).map((e) => e.object.status)).toEqual(["past_due", "unpaid"]);
    expect((await creem.subscriptions.get(subId)).status).toBe("unpaid");
  });
});
