import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Creem } from "creem";
import { APIError } from "creem/models/errors";
import { verifyWebhookSignature } from "creem/webhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CREEM_RETRY_SCHEDULE } from "../providers/creem";
import { startSandbox, type SandboxHandle } from "../server";

const KEY = "creem_test_sandbox_vitest";
const SECRET = "whsec_creem_sandbox_vitest";
const SUCCESS = "http://localhost:3000/checkout/success?checkout_id=chk_123";

type Json = Record<string, unknown>;

let sb: SandboxHandle;
let origin: string;
let creem: Creem;

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${origin}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function api(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(key ? { "x-api-key": key } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

function submit(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString(), redirect: "manual" });
}

const card = (number: string, extra: Record<string, string> = {}) => ({ intent: "pay", embedded: "0", card_number: number, card_expiry: "12 / 34", card_cvc: "123", name: "Ada Lovelace", ...extra });

/** The documented redirect signature, computed here independently of the sandbox. */
function docsSignature(pairs: Array<[string, string]>, apiKey: string): string {
  const data = pairs.filter(([, v]) => v !== "").map(([k, v]) => `${k}=${v}`).concat(`salt=${apiKey}`).join("|");
  return createHash("sha256").update(data).digest("hex");
}

function embedConfig(html: string): Json {
  const m = /<script type="application\/json" id="creem-embed-config">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no creem-embed-config in page");
  return JSON.parse(m[1]) as Json;
}

function pack(extra: Partial<Parameters<Creem["checkouts"]["create"]>[0]> = {}) {
  return creem.checkouts.create({
    productId: "prod_sbx_credits_100_pack",
    requestId: "chk_123",
    units: 3,
    successUrl: SUCCESS,
    metadata: { checkout_id: "chk_123" },
    customer: { email: "buyer@example.com" },
    ...extra,
  });
}

beforeAll(async () => {
  sb = await startSandbox({ port: 0, log: false, providers: ["creem"], webhookUrls: { creem: null }, secrets: { creem: SECRET }, retrySchedule: [100, 200, 400], env: {} });
  origin = sb.urls.creem;
  creem = new Creem({ apiKey: KEY, serverURL: origin });
});
afterAll(() => sb.stop());
beforeEach(async () => {
  await control("POST", "/reset");
});

