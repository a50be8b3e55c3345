import http from "node:http";
import type { AddressInfo } from "node:net";
import DodoPayments from "dodopayments";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startSandbox, type SandboxHandle } from "../server";
import { card, submitPage } from "./helpers";

// The Dodo Payments module driven the way the adapter and a browser see it: the official SDK
// (dodopayments), raw HTTP, the hosted page's form, and a receiver that verifies every
// webhook with the official Standard Webhooks library.

const SECRET = `whsec_${Buffer.from("dodo-sandbox-tests-webhook-secret").toString("base64")}`;
const KEY = "dodo_test_sandbox_tests";
const RETURN_URL = "http://localhost:3000/checkout/success?checkout_id=chk_123";
const CANCEL_URL = "http://localhost:3000/checkout/cancel?checkout_id=chk_123";

type Json = Record<string, unknown>;
interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  payload: Json | null;
  verifyError: string | null;
}

let sb: SandboxHandle;
let origin: string;
let dodo: DodoPayments;
let receiver: http.Server;
const received: Received[] = [];
let respond: (index: number) => number = () => 200;

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${origin}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function waitFor(n: number, timeoutMs = 5000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  while (received.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} webhooks, got ${received.length}: ${received.map((r) => r.payload?.type).join(", ")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return received;
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let payload: Json | null = null;
      let verifyError: string | null = null;
      try {
        payload = new Webhook(SECRET).verify(raw, req.headers as Record<string, string>) as Json;
      } catch (err) {
        verifyError = err instanceof Error ? err.message : String(err);
      }
      const status = respond(received.length);
      received.push({ headers: req.headers, raw, payload, verifyError });
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  sb = await startSandbox({
    port: 0,
    log: false,
    providers: ["dodo"],
    webhookUrls: { dodo: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/dodo` },
    secrets: { dodo: SECRET },
    retrySchedule: [50, 100, 200],
    env: {},
  });
  origin = sb.urls.dodo;
  dodo = new DodoPayments({ bearerToken: KEY, baseURL: origin, maxRetries: 0, logLevel: "off" });
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

const packs = (extra: Partial<DodoPayments.CheckoutSessionCreateParams> = {}) =>
  dodo.checkoutSessions.create({
    product_cart: [{ product_id: "pdt_sbx_credits_100_pack", quantity: 3 }],
    customer: { email: "buyer@example.com", name: "Ada Lovelace" },
    return_url: RETURN_URL,
    cancel_url: CANCEL_URL,
    metadata: { checkout_id: "chk_123" },
    ...extra,
  });

function frameConfig(html: string): Json {
  const m = /<script type="application\/json" id="sandbox-config">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no sandbox-config script in page");
  return JSON.parse(m[1]) as Json;
}

describe("Dodo API (SDK and raw HTTP)", () => {
  it("creates a session at POST /checkouts and retrieves its status, payment_status null until paid", async () => {
    const created = await packs();
    expect(created.session_id).toMatch(/^cks_[0-9A-Za-z]{21}$/);
    expect(created.checkout_url).toBe(`${origin}/pay/dodo/${created.session_id}`);
    expect(created.payment_id).toBeNull();
    const status = await dodo.checkoutSessions.retrieve(created.session_id);
    expect(status).toMatchObject({ id: created.session_id, customer_email: "buyer@example.com", customer_name: "Ada Lovelace", payment_id: null, payment_status: null });
    expect(Date.parse(status.created_at)).not.toBeNaN();
    const detail = (await control<Json>("GET", `/dodo/sessions/${created.session_id}`)).body;
    expect(Date.parse(detail.expires_at as string) - Date.parse(status.created_at)).toBe(24 * 3_600_000);
    // No /v1 prefix: that path does not exist.
    const v1 = await fetch(`${origin}/v1/checkouts`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: "{}" });
    expect(v1.status).toBe(404);
  });

  it("confirm:true creates the payment at once, lives 15 minutes, and needs the customer and the full address", async () => {
    const address = { country: "US" as const, state: "CA", city: "San Francisco", street: "1 Market St", zipcode: "94105" };
    const created = await packs({ confirm: true, billing_address: address });
    expect(created.payment_id).toMatch(/^pay_/);
    expect(created.client_secret).toBeTruthy();
    const detail = (await control<Json>("GET", `/dodo/sessions/${created.session_id}`)).body;
    expect(Date.parse(detail.expires_at as string) - Date.parse((detail.session as Json).created_at as string)).toBe(15 * 60_000);
    expect((await dodo.checkoutSessions.retrieve(created.session_id)).payment_status).toBe("requires_payment_method");
    const missing = await packs({ confirm: true, billing_address: { country: "US" } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DodoPayments.BadRequestError);
    expect((missing as InstanceType<typeof DodoPayments.APIError>).error).toMatchObject({ code: "INVALID_REQUEST", message: expect.stringContaining("billing_address.street") });
    expect(await packs({ confirm: true, minimal_address: true, billing_address: { country: "US", zipcode: "94105" } })).toHaveProperty("payment_id");
  });

  it("answers errors as {code, message} with Dodo's statuses", async () => {
    const call = async (body: Json, key = KEY) => {
      const res = await fetch(`${origin}/checkouts`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const one = { product_id: "pdt_sbx_credits_100_pack", quantity: 1 };
    expect(await call({})).toMatchObject({ status: 422, body: { code: "INVALID_REQUEST_BODY", message: expect.stringContaining("product_cart") } });
    expect(await call({ product_cart: [one], colour: "red" })).toMatchObject({ status: 422, body: { code: "INVALID_REQUEST_BODY" } });
    expect(await call({ product_cart: [{ product_id: "pdt_nope", quantity: 1 }] })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    expect(await call({ product_cart: [one, { product_id: "pdt_sbx_pro_monthly", quantity: 1 }] })).toMatchObject({ status: 400, body: { code: "INVALID_PRODUCT_CART" } });
    expect(await call({ product_cart: [{ product_id: "pdt_sbx_pro_monthly", quantity: 1 }, { product_id: "pdt_sbx_starter_monthly", quantity: 1 }] })).toMatchObject({ status: 400 });
    expect(await call({ product_cart: [one], discount_code: "NOPE" })).toMatchObject({ status: 400, body: { code: "INVALID_DISCOUNT_CODE" } });
    expect(await call({ product_cart: [one], discount_code: "SANDBOX10", discount_codes: ["SANDBOX50"] })).toMatchObject({ status: 400 });
    expect(await call({ product_cart: [one], billing_address: { country: "usa" } })).toMatchObject({ status: 422 });
    expect(await call({ product_cart: [one], allowed_payment_method_types: ["credit", "bitcoin"] })).toMatchObject({ status: 422 });
    const noKey = await fetch(`${origin}/checkouts/cks_x`);
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ code: "UNAUTHORIZED" });
    await expect(dodo.checkoutSessions.retrieve("cks_missing")).rejects.toBeInstanceOf(DodoPayments.NotFoundError);
    // Injected faults use the same shape.
    await control("POST", "/dodo/faults", { status: 503, count: 1 });
    const faulted = await fetch(`${origin}/checkouts/cks_x`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(faulted.status).toBe(503);
    expect(await faulted.json()).toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
  });

  it("pins the API key when configured", async () => {
    const pinned = await startSandbox({ port: 0, log: false, providers: ["dodo"], webhookUrls: { dodo: null }, apiKeys: { dodo: "the_only_key" }, env: {} });
    try {
      const wrong = new DodoPayments({ bearerToken: "another_key", baseURL: pinned.urls.dodo, maxRetries: 0, logLevel: "off" });
      await expect(wrong.products.list()).rejects.toBeInstanceOf(DodoPayments.AuthenticationError);
      const right = new DodoPayments({ bearerToken: "the_only_key", baseURL: pinned.urls.dodo, maxRetries: 0, logLevel: "off" });
      expect((await right.products.retrieve("pdt_sbx_pro_monthly")).price).toMatchObject({ type: "recurring_price", price: 2900, currency: "USD", trial_period_days: 7 });
    } finally {
      await pinned.stop();
    }
  });
});

describe("Dodo hosted checkout page", () => {
  it("renders the Stripe-compatible form: labels, locked email, Back link, Pay button, frame config", async () => {
    const s = await packs();
    const res = await fetch(s.checkout_url!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors *");
    const html = await res.text();
    expect(html).toContain("Dodo Payments — sandbox");
    expect(html).toContain("100 credits");
    expect(html).toContain("$10.00 each");
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*readonly[^>]*value="buyer@example.com"/);
    for (const id of ["email", "card_number", "card_expiry", "card_cvc", "name", "country"]) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain(">Email</label>");
    expect(html).toContain(">Card number</label>");
    expect(html).toContain(">Expiration date <span");
    expect(html).toContain(">Security code <span");
    expect(html).toContain(`href="${CANCEL_URL.replace(/&/g, "&amp;")}" data-sandbox-cancel`);
    expect(html).toContain("Pay $30.00");
    expect(frameConfig(html)).toEqual({ provider: "dodo", sessionId: s.session_id, ready: true });
    // Dodo shows the discount field unless feature_flags say otherwise.
    expect(html).toContain('<label for="discount_code">Discount code</label>');
  });

  it("reflects the options: no Back without cancel_url, dark theme, collapsed details, trial button, discount, methods", async () => {
    const s = await dodo.checkoutSessions.create({
      product_cart: [{ product_id: "pdt_sbx_pro_monthly", quantity: 1 }],
      return_url: RETURN_URL,
      customization: { theme: "dark", show_order_details: false },
      feature_flags: { allow_discount_code: false },
      allowed_payment_method_types: ["credit", "debit", "apple_pay"],
    });
    const html = await (await fetch(s.checkout_url!)).text();
    expect(html).not.toMatch(/<a [^>]*data-sandbox-cancel/);
    expect(html).toContain('data-theme="dark"');
    expect(html).toContain("<details><summary>Order details</summary>");
    expect(html).toContain("<strong>7 days free</strong>, then $29.00 per month.");
    expect(html).toMatch(/<button type="submit" class="primary">Start trial<\/button>/);
    expect(html).not.toContain("discount_code");
    expect(html).toContain("Accepted here: credit, debit, apple_pay.");
    expect(html).not.toMatch(/<input id="email"[^>]*readonly/);
    const noTrial = await dodo.checkoutSessions.create({ product_cart: [{ product_id: "pdt_sbx_pro_monthly", quantity: 1 }], subscription_data: { trial_period_days: 0 }, discount_code: "SANDBOX10" });
    const plain = await (await fetch(noTrial.checkout_url!)).text();
    expect(plain).toMatch(/class="primary">Subscribe<\/button>/);
    expect(plain).toContain("Discount (SANDBOX10)");
    expect(plain).toContain("$26.10");
  });

  it("4242 pays: 303 to return_url with payment_id and status appended; the page then says complete", async () => {
    const s = await packs();
    const res = await submitPage(s.checkout_url!, card("4242 4242 4242 4242", { country: "DE" }));
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get("location")!);
    expect(location.searchParams.get("checkout_id")).toBe("chk_123");
    expect(location.searchParams.get("status")).toBe("succeeded");
    const paymentId = location.searchParams.get("payment_id")!;
    expect(await dodo.checkoutSessions.retrieve(s.session_id)).toMatchObject({ payment_id: paymentId, payment_status: "succeeded" });
    const payment = await dodo.payments.retrieve(paymentId);
    expect(payment).toMatchObject({
      status: "succeeded",
      total_amount: 3000,
      currency: "USD",
      checkout_session_id: s.session_id,
      metadata: { checkout_id: "chk_123" },
      product_cart: [{ product_id: "pdt_sbx_credits_100_pack", quantity: 3 }],
      card_last_four: "4242",
      card_holder_name: "Ada Lovelace",
      billing: { country: "DE" },
      customer: { email: "buyer@example.com" },
    });
    const again = await fetch(s.checkout_url!);
    expect(await again.text()).toContain("already complete");
    const twice = await submitPage(s.checkout_url!, card("4242424242424242"));
    expect(twice.status).toBe(200);
    expect((await dodo.checkoutSessions.retrieve(s.session_id)).payment_id).toBe(paymentId);
  });

  it("4000 0000 0000 0002 is declined with role=alert; the payment fails and another card can pay", async () => {
    const s = await packs();
    const res = await submitPage(s.checkout_url!, card("4000 0000 0000 0002"));
    expect(res.status).toBe(402);
    expect(await res.text()).toMatch(/<div class="alert" role="alert" id="form-error">Your card was declined\.<\/div>/);
    const failed = await dodo.checkoutSessions.retrieve(s.session_id);
    expect(failed.payment_status).toBe("failed");
    expect(await dodo.payments.retrieve(failed.payment_id!)).toMatchObject({ status: "failed", error_code: "CARD_DECLINED" });
    const ok = await submitPage(s.checkout_url!, card("5555 5555 5555 4444"));
    expect(ok.status).toBe(303);
    const paid = await dodo.checkoutSessions.retrieve(s.session_id);
    expect(paid.payment_status).toBe("succeeded");
    expect(paid.payment_id).not.toBe(failed.payment_id);
  });

  it("validates the fields, applies discount codes, and answers framed pages with the overlay message", async () => {
    const s = await packs({ customer: undefined });
    const bad = await submitPage(s.checkout_url!, card("4242 4242 4242 4241", { card_cvc: "1", country: "" }));
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Your email is incomplete.");
    expect(badHtml).toContain("Your card number is invalid.");
    expect(badHtml).toMatch(/id="card_number"[^>]*aria-invalid="true"/);
    expect(badHtml).toContain("Choose your country");
    const applied = await submitPage(s.checkout_url!, { intent: "apply_discount", discount_code: "sandbox50" });
    expect(await applied.text()).toContain("Pay $15.00");
    const framed = await submitPage(s.checkout_url!, card("4242424242424242", { email: "new@example.com", embedded: "1" }));
    expect(framed.status).toBe(200);
    const config = frameConfig(await framed.text());
    expect(config).toMatchObject({ provider: "dodo", sessionId: s.session_id, completed: { redirectUrl: expect.stringContaining("checkout_id=chk_123&payment_id=pay_") } });
    expect((await dodo.checkoutSessions.retrieve(s.session_id)).customer_email).toBe("new@example.com");
  });

  it("an unpaid session expires after 24 hours of sandbox time (410)", async () => {
    const s = await packs();
    await control("POST", "/clock/advance", { hours: 25 });
    const res = await fetch(s.checkout_url!);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain("expired");
    expect((await fetch(`${origin}/pay/dodo/cks_unknown`)).status).toBe(404);
  });
});

describe("Dodo webhooks (Standard Webhooks), subscriptions, refunds", () => {
  it("delivers payment.succeeded signed by the Standard Webhooks scheme, in Dodo's envelope", async () => {
    const s = await packs();
    await control("POST", `/dodo/sessions/${s.session_id}/complete`, { card: "4242424242424242" });
    const [delivery] = await waitFor(1);
    expect(delivery.verifyError).toBeNull();
    expect(delivery.headers["webhook-id"]).toMatch(/^msg_/);
    expect(delivery.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(Math.abs(Number(delivery.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(10);
    expect(delivery.payload).toMatchObject({
      business_id: expect.stringMatching(/^bus_/),
      type: "payment.succeeded",
      data: { payload_type: "Payment", checkout_session_id: s.session_id, metadata: { checkout_id: "chk_123" }, status: "succeeded", total_amount: 3000 },
    });
    expect(Date.parse((delivery.payload as Json).timestamp as string)).not.toBeNaN();
    // The wrong secret does not verify it.
    expect(() => new Webhook(`whsec_${Buffer.from("wrong").toString("base64")}`).verify(delivery.raw, delivery.headers as Record<string, string>)).toThrow();
  });

  it("retries a failed delivery with the same webhook-id and body, re-signed", async () => {
    respond = (index) => (index === 0 ? 500 : 200);
    const s = await packs();
    await control("POST", `/dodo/sessions/${s.session_id}/complete`, {});
    const [first, second] = await waitFor(2);
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.raw).toBe(first.raw);
    expect(second.verifyError).toBeNull();
    const { body } = await control<{ idle: boolean; deliveries: { state: string; attempts: unknown[] }[] }>("POST", "/dodo/webhooks/wait", { timeoutMs: 5000 });
    expect(body.deliveries[0]).toMatchObject({ state: "delivered" });
    expect(body.deliveries[0].attempts).toHaveLength(2);
  });

  it("a subscription sends payment.succeeded and subscription.active; renews with the clock; PATCH schedules the cancellation", async () => {
    const s = await dodo.checkoutSessions.create({ product_cart: [{ product_id: "pdt_sbx_starter_monthly", quantity: 1 }], customer: { email: "sub@example.com" }, return_url: RETURN_URL, metadata: { checkout_id: "chk_sub" } });
    const done = await control<Json>("POST", `/dodo/sessions/${s.session_id}/complete`, {});
    const redirect = new URL(done.body.redirectUrl as string);
    expect(redirect.searchParams.get("subscription_id")).toMatch(/^sub_/);
    expect(redirect.searchParams.get("status")).toBe("active");
    await waitFor(2);
    expect(received.map((r) => (r.payload as Json).type)).toEqual(["payment.succeeded", "subscription.active"]);
    const subscriptionId = redirect.searchParams.get("subscription_id")!;
    const subscription = await dodo.subscriptions.retrieve(subscriptionId);
    expect(subscription).toMatchObject({ status: "active", product_id: "pdt_sbx_starter_monthly", metadata: { checkout_id: "chk_sub" }, payment_frequency_interval: "Month", trial_period_days: 0 });

    await control("POST", "/clock/advance", { days: 32 });
    await waitFor(4);
    expect(received.slice(2).map((r) => (r.payload as Json).type)).toEqual(["payment.succeeded", "subscription.renewed"]);
    const renewal = (received[2].payload as Json).data as Json;
    expect(renewal).toMatchObject({ checkout_session_id: null, subscription_id: subscriptionId, total_amount: 900 });
    const renewed = await dodo.subscriptions.retrieve(subscriptionId);
    expect(Date.parse(renewed.next_billing_date)).toBeGreaterThan(Date.parse(subscription.next_billing_date));

    const updated = await dodo.subscriptions.update(subscriptionId, { cancel_at_next_billing_date: true });
    expect(updated.cancel_at_next_billing_date).toBe(true);
    await waitFor(5);
    expect((received[4].payload as Json).type).toBe("subscription.updated");
    await control("POST", "/clock/advance", { days: 32 });
    await waitFor(6);
    expect(received[5].payload).toMatchObject({ type: "subscription.cancelled", data: { status: "cancelled" } });
  });

  it("refunds through POST /refunds (partial, then the rest) and refuses more than was paid", async () => {
    const s = await packs();
    await control("POST", `/dodo/sessions/${s.session_id}/complete`, {});
    const paymentId = (await dodo.checkoutSessions.retrieve(s.session_id)).payment_id!;
    const partial = await dodo.refunds.create({ payment_id: paymentId, items: [{ item_id: "pdt_sbx_credits_100_pack", amount: 1000 }], reason: "one pack" });
    expect(partial).toMatchObject({ refund_id: expect.stringMatching(/^ref_/), amount: 1000, is_partial: true, status: "succeeded" });
    await expect(dodo.refunds.create({ payment_id: paymentId, items: [{ item_id: "x", amount: 5000 }] })).rejects.toBeInstanceOf(DodoPayments.BadRequestError);
    const rest = await dodo.refunds.create({ payment_id: paymentId });
    expect(rest).toMatchObject({ amount: 2000, is_partial: false });
    expect((await dodo.payments.retrieve(paymentId)).refund_status).toBe("full");
    await waitFor(3);
    expect(received.map((r) => (r.payload as Json).type)).toEqual(["payment.succeeded", "refund.succeeded", "refund.succeeded"]);
    expect((received[2].payload as Json).data).toMatchObject({ payload_type: "Refund", payment_id: paymentId });
  });
});
