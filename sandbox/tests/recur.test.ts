// The Recur sandbox over raw HTTP, as Recur's REST API and hosted page are used: JSON creates
// with a Bearer key, Recur's error envelope, the hosted page submitted like a browser, and
// webhooks verified on a local receiver by the documented scheme (base64 HMAC-SHA256 of the
// raw body keyed by the whsec_ text). The adapter itself is driven against this sandbox in
// lib/payments/providers/recur/*.test.ts (it needs the app's path aliases).
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type SandboxHandle } from "../server";

const SECRET = "whsec_recur_sandbox_tests";
const KEY = "sk_test_recur_sandbox";
const SUCCESS = "https://shop.example/checkout/success?checkout_id=chk_1&session_id={CHECKOUT_SESSION_ID}";
const CANCEL = "https://shop.example/checkout/cancel?checkout_id=chk_1";

type Json = Record<string, unknown>;

interface Delivery {
  headers: http.IncomingHttpHeaders;
  raw: string;
  event: { id: string; type: string; timestamp: string; data: Json };
  verified: boolean;
}

let sb: SandboxHandle;
let origin: string;
let receiver: http.Server;
const received: Delivery[] = [];
let respond: (index: number) => number = () => 200;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const expected = createHmac("sha256", SECRET).update(raw, "utf8").digest("base64");
      const status = respond(received.length);
      received.push({ headers: req.headers, raw, event: JSON.parse(raw), verified: req.headers["x-recur-signature"] === expected });
      res.writeHead(status).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  sb = await startSandbox({
    port: 0,
    log: false,
    providers: ["recur"],
    webhookUrls: { recur: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/recur` },
    secrets: { recur: SECRET },
    retrySchedule: [50, 100, 200],
    env: {},
  });
  origin = sb.urls.recur;
});

afterAll(async () => {
  await sb.stop();
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

beforeEach(async () => {
  await control("POST", "/reset");
  received.length = 0;
  respond = () => 200;
});

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${origin}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function api(method: string, path: string, body?: unknown, key: string | null = KEY, extra: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), ...extra },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

function create(extra: Json = {}, key: string | null = KEY) {
  return api("POST", "/v1/checkout/sessions", { productId: "prod_sbx_credits_100_pack", successUrl: SUCCESS, cancelUrl: CANCEL, customerEmail: "buyer@example.com", metadata: { checkout_id: "chk_1" }, ...extra }, key);
}

function submit(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString(), redirect: "manual" });
}

const card = (number: string, extra: Record<string, string> = {}) => ({ embedded: "0", card_number: number, card_expiry: "12 / 34", card_cvc: "123", name: "Ada Lovelace", ...extra });

async function settle(): Promise<void> {
  const { status } = await control("POST", "/recur/webhooks/wait", { timeoutMs: 10_000 });
  expect(status).toBe(200);
}

describe("Recur API: POST/GET /v1/checkout/sessions", () => {
  it("creates a session from the documented JSON fields and reads it back", async () => {
    const { status, body } = await create({ customerName: "Ada", externalCustomerId: "user_1" });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: "checkout.session",
      status: "OPEN",
      mode: "PAYMENT", // inferred from the one-time product
      productId: "prod_sbx_credits_100_pack",
      amount: 10, // whole currency units, as Recur reports amounts
      currency: "USD",
      customerEmail: "buyer@example.com",
      customerName: "Ada",
      externalCustomerId: "user_1",
      metadata: { checkout_id: "chk_1" },
      orderId: null,
      subscriptionId: null,
    });
    expect(body.id).toMatch(/^cs_[A-Za-z0-9]{24}$/);
    expect(body.url).toBe(`${origin}/pay/recur/${body.id}`);
    expect(Date.parse(body.expires_at as string) - Date.parse(body.created_at as string)).toBe(24 * 3_600_000);
    const again = await api("GET", `/v1/checkout/sessions/${body.id}`);
    expect(again).toEqual({ status: 200, body });
  });

  it("accepts productSlug, snake_case spellings, SETUP mode, X-Recur-Secret-Key, and http on localhost (sandbox relaxation)", async () => {
    const slug = await api("POST", "/v1/checkout/sessions", { product_slug: "pro-monthly", success_url: "http://localhost:3000/s", cancel_url: "http://127.0.0.1:3000/c" });
    expect(slug.status).toBe(200);
    expect(slug.body).toMatchObject({ productId: "prod_sbx_pro_monthly", mode: "SUBSCRIPTION", amount: 29 });
    expect((await create({ mode: "SETUP" })).body).toMatchObject({ mode: "SETUP", amount: 0 });
    const alt = await api("POST", "/v1/checkout/sessions", { productId: "prod_sbx_lifetime_once", successUrl: SUCCESS, cancelUrl: CANCEL }, null, { "x-recur-secret-key": KEY });
    expect(alt.status).toBe(200);
  });

  it("answers errors in Recur's shape: unauthorized, resource_not_found, invalid_request", async () => {
    const err = (code: string) => ({ error: { code, message: expect.any(String) } });
    expect(await create({}, null)).toEqual({ status: 401, body: err("unauthorized") });
    expect(await create({}, "sk_live_real")).toEqual({ status: 401, body: err("unauthorized") });
    expect(await create({}, "not_a_key")).toEqual({ status: 401, body: err("unauthorized") });
    expect(await create({ productId: "prod_missing" })).toEqual({ status: 404, body: err("resource_not_found") });
    const badUrl = await create({ successUrl: "http://shop.example/s" });
    expect(badUrl).toEqual({ status: 400, body: err("invalid_request") });
    expect((badUrl.body.error as Json).message).toMatch(/successUrl must be an HTTPS URL/);
    expect((await create({ cancelUrl: "not a url" })).status).toBe(400);
    expect((await create({ successUrl: undefined })).body).toEqual(err("invalid_request"));
    expect((await create({ productId: undefined })).body).toEqual(err("invalid_request"));
    expect((await create({ mode: "SUBSCRIPTION" })).body).toEqual(err("invalid_request")); // one-time product
    expect((await create({ mode: "payment" })).body).toEqual(err("invalid_request"));
    expect((await create({ quantity: 3 })).body).toEqual(err("invalid_request")); // no quantity field at Recur
    expect((await create({ customerEmail: "nope" })).body).toEqual(err("invalid_request"));
    expect((await create({ metadata: { nested: { a: 1 } } })).body).toEqual(err("invalid_request"));
    expect((await api("POST", "/v1/checkout/sessions", "{oops")).body).toEqual(err("invalid_request"));
    expect(await api("GET", "/v1/checkout/sessions/cs_missing")).toEqual({ status: 404, body: err("resource_not_found") });
    expect((await api("GET", "/v1/nothing")).status).toBe(404);
  });

  it("lets a publishable key create sessions but not set metadata or read them", async () => {
    expect((await create({}, "pk_test_pub")).body).toEqual({ error: { code: "invalid_request", message: "metadata can only be set with a secret key." } });
    const ok = await create({ metadata: undefined }, "pk_test_pub");
    expect(ok.status).toBe(200);
    expect((await api("GET", `/v1/checkout/sessions/${ok.body.id}`, undefined, "pk_test_pub")).status).toBe(401);
  });

  it("injected faults answer in Recur's error shape", async () => {
    await control("POST", "/recur/faults", { status: 503, count: 1 });
    expect(await create()).toEqual({ status: 503, body: { error: { code: "internal_error", message: expect.stringMatching(/Injected fault/) } } });
    expect((await create()).status).toBe(200);
  });
});

describe("Recur hosted checkout page", () => {
  it("renders a frameable page labelled 'Recur — sandbox' with the shared field labels and a Back link", async () => {
    const s = (await create()).body;
    const res = await fetch(s.url as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors *");
    const html = await res.text();
    expect(html).toContain("Recur — sandbox");
    expect(html).toContain("100 credits");
    for (const id of ["email", "card_number", "card_expiry", "card_cvc", "name"]) expect(html).toContain(`<label for="${id}">`);
    for (const label of [">Email<", ">Card number<", "Expiration date", "Security code", ">Name on card<"]) expect(html).toContain(label);
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*readonly[^>]*value="buyer@example.com"/);
    expect(html).toContain(">Pay $10.00</button>");
    expect(html).toContain(`href="${CANCEL}" data-sandbox-cancel`);
    expect(html).toContain(`{"provider":"recur","sessionId":"${s.id}","ready":true}`);
  });

  it("4242 pays: 303 to successUrl with {CHECKOUT_SESSION_ID} substituted; the session is COMPLETE with an order", async () => {
    const s = (await create()).body;
    const res = await submit(s.url as string, card("4242 4242 4242 4242"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`https://shop.example/checkout/success?checkout_id=chk_1&session_id=${s.id}`);
    const after = (await api("GET", `/v1/checkout/sessions/${s.id}`)).body;
    expect(after).toMatchObject({ status: "COMPLETE", url: null, subscriptionId: null });
    expect(after.orderId).toMatch(/^ord_/);
    expect(after.customerId).toMatch(/^cus_/);
    const again = await fetch(`${origin}/pay/recur/${s.id}`);
    expect(await again.text()).toContain("already complete");
    expect((await submit(`${origin}/pay/recur/${s.id}`, card("4242424242424242"))).status).toBe(200);
    expect((await api("GET", `/v1/checkout/sessions/${s.id}`)).body.orderId).toBe(after.orderId);
  });

  it("the PAYUNi sandbox card 4147 6310 0000 0001 pays as well (it fails the Luhn check, like in PAYUNi's sandbox)", async () => {
    const s = (await create()).body;
    const res = await submit(s.url as string, card("4147 6310 0000 0001"));
    expect(res.status).toBe(303);
    expect((await api("GET", `/v1/checkout/sessions/${s.id}`)).body.status).toBe("COMPLETE");
  });

  it("4000 0000 0000 0002 is declined with role=alert and the session stays open", async () => {
    const s = (await create()).body;
    const res = await submit(s.url as string, card("4000 0000 0000 0002"));
    expect(res.status).toBe(402);
    expect(await res.text()).toContain('<div class="alert" role="alert" id="form-error">Your card was declined.</div>');
    expect((await api("GET", `/v1/checkout/sessions/${s.id}`)).body.status).toBe("OPEN");
    expect((await submit(s.url as string, card("4242424242424242"))).status).toBe(303);
  });

  it("asks for an email when none was given and validates the card fields", async () => {
    const s = (await create({ customerEmail: undefined })).body;
    const bad = await submit(s.url as string, card("4242 4242 4242 4241", { card_expiry: "13/30", card_cvc: "1" }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Your email is incomplete.");
    expect(html).toContain("Your card number is invalid.");
    expect(html).toMatch(/id="card_number"[^>]*aria-invalid="true"/);
    expect((await submit(s.url as string, card("4242424242424242", { email: "new@example.com" }))).status).toBe(303);
    expect((await api("GET", `/v1/checkout/sessions/${s.id}`)).body.customerEmail).toBe("new@example.com");
  });

  it("inside the overlay iframe it answers with a page that posts checkout.completed", async () => {
    const s = (await create()).body;
    const res = await submit(s.url as string, card("4242424242424242", { embedded: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`"completed":{"redirectUrl":"https://shop.example/checkout/success?checkout_id=chk_1&session_id=${s.id}"}`);
  });

  it("subscriptions say Start trial / Subscribe; expired and unknown sessions explain themselves", async () => {
    const trial = (await create({ productId: "prod_sbx_pro_monthly", mode: "SUBSCRIPTION" })).body;
    const trialHtml = await (await fetch(trial.url as string)).text();
    expect(trialHtml).toContain(">Start trial</button>");
    expect(trialHtml).toContain("7 days free");
    const paid = (await create({ productId: "prod_sbx_starter_monthly" })).body;
    expect(await (await fetch(paid.url as string)).text()).toContain(">Subscribe</button>");
    await control("POST", "/clock/advance", { hours: 25 });
    const expired = await fetch(`${origin}/pay/recur/${trial.id}`);
    expect(expired.status).toBe(410);
    expect((await api("GET", `/v1/checkout/sessions/${trial.id}`)).body).toMatchObject({ status: "EXPIRED", url: null });
    expect((await fetch(`${origin}/pay/recur/cs_nope`)).status).toBe(404);
  });
});

describe("Recur webhooks", () => {
  it("a paid session sends checkout.created, order.paid and checkout.completed, signed as documented", async () => {
    const s = (await create()).body;
    await submit(s.url as string, card("4242424242424242"));
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["checkout.created", "order.paid", "checkout.completed"]);
    for (const d of received) {
      expect(d.verified).toBe(true);
      expect(d.headers["x-recur-event-id"]).toBe(d.event.id);
      expect(d.headers["x-recur-event-type"]).toBe(d.event.type);
      expect(Math.abs(Number(d.headers["x-recur-timestamp"]) - Date.now())).toBeLessThan(60_000); // Unix ms
      expect(Object.keys(d.event).sort()).toEqual(["data", "id", "timestamp", "type"]);
    }
    const completed = received[2].event;
    expect(completed.id).toMatch(/^evt_/);
    expect(completed.data).toMatchObject({ id: s.id, status: "COMPLETE", metadata: { checkout_id: "chk_1" } });
    expect(received[1].event.data).toMatchObject({ object: "order", checkoutId: s.id, amount: 10, currency: "USD", metadata: { checkout_id: "chk_1" } });
  });

  it("a subscription: created (+activated when paid), invoice.paid, order.paid, checkout.completed; renew, cancel and expire", async () => {
    const s = (await create({ productId: "prod_sbx_starter_monthly", metadata: { checkout_id: "chk_sub" } })).body;
    const paid = await control<{ session: Json }>("POST", `/recur/sessions/${s.id}/complete`, { card: "4242424242424242" });
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["checkout.created", "subscription.created", "subscription.activated", "invoice.paid", "order.paid", "checkout.completed"]);
    const subId = paid.body.session.subscriptionId as string;
    expect(received[1].event.data).toMatchObject({ id: subId, status: "ACTIVE", checkoutId: s.id, billingPeriod: "MONTHLY", metadata: { checkout_id: "chk_sub" } });

    received.length = 0;
    await control("POST", `/recur/subscriptions/${subId}/advance`, { action: "renew" });
    const cancel = await api("POST", `/v1/subscriptions/${subId}/cancel`, {});
    expect(cancel.body).toMatchObject({ id: subId, status: "CANCELED", cancelAtPeriodEnd: true });
    await control("POST", "/clock/advance", { days: 65 }); // past the renewed period: the cancelled subscription expires
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["invoice.paid", "subscription.renewed", "subscription.cancelled", "subscription.expired"]);
    expect((await api("GET", `/v1/subscriptions/${subId}`)).body.status).toBe("EXPIRED");
  });

  it("a trial subscription renews by itself when the clock passes the trial end", async () => {
    const s = (await create({ productId: "prod_sbx_pro_monthly" })).body;
    const paid = await control<{ session: Json }>("POST", `/recur/sessions/${s.id}/complete`, {});
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["checkout.created", "subscription.created", "checkout.completed"]);
    expect(paid.body.session.orderId).toBeNull();
    received.length = 0;
    await control("POST", "/clock/advance", { days: 8 });
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["invoice.paid", "subscription.renewed"]);
    expect(received[1].event.data).toMatchObject({ status: "ACTIVE" });
  });

  it("a non-2xx answer is retried with the same id and body, re-signed each attempt", async () => {
    respond = (i) => (i < 2 ? 500 : 200);
    await control("POST", "/recur/webhooks/behaviour", { paused: true });
    const s = (await create()).body;
    await control("POST", "/recur/webhooks/behaviour", { paused: false });
    await settle();
    expect(received).toHaveLength(3);
    expect(new Set(received.map((d) => d.raw)).size).toBe(1);
    expect(received.every((d) => d.verified && d.event.data.id === s.id)).toBe(true);
    const { body } = await control<{ deliveries: Array<{ state: string; attempts: Array<{ status: number }> }> }>("GET", "/recur/webhooks/deliveries");
    expect(body.deliveries[0]).toMatchObject({ state: "delivered", attempts: [{ status: 500 }, { status: 500 }, { status: 200 }] });
  });

  it("refunds through the control API send refund.created and refund.succeeded for the order", async () => {
    const s = (await create()).body;
    const paid = await control<{ session: Json }>("POST", `/recur/sessions/${s.id}/complete`, {});
    const orderId = paid.body.session.orderId as string;
    await settle();
    received.length = 0;
    const refund = await control<{ refund: Json; order: Json }>("POST", `/recur/orders/${orderId}/refund`, { amount: 4 });
    expect(refund.body.order).toMatchObject({ status: "PARTIALLY_REFUNDED", amountRefunded: 4 });
    expect((await control("POST", `/recur/orders/${orderId}/refund`, { amount: 7 })).status).toBe(400);
    await control("POST", `/recur/orders/${orderId}/refund`, {});
    await settle();
    expect(received.map((d) => d.event.type)).toEqual(["refund.created", "refund.succeeded", "refund.created", "refund.succeeded"]);
    expect(received[3].event.data).toMatchObject({ orderId, amount: 6, status: "SUCCEEDED", metadata: { checkout_id: "chk_1" } });
  });

  it("control: complete refuses a closed session and reports declines in Recur's words", async () => {
    const s = (await create()).body;
    const declined = await control<{ outcome: string; error: Json }>("POST", `/recur/sessions/${s.id}/complete`, { card: "4000000000000002" });
    expect(declined).toMatchObject({ status: 402, body: { outcome: "declined", error: { code: "CARD_DECLINED", message: "Your card was declined." } } });
    await control("POST", `/recur/sessions/${s.id}/expire`);
    expect((await control("POST", `/recur/sessions/${s.id}/complete`, {})).status).toBe(409);
  });
});