describe("Creem API through the official SDK", () => {
  it("creates a pending checkout (ch_ id, checkout_url on this port, product, units, request_id, metadata) and retrieves it", async () => {
    const c = await pack();
    expect(c).toMatchObject({ mode: "test", object: "checkout", status: "pending", requestId: "chk_123", units: 3, successUrl: SUCCESS, metadata: { checkout_id: "chk_123" } });
    expect(c.id).toMatch(/^ch_[A-Za-z0-9]{22}$/);
    expect(c.checkoutUrl).toBe(`${origin}/pay/creem/${c.id}`);
    expect(c.product).toMatchObject({ id: "prod_sbx_credits_100_pack", price: 1000, currency: "USD", billingType: "onetime", billingPeriod: "once" });
    expect((await creem.checkouts.retrieve(c.id)).id).toBe(c.id);
    const plan = await creem.products.get("prod_sbx_pro_monthly");
    expect(plan).toMatchObject({ billingType: "recurring", billingPeriod: "every-month", trialPeriodDays: 7, price: 2900 });
  });

  it("after payment: order, customer and (for plans) the subscription with the checkout's metadata", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_starter_monthly", requestId: "chk_sub", successUrl: SUCCESS, metadata: { checkout_id: "chk_sub" } });
    expect((await control("POST", `/creem/sessions/${c.id}/complete`, { email: "sub@example.com" })).status).toBe(200);
    const done = await creem.checkouts.retrieve(c.id);
    expect(done.status).toBe("completed");
    expect(done.order).toMatchObject({ status: "paid", type: "recurring", amountPaid: 900, currency: "USD" });
    expect(done.customer).toMatchObject({ email: "sub@example.com" });
    const sub = done.subscription as Exclude<typeof done.subscription, string | undefined>;
    expect(sub).toMatchObject({ status: "active", metadata: { checkout_id: "chk_sub" }, collectionMethod: "charge_automatically" });
    expect(await creem.customers.retrieve(undefined, "sub@example.com")).toMatchObject({ email: "sub@example.com" });

    const scheduled = await creem.subscriptions.cancel(sub.id, { mode: "scheduled" });
    expect(scheduled.status).toBe("scheduled_cancel");
    const now = await creem.subscriptions.cancel(sub.id, { mode: "immediate" });
    expect(now.status).toBe("canceled");
    expect(now.canceledAt).toBeInstanceOf(Date);
    await expect(creem.subscriptions.cancel(sub.id, {})).rejects.toMatchObject({ statusCode: 400 });
  });

  it("discounts: created through the API, prefilled by discount_code, applied to the total", async () => {
    const d = await creem.discounts.create({ name: "Launch", code: "LAUNCH10", type: "fixed", amount: 500, currency: "USD", duration: "once", appliesToProducts: ["prod_sbx_credits_100_pack"] });
    expect(d).toMatchObject({ code: "LAUNCH10", type: "fixed", status: "active" });
    expect((await creem.discounts.get(undefined, "launch10")).id).toBe(d.id);
    const c = await pack({ discountCode: "LAUNCH10" });
    expect(c.discount).toMatchObject({ id: d.id, discountCode: "LAUNCH10" });
    const html = await (await fetch(c.checkoutUrl!)).text();
    expect(html).toContain("Pay $25.00");
    await expect(pack({ discountCode: "NOPE" })).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe("Creem wire contract (raw HTTP)", () => {
  it("auth: no key → 401, a key the sandbox refuses (live) → bare 403, in Creem's error shape", async () => {
    const missing = await api("GET", "/v1/checkouts?checkout_id=ch_x", undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ status: 401, error: "Unauthorized" });
    expect(typeof missing.body.trace_id).toBe("string");
    expect(typeof missing.body.timestamp).toBe("number");
    const live = await api("GET", "/v1/checkouts?checkout_id=ch_x", undefined, "creem_live_123");
    expect(live.status).toBe(403);
    expect(Object.keys(live.body).sort()).toEqual(["error", "status", "timestamp", "trace_id"]);
  });

  it("validation errors list messages; unknown properties refused; not found is 404; unknown routes 404", async () => {
    const invalid = await api("POST", "/v1/checkouts", { units: 0, customer: { email: "nope" }, success_url: "ftp://x", foo: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toEqual(
      expect.arrayContaining(["property foo should not exist", "product_id must be a string", "units must not be less than 1", "customer.email must be an email", "success_url must be a URL address"]),
    );
    expect((await api("POST", "/v1/checkouts", "{nope")).body).toMatchObject({ status: 400, message: ["The request body is not valid JSON."] });
    expect((await api("POST", "/v1/checkouts", { product_id: "prod_missing" })).body).toMatchObject({ status: 404, error: "Not Found", message: ["Product not found"] });
    expect((await api("GET", "/v1/checkouts")).status).toBe(400);
    expect((await api("GET", "/v1/checkouts?checkout_id=ch_missing")).status).toBe(404);
    expect((await api("GET", "/v1/nope")).body).toMatchObject({ status: 404, message: ["Cannot GET /v1/nope"] });
    const custom = await api("POST", "/v1/checkouts", { product_id: "prod_sbx_pro_monthly", custom_price: 500 });
    expect(custom.body.message).toEqual(["custom_price is only supported for one-time payment products"]);
  });

  it("the SDK surfaces Creem errors as APIError with the status and body", async () => {
    const error = await creem.checkouts.retrieve("ch_missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).statusCode).toBe(404);
    expect(JSON.parse((error as APIError).body)).toMatchObject({ message: ["Checkout not found"] });
  });

  it("injected faults answer in Creem's error shape", async () => {
    await control("POST", "/creem/faults", { status: 503, count: 1 });
    const res = await api("GET", "/v1/checkouts?checkout_id=ch_x");
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 503, error: "Service Unavailable" });
    expect(res.headers.get("sandbox-fault")).toBeTruthy();
  });
});

describe("hosted page /pay/creem/:id", () => {
  it("renders the shared labels, the locked email, the total, no Back link, and Creem's embed config", async () => {
    const c = await pack({ customer: { email: "buyer@example.com" } });
    const res = await fetch(c.checkoutUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors *");
    const html = await res.text();
    expect(html).toContain("Creem — sandbox");
    for (const id of ["email", "card_number", "card_expiry", "card_cvc", "name", "discount_code"]) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain(">Email<");
    expect(html).toContain(">Card number<");
    expect(html).toContain("Expiration date <span");
    expect(html).toContain("Security code <span");
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*readonly[^>]*value="buyer@example.com"/);
    expect(html).toContain("Pay $30.00");
    expect(html).toContain("$10.00 each");
    // No Back link: a Creem checkout has no cancel URL.
    expect(html).not.toMatch(/<a [^>]*data-sandbox-cancel/);
    expect(html).not.toMatch(/<a [^>]*>(<span[^>]*>← <\/span>)?Back<\/a>/);
    expect(embedConfig(html)).toEqual({ checkoutId: c.id, ready: true });
    expect(html).not.toContain('id="sandbox-config"');
  });

  it("buttons: Subscribe for a plan, Start trial for a trial plan; the page language follows locale", async () => {
    const sub = await creem.checkouts.create({ productId: "prod_sbx_starter_monthly" });
    expect(await (await fetch(sub.checkoutUrl!)).text()).toMatch(/<button type="submit" class="primary">Subscribe<\/button>/);
    const trial = await creem.checkouts.create({ productId: "prod_sbx_pro_monthly" });
    const trialHtml = await (await fetch(trial.checkoutUrl!)).text();
    expect(trialHtml).toMatch(/<button type="submit" class="primary">Start trial<\/button>/);
    expect(trialHtml).toContain("7 days free");
    const localized = await api("POST", "/v1/checkouts", { product_id: "prod_sbx_lifetime_once", locale: "zh-CN" });
    expect(await (await fetch(localized.body.checkout_url as string)).text()).toContain('<html lang="zh-CN">');
  });

  it("4242 pays: 303 to success_url + Creem's parameters + a signature that matches the documented formula", async () => {
    const c = await pack();
    const res = await submit(c.checkoutUrl!, card("4242 4242 4242 4242"));
    expect(res.status).toBe(303);
    const location = res.headers.get("location")!;
    expect(location.startsWith(`${SUCCESS}&request_id=chk_123&checkout_id=${c.id}&order_id=ord_`)).toBe(true);
    const params = [...new URL(location).searchParams.entries()];
    const keys = params.map(([k]) => k);
    expect(keys).toEqual(["checkout_id", "request_id", "checkout_id", "order_id", "customer_id", "product_id", "signature"]);
    const creemPairs = params.slice(1, -1);
    expect(params.at(-1)![1]).toBe(docsSignature(creemPairs, KEY));
    expect(params.at(-1)![1]).not.toBe(docsSignature(creemPairs, "creem_test_other"));
    const done = await creem.checkouts.retrieve(c.id);
    expect(done.status).toBe("completed");
    expect(done.order?.amountPaid).toBe(3000);
    // Completed: the page says so and offers the same signed URL; paying again changes nothing.
    const again = await fetch(c.checkoutUrl!);
    expect(await again.text()).toContain("already complete");
    expect((await submit(c.checkoutUrl!, card("4242424242424242"))).status).toBe(200);
    expect((await creem.checkouts.retrieve(c.id)).order?.id).toBe(done.order?.id);
  });

  it("4000 0000 0000 0002 is declined (402, role=alert) and the checkout stays pending and payable", async () => {
    const c = await pack();
    const declined = await submit(c.checkoutUrl!, card("4000 0000 0000 0002"));
    expect(declined.status).toBe(402);
    expect(await declined.text()).toMatch(/<div class="alert" role="alert" id="form-error">Your card was declined.<\/div>/);
    expect((await creem.checkouts.retrieve(c.id)).status).toBe("pending");
    expect((await submit(c.checkoutUrl!, card("4242424242424242"))).status).toBe(303);
  });

  it("asks for an email when none is locked, and validates card fields", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_lifetime_once", successUrl: SUCCESS });
    const bad = await submit(c.checkoutUrl!, card("4242 4242 4242 4241", { card_cvc: "1" }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Your email is incomplete.");
    expect(html).toContain("Your card number is invalid.");
    expect(html).toMatch(/id="card_number"[^>]*aria-invalid="true"/);
    const ok = await submit(c.checkoutUrl!, card("4242424242424242", { email: "new@example.com" }));
    expect(ok.status).toBe(303);
    expect((await creem.checkouts.retrieve(c.id)).customer).toMatchObject({ email: "new@example.com" });
  });

  it("framed (embedded=1): completion answers a page that posts Creem's embed 'completed' message", async () => {
    const c = await pack();
    const res = await submit(c.checkoutUrl!, card("4242424242424242", { embedded: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    const config = embedConfig(html);
    const done = await creem.checkouts.retrieve(c.id);
    expect(config).toMatchObject({ checkoutId: c.id, completed: { orderId: done.order!.id } });
    expect(String((config.completed as Json).redirectUrl)).toContain(`checkout_id=${c.id}`);
    expect(html).toContain('msg.source = "creem-embed"; msg.version = 1;');
    expect(html).toContain('type: "completed", checkoutId: cfg.checkoutId, orderId: cfg.completed.orderId, redirectUrl: cfg.completed.redirectUrl');
  });

  it("a discount code typed on the page is applied and removable", async () => {
    await control("POST", "/creem/discounts", { code: "HALF", percentage: 50 });
    const c = await pack();
    const wrong = await submit(c.checkoutUrl!, { intent: "apply_discount", discount_code: "NOPE" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("This discount code is invalid.");
    const applied = await submit(c.checkoutUrl!, { intent: "apply_discount", discount_code: "half" });
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain("Pay $15.00");
    const removed = await submit(c.checkoutUrl!, { intent: "remove_discount" });
    expect(await removed.text()).toContain("Pay $30.00");
  });

  it("expired and unknown checkouts explain themselves", async () => {
    const c = await pack();
    expect((await control("POST", `/creem/sessions/${c.id}/expire`)).status).toBe(200);
    expect((await creem.checkouts.retrieve(c.id)).status).toBe("expired");
    expect((await fetch(c.checkoutUrl!)).status).toBe(410);
    expect((await fetch(`${origin}/pay/creem/ch_nope`)).status).toBe(404);
    const fresh = await pack();
    await control("POST", "/clock/advance", { hours: 25 });
    expect((await creem.checkouts.retrieve(fresh.id)).status).toBe("expired");
  });
});

describe("Creem webhooks", () => {
  let receiver: http.Server;
  let url: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; raw: string }> = [];
  let respond: (index: number) => number = () => 200;
  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const status = respond(received.length);
        received.push({ headers: req.headers, raw: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/creem`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });
  beforeEach(async () => {
    received.length = 0;
    respond = () => 200;
    await control("POST", "/creem/webhooks/endpoint", { url, secret: SECRET });
  });
  const wait = async () => expect((await control("POST", "/creem/webhooks/wait", { timeoutMs: 10_000 })).status).toBe(200);

  it("delivers {id, eventType, created_at (ms), object} with creem-signature that the official SDK verifies", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_pro_monthly", requestId: "chk_t", successUrl: SUCCESS, metadata: { checkout_id: "chk_t" } });
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    await wait();
    expect(received.map((r) => JSON.parse(r.raw).eventType)).toEqual(["checkout.completed", "subscription.trialing"]);
    for (const r of received) {
      const signature = String(r.headers["creem-signature"]);
      expect(signature).toMatch(/^[0-9a-f]{64}$/);
      await expect(verifyWebhookSignature(r.raw, { "creem-signature": signature }, { secret: SECRET })).resolves.toBeUndefined();
      await expect(verifyWebhookSignature(r.raw, { "creem-signature": signature }, { secret: "whsec_other" })).rejects.toThrow();
      const event = JSON.parse(r.raw) as Json;
      expect(Object.keys(event).sort()).toEqual(["created_at", "eventType", "id", "object"]);
      expect(event.id).toMatch(/^evt_/);
      expect(Math.abs((event.created_at as number) - Date.now())).toBeLessThan(60_000);
    }
    const completed = JSON.parse(received[0].raw).object as Json;
    expect(completed).toMatchObject({ id: c.id, object: "checkout", status: "completed", request_id: "chk_t", metadata: { checkout_id: "chk_t" } });
    expect(completed.subscription).toMatchObject({ status: "trialing", metadata: { checkout_id: "chk_t" } });
  });

  it("retries a failing endpoint with the same id and body, re-signed", async () => {
    respond = (i) => (i < 2 ? 500 : 200);
    const c = await pack();
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    await wait();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => r.raw)).size).toBe(1);
    const deliveries = (await control<{ deliveries: Array<{ state: string; attempts: Array<{ status: number }> }> }>("GET", "/creem/webhooks/deliveries")).body.deliveries;
    expect(deliveries[0].state).toBe("delivered");
    expect(deliveries[0].attempts.map((a) => a.status)).toEqual([500, 500, 200]);
  });

  it("subscription lifecycle: renew → paid, scheduled cancel → canceled at period end, refund and dispute", async () => {
    const c = await creem.checkouts.create({ productId: "prod_sbx_starter_monthly", requestId: "chk_l", successUrl: SUCCESS });
    await control("POST", `/creem/sessions/${c.id}/complete`, {});
    const subId = ((await creem.checkouts.retrieve(c.id)).subscription as { id: string }).id;
    await control("POST", `/creem/subscriptions/${subId}/advance`, { action: "renew" });
    await control("POST", "/creem/refunds", { checkout_id: c.id, amount: 100 });
    await control("POST", "/creem/disputes", { checkout_id: c.id });
    await creem.subscriptions.cancel(subId, { mode: "scheduled" });
    await control("POST", "/clock/advance", { days: 70 });
    await wait();
    const types = received.map((r) => JSON.parse(r.raw).eventType);
    expect(types).toEqual(["checkout.completed", "subscription.active", "subscription.paid", "subscription.paid", "refund.created", "dispute.created", "subscription.scheduled_cancel", "subscription.canceled"]);
    const refund = JSON.parse(received[4].raw).object as Json;
    expect(refund).toMatchObject({ object: "refund", refund_amount: 100, refund_currency: "USD", checkout: { id: c.id, request_id: "chk_l" }, transaction: { status: "partially_refunded", refunded_amount: 100 } });
    expect((await creem.subscriptions.get(subId)).status).toBe("canceled");
  });

  it("uses Creem's retry schedule (30 s, 1 min, 5 min, 1 h compressed) unless one was chosen, also after a reset", async () => {
    const other = await startSandbox({ port: 0, log: false, providers: ["creem"], webhookUrls: { creem: null }, env: {} });
    try {
      const settings = async () => (await (await fetch(`${other.urls.creem}/_sandbox/creem/webhooks/settings`)).json()) as { retrySchedule: number[] };
      expect((await settings()).retrySchedule).toEqual(CREEM_RETRY_SCHEDULE);
      await fetch(`${other.urls.creem}/_sandbox/reset`, { method: "POST" });
      expect((await settings()).retrySchedule).toEqual(CREEM_RETRY_SCHEDULE);
    } finally {
      await other.stop();
    }
    expect((await control<{ retrySchedule: number[] }>("GET", "/creem/webhooks/settings")).body.retrySchedule).toEqual([100, 200, 400]);
  });
});
