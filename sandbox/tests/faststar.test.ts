// The FastStar module of the sandbox, driven over raw HTTP the way the adapter (a fetch client)
// and a browser see it, with webhooks verified by FastStar's documented scheme on a local
// receiver (node:crypto, no app code).
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { taxFor } from "../providers/faststar";
import { startSandbox, type SandboxHandle } from "../server";

const SECRET = "faststar_whsec_vitest";
const MOR = "fs_test_mor_vitest";
const DIRECT = "fs_test_direct_vitest";
const SUCCESS_URL = "http://localhost:3000/checkout/success?checkout_id=chk_123";
const CANCEL_URL = "http://localhost:3000/checkout/cancel?checkout_id=chk_123";

type Json = Record<string, unknown>;
type Envelope<T = Json> = { success: boolean; message: string; data: T | null };
type SessionData = { session: Json & { id: string; session_token: string }; url: string | null; session_token: string };

let sb: SandboxHandle;
let origin: string;

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  verified: boolean;
}
let receiver: http.Server;
let received: Received[] = [];
let answer: (index: number) => number = () => 200;

function verify(raw: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=") as [string, string]));
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false;
  const expected = Buffer.from(createHmac("sha256", SECRET).update(`${parts.t}.${raw}`).digest("hex"));
  const given = Buffer.from(parts.v1 ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const status = answer(received.length);
      received.push({ headers: req.headers, raw, verified: verify(raw, String(req.headers["x-webhook-signature"] ?? "")) });
      res.writeHead(status, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  sb = await startSandbox({
    port: 0,
    log: false,
    providers: ["faststar"],
    webhookUrls: { faststar: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/faststar` },
    secrets: { faststar: SECRET },
    retrySchedule: [50, 100],
    env: {},
  });
  origin = sb.urls.faststar;
});
afterAll(async () => {
  await sb.stop();
  receiver.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});
beforeEach(async () => {
  await control("POST", "/reset");
  received = [];
  answer = () => 200;
});

async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${origin}/_sandbox${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

async function api<T = Json>(method: string, path: string, body?: unknown, key: string | null = MOR, headers: Record<string, string> = {}) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { ...(key ? { "X-API-Key": key } : {}), ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Envelope<T> };
}

const SESSIONS = "/api/v1/public/checkout/sessions";
const pack = (extra: Json = {}) => ({
  mode: "payment",
  presentation: "iframe",
  line_items: [{ price_id: "price_sbx_credits_100_pack", quantity: 3 }],
  customer_email: "buyer@example.com",
  success_url: SUCCESS_URL,
  cancel_url: CANCEL_URL,
  client_reference_id: "chk_123",
  ...extra,
});

async function create(body: Json = pack(), key = MOR): Promise<SessionData> {
  const res = await api<SessionData>("POST", SESSIONS, body, key);
  if (res.status !== 200) throw new Error(`create → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data!;
}

function submit(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString(), redirect: "manual" });
}
const card = (number: string, extra: Record<string, string> = {}) => ({ embedded: "0", card_number: number, card_expiry: "12 / 34", card_cvc: "123", name: "Ada Lovelace", ...extra });

async function waitIdle() {
  expect((await control("POST", "/faststar/webhooks/wait", { timeoutMs: 5000, includeHeld: true })).status).toBe(200);
}

describe("FastStar API: X-API-Key, JSON, { success, message, data } on every answer", () => {
  it("creates a session in the documented shape", async () => {
    const res = await api<SessionData>("POST", SESSIONS, pack());
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.message).toBe("Checkout session created successfully");
    const { session, url, session_token } = res.body.data!;
    expect(session).toMatchObject({ status: "open", mode: "payment", presentation: "iframe", amount_subtotal: 3000, amount_tax: 0, amount_total: 3000, currency: "USD", client_reference_id: "chk_123" });
    expect(session.id).toMatch(/^cs_\w{24}$/);
    expect(session.session_token).toBe(session_token);
    expect(session.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Date.parse(session.expires_at as string) - Date.now()).toBeGreaterThan(23 * 3600_000);
    expect(url).toBe(`${origin}/pay/faststar/${session.id}?token=${session_token}`);

    const read = await api<SessionData>("GET", `${SESSIONS}/${session.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data!.session).toEqual(session);
  });

  it("reproduces the docs' example: 999 for a US buyer → tax 80, total 1079 (Direct/PSP ad hoc amount)", async () => {
    const { session } = await create(
      { ...pack(), line_items: [{ ad_hoc_amount: 999, ad_hoc_currency: "usd", description: "Widget", quantity: 1 }], buyer_country: "US" },
      DIRECT,
    );
    expect(session).toMatchObject({ amount_subtotal: 999, amount_tax: 80, amount_total: 1079, currency: "USD", tax_behavior: "exclusive" });
    expect(session.line_items).toEqual([{ price_id: null, product_id: null, description: "Widget", quantity: 1, unit_amount: 999, amount_subtotal: 999, currency: "USD" }]);
  });

  it("computes tax by buyer_country: inclusive EU VAT, exclusive US sales tax", async () => {
    expect((await create(pack({ buyer_country: "DE" }))).session).toMatchObject({ amount_subtotal: 3000, amount_tax: 479, amount_total: 3000, tax_behavior: "inclusive" });
    expect((await create(pack({ buyer_country: "fr" }))).session).toMatchObject({ buyer_country: "FR", amount_tax: 500, amount_total: 3000 });
    expect((await create(pack({ buyer_country: "US-NY" }))).session).toMatchObject({ amount_tax: 120, amount_total: 3120 });
    expect(taxFor("US-ZZ", 1000)).toMatchObject({ amount_tax: 0, amount_total: 1000 });
    expect(taxFor("JP", 1000)).toMatchObject({ amount_tax: 0, amount_total: 1000 });
    expect(taxFor(null, 1000)).toMatchObject({ amount_tax: 0, behavior: null });
  });

  it("a product_id uses the product's default price; a trial subscription charges nothing today", async () => {
    const byProduct = await create(pack({ line_items: [{ product_id: "prod_sbx_lifetime", quantity: 1 }] }));
    expect(byProduct.session).toMatchObject({ amount_subtotal: 14900, line_items: [{ price_id: "price_sbx_lifetime_once", product_id: "prod_sbx_lifetime" }] });
    const trial = await create(pack({ mode: "subscription", line_items: [{ price_id: "price_sbx_pro_monthly", quantity: 1 }] }));
    expect(trial.session).toMatchObject({ mode: "subscription", amount_subtotal: 0, amount_total: 0 });
  });

  it("refuses bad requests in FastStar's envelope", async () => {
    const cases: Array<[unknown, RegExp, number?, string?]> = [
      [pack({ line_items: [{ ad_hoc_amount: 500, ad_hoc_currency: "USD", quantity: 1 }] }), /Merchant of Record merchants must reference a catalog price_id or product_id/],
      [pack({ mode: "subscription", line_items: [{ ad_hoc_amount: 500, ad_hoc_currency: "USD", quantity: 1 }] }), /subscription line items must reference a recurring price_id/, 400, DIRECT],
      [pack({ mode: "subscription" }), /must reference a recurring price_id/],
      [pack({ line_items: [{ price_id: "price_sbx_pro_monthly", quantity: 1 }] }), /recurring price; use mode "subscription"/],
      [pack({ line_items: [{ price_id: "price_nope", quantity: 1 }] }), /price price_nope not found/],
      [pack({ line_items: [{ price_id: "price_sbx_credits_100_pack", quantity: 0 }] }), /quantity must be an integer/],
      [pack({ line_items: [{ price_id: "price_sbx_credits_100_pack", product_id: "prod_sbx_lifetime", quantity: 1 }] }), /exactly one of/],
      [pack({ line_items: [] }), /line_items is required/],
      [pack({ mode: "refund" }), /mode is required/],
      [pack({ presentation: "overlay" }), /presentation must be "iframe" or "link"/],
      [pack({ success_url: "javascript:alert(1)" }), /success_url is required/],
      [pack({ cancel_url: undefined }), /cancel_url is required/],
      [pack({ buyer_country: "Germany" }), /buyer_country must be/],
      [pack({ customer_email: "nope" }), /customer_email/],
      [pack({ metadata: { a: "b" } }), /Unknown field metadata/],
      [pack({ mode: "setup" }), /setup session takes no line_items/],
      ["{not json", /not valid JSON/],
    ];
    for (const [body, message, status = 400, key = MOR] of cases) {
      const res = await api("POST", SESSIONS, body, key);
      expect(res.status, String(message)).toBe(status);
      expect(res.body, String(message)).toEqual({ success: false, message: expect.stringMatching(message), data: null });
    }
    const form = await api("POST", SESSIONS, "mode=payment", MOR, { "Content-Type": "application/x-www-form-urlencoded" });
    expect(form.status).toBe(415);
    expect(form.body.success).toBe(false);
  });

  it("authenticates with X-API-Key only", async () => {
    expect(await api("POST", SESSIONS, pack(), null)).toMatchObject({ status: 401, body: { success: false, message: expect.stringMatching(/X-API-Key/), data: null } });
    expect(await api("POST", SESSIONS, pack(), "sk_live_123")).toMatchObject({ status: 401, body: { success: false, message: "Invalid API key." } });
    const bearer = await fetch(`${origin}${SESSIONS}`, { method: "POST", headers: { Authorization: `Bearer ${MOR}`, "Content-Type": "application/json" }, body: JSON.stringify(pack()) });
    expect(bearer.status).toBe(401);
  });

  it("404s in the envelope: unknown session, another merchant's session, unknown route", async () => {
    const { session } = await create();
    expect(await api("GET", `${SESSIONS}/cs_nope`)).toMatchObject({ status: 404, body: { success: false, data: null } });
    expect((await api("GET", `${SESSIONS}/${session.id}`, undefined, "fs_test_someone_else")).status).toBe(404);
    expect(await api("GET", "/api/v1/public/nothing")).toMatchObject({ status: 404, body: { success: false, message: expect.stringMatching(/Route not found/) } });
  });

  it("honours Idempotency-Key: a replay returns the same session, other parameters conflict", async () => {
    const first = await api<SessionData>("POST", SESSIONS, pack(), MOR, { "Idempotency-Key": "k-1" });
    const again = await api<SessionData>("POST", SESSIONS, pack(), MOR, { "Idempotency-Key": "k-1" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.data!.session.id).toBe(first.body.data!.session.id);
    const other = await api("POST", SESSIONS, pack({ client_reference_id: "other" }), MOR, { "Idempotency-Key": "k-1" });
    expect(other).toMatchObject({ status: 409, body: { success: false } });
    const sessions = (await control<{ sessions: unknown[] }>("GET", "/faststar/sessions")).body.sessions;
    expect(sessions).toHaveLength(1);
  });

  it("lists the catalog the seed writes (price_sbx_<price>, grouped under prod_sbx_<product>)", async () => {
    const prices = (await api<{ prices: Json[] }>("GET", "/api/v1/merchant/catalog/prices")).body.data!.prices;
    expect(prices.find((p) => p.id === "price_sbx_pro_monthly")).toMatchObject({ product_id: "prod_sbx_pro", type: "recurring", recurring_interval: "month", trial_period_days: 7, unit_amount: 2900, currency: "USD" });
    expect(prices.find((p) => p.id === "price_sbx_credits_100_pack")).toMatchObject({ type: "one_time", unit_amount: 1000 });
    const products = (await api<{ products: Json[] }>("GET", "/api/v1/merchant/catalog/products")).body.data!.products;
    expect(products.map((p) => p.id)).toContain("prod_sbx_starter");
  });

  it("injected faults answer in the envelope", async () => {
    await control("POST", "/faststar/faults", { status: 503, count: 1 });
    expect(await api("POST", SESSIONS, pack())).toMatchObject({ status: 503, body: { success: false, message: expect.stringMatching(/Injected fault/), data: null } });
    expect((await api("POST", SESSIONS, pack())).status).toBe(200);
  });
});

describe("FastStar hosted cashier page", () => {
  it("renders the shared labels, amounts with tax, a Back link, and the overlay config; needs the session token", async () => {
    const { session, url } = await create(pack({ buyer_country: "US", customer_email: undefined }));
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors *");
    const html = await res.text();
    expect(html).toContain("FastStar — sandbox");
    for (const id of ["email", "card_number", "card_expiry", "card_cvc", "name"]) expect(html).toContain(`<label for="${id}">`);
    expect(html).toMatch(/<label for="email">Email<\/label>/);
    expect(html).toMatch(/<label for="card_number">Card number<\/label>/);
    expect(html).toMatch(/<label for="card_expiry">Expiration date /);
    expect(html).toMatch(/<label for="card_cvc">Security code /);
    expect(html).toContain("Pay $32.40");
    expect(html).toMatch(/Subtotal<\/th><td class="num" id="amount-subtotal">\$30\.00/);
    expect(html).toMatch(/Sales tax 8% \(US\)<\/th><td class="num" id="amount-tax">\$2\.40/);
    expect(html).toMatch(/id="amount-due">\$32\.40/);
    expect(html).toContain(`href="${CANCEL_URL}" data-sandbox-cancel`);
    const config = JSON.parse(/<script type="application\/json" id="sandbox-config">([^<]*)<\/script>/.exec(html)![1]);
    expect(config).toEqual({ provider: "faststar", sessionId: session.id, ready: true });

    expect((await fetch(`${origin}/pay/faststar/${session.id}`)).status).toBe(403);
    expect((await fetch(`${origin}/pay/faststar/${session.id}?token=wrong`)).status).toBe(403);
    expect((await fetch(`${origin}/pay/faststar/cs_unknown`)).status).toBe(404);

    const vat = await create(pack({ buyer_country: "DE" }));
    const vatHtml = await (await fetch(vat.url!)).text();
    expect(vatHtml).toContain("VAT 19% (DE), included");
    expect(vatHtml).toContain("Pay $30.00");
    const trial = await create(pack({ mode: "subscription", line_items: [{ price_id: "price_sbx_pro_monthly", quantity: 1 }] }));
    expect(await (await fetch(trial.url!)).text()).toMatch(/Start trial[\s\S]*7 days free|7 days free[\s\S]*Start trial/);
    const sub = await create(pack({ mode: "subscription", line_items: [{ price_id: "price_sbx_starter_monthly", quantity: 1 }] }));
    expect(await (await fetch(sub.url!)).text()).toContain(">Subscribe</button>");
  });

  it("4242 pays: 303 to success_url as given; the page then says complete and refuses a second payment", async () => {
    const { session, url } = await create();
    const res = await submit(url!, card("4242 4242 4242 4242"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(SUCCESS_URL);
    const read = (await api<SessionData>("GET", `${SESSIONS}/${session.id}`)).body.data!;
    expect(read.session).toMatchObject({ status: "complete", payment_status: "paid", customer_email: "buyer@example.com" });
    expect(read.session.payment_id).toMatch(/^pi_/);
    expect(read.url).toBeNull();
    const again = await fetch(url!);
    expect(await again.text()).toContain("already complete");
    expect((await submit(url!, card("4242424242424242"))).status).toBe(200);
    expect((await api<SessionData>("GET", `${SESSIONS}/${session.id}`)).body.data!.session.payment_id).toBe(read.session.payment_id);
  });

  it("4000 0000 0000 0002 is declined (402, role=alert) and the session stays open; field errors are shown", async () => {
    const { session, url } = await create();
    const declined = await submit(url!, card("4000 0000 0000 0002"));
    expect(declined.status).toBe(402);
    expect(await declined.text()).toMatch(/<div class="alert" role="alert" id="form-error">Your card was declined\.<\/div>/);
    expect((await api<SessionData>("GET", `${SESSIONS}/${session.id}`)).body.data!.session.status).toBe("open");
    const bad = await submit(url!, card("4242 4242 4242 4241", { card_cvc: "1" }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Your card number is invalid.");
    expect(html).toMatch(/id="card_number"[^>]*aria-invalid="true"/);
  });

  it("inside the overlay: completion posts checkout.completed with the success URL instead of navigating", async () => {
    const { session, url } = await create();
    const res = await submit(url!, card("4242424242424242", { embedded: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    const config = JSON.parse(/<script type="application\/json" id="sandbox-config">([^<]*)<\/script>/.exec(html)![1]);
    expect(config).toEqual({ provider: "faststar", sessionId: session.id, completed: { redirectUrl: SUCCESS_URL } });
    expect(html).toContain('"checkout-sandbox"');
  });

  it("expired and canceled sessions explain themselves (410)", async () => {
    const a = await create();
    await control("POST", "/clock/advance", { hours: 25 });
    expect((await api<SessionData>("GET", `${SESSIONS}/${a.session.id}`)).body.data!.session.status).toBe("expired");
    expect((await fetch(a.url!)).status).toBe(410);
  });
});

describe("FastStar webhooks", () => {
  it("delivers payment.succeeded signed t=…,v1=… with X-Webhook-ID and X-Webhook-Timestamp, in FastStar's envelope", async () => {
    const { session, url } = await create(pack({ buyer_country: "US" }));
    await submit(url!, card("4242424242424242"));
    await waitIdle();
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery.verified).toBe(true);
    const event = JSON.parse(delivery.raw) as Json & { data: Json };
    expect(event).toMatchObject({ type: "payment.succeeded", livemode: false, api_version: "v1" });
    expect(Object.keys(event).sort()).toEqual(["api_version", "created", "data", "id", "livemode", "type"]);
    expect(delivery.headers["x-webhook-id"]).toBe(event.id);
    expect(delivery.headers["x-webhook-timestamp"]).toBe(String(event.created));
    // Exactly the documented data (faststarpay.com/docs/webhooks): none of our ids; the session names the payment.
    expect(event.data).toEqual({ payment_id: expect.stringMatching(/^pi_/), status: "succeeded", amount: 3240, currency: "USD" });
    const after = await api<SessionData>("GET", `${SESSIONS}/${session.id}`);
    expect(after.body.data!.session.payment_id).toBe(event.data.payment_id);
  });

  it("retries a failed delivery with the same id and body, re-signed", async () => {
    answer = (i) => (i === 0 ? 500 : 200);
    const { url } = await create();
    await submit(url!, card("4242424242424242"));
    await waitIdle();
    expect(received).toHaveLength(2);
    expect(received[1].raw).toBe(received[0].raw);
    expect(received[1].headers["x-webhook-id"]).toBe(received[0].headers["x-webhook-id"]);
    expect(received.every((r) => r.verified)).toBe(true);
    const deliveries = (await control<{ deliveries: Array<{ state: string; attempts: Array<{ status: number }> }> }>("GET", "/faststar/webhooks/deliveries")).body.deliveries;
    expect(deliveries[0]).toMatchObject({ state: "delivered", attempts: [{ status: 500 }, { status: 200 }] });
  });

  it("a declined card sends payment.failed; a subscription sends payment.succeeded, subscription.created, invoice.paid and renews on the clock", async () => {
    const a = await create();
    await submit(a.url!, card("4000000000000002"));
    const sub = await create(pack({ mode: "subscription", line_items: [{ price_id: "price_sbx_starter_monthly", quantity: 1 }] }));
    expect((await control("POST", `/faststar/sessions/${sub.session.id}/complete`, { card: "4242424242424242" })).status).toBe(200);
    await control("POST", "/clock/advance", { days: 32 });
    await waitIdle();
    const events = received.map((r) => JSON.parse(r.raw) as { type: string; data: Json });
    expect(events.map((e) => e.type)).toEqual(["payment.failed", "payment.succeeded", "subscription.created", "invoice.paid", "subscription.updated", "invoice.paid", "payment.succeeded"]);
    expect(events[0].data).toMatchObject({ status: "failed", failure_message: "Your card was declined.", checkout_session_id: a.session.id });
    expect(events[2].data).toMatchObject({ status: "active", cancel_at_period_end: false, checkout_session_id: sub.session.id });
    expect(Date.parse(events[5].data.period_end as string)).toBeGreaterThan(Date.parse(events[3].data.period_end as string));
    expect(Object.keys(events[6].data).sort()).toEqual(["amount", "currency", "payment_id", "status"]);
    expect(received.every((r) => r.verified)).toBe(true);
  });
});
