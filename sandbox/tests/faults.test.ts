import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseFaultSpec } from "../core/traffic";
import { card, startStripe, submitPage, tshirt, type TestSandbox } from "./helpers";

type Logged = {
  seq: number;
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body: Record<string, unknown> | null;
  rawBody: string;
  status: number | null;
  faultId: number | null;
};

let t: TestSandbox;
beforeAll(async () => {
  t = await startStripe();
});
afterAll(async () => {
  await t.stop();
});
beforeEach(async () => {
  await t.control("POST", "/reset");
});

async function requests(query = ""): Promise<Logged[]> {
  const { status, body } = await t.control<{ requests: Logged[] }>("GET", `/stripe/requests${query}`);
  expect(status).toBe(200);
  return body.requests;
}

function client(options: Partial<Stripe.StripeConfig> = {}) {
  return new Stripe("sk_test_faults", { host: "127.0.0.1", port: Number(new URL(t.origin).port), protocol: "http", maxNetworkRetries: 0, ...options });
}

async function sessionCount(): Promise<number> {
  return (await t.control<{ sessions: unknown[] }>("GET", "/stripe/sessions")).body.sessions.length;
}

describe("fault injection: status", () => {
  it("answers the next `count` matching API requests with the status in Stripe's error shape, then lets requests through", async () => {
    const added = await t.control<{ fault: { id: number; remaining: number } }>("POST", "/stripe/faults", { status: 500, count: 2, paths: "/v1/checkout/sessions", methods: ["post"] });
    expect(added.status).toBe(201);
    expect(added.body.fault).toMatchObject({ remaining: 2 });

    for (let i = 0; i < 2; i += 1) {
      const error = await tshirt(t.stripe).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect((error as Stripe.errors.StripeError).statusCode).toBe(500);
      expect((error as Stripe.errors.StripeError).message).toMatch(/Injected fault/);
    }
    expect(await sessionCount()).toBe(0); // the faulted requests never reached the provider
    const created = await tshirt(t.stripe);
    expect(created.id).toMatch(/^cs_test_/);
    expect((await t.control<{ faults: unknown[] }>("GET", "/stripe/faults")).body.faults).toEqual([]);

    const log = await requests("?method=POST&path=/v1/checkout/sessions");
    expect(log.map((r) => [r.status, r.faultId])).toEqual([
      [500, added.body.fault.id],
      [500, added.body.fault.id],
      [200, null],
    ]);
  });

  it("matches only the given methods and paths (prefix or ^regex); others pass untouched", async () => {
    const session = await tshirt(t.stripe);
    await t.control("POST", "/stripe/faults", { status: 503, paths: "^/v1/checkout/sessions/[^/]+$", methods: "GET" });
    // A POST to the same family and a GET elsewhere pass.
    await t.stripe.checkout.sessions.update(session.id, { metadata: { a: "1" } });
    await expect(t.stripe.customers.list()).resolves.toBeTruthy();
    // A list (no id) does not match the regex.
    await expect(t.stripe.checkout.sessions.list()).resolves.toBeTruthy();
    await expect(t.stripe.checkout.sessions.retrieve(session.id)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await expect(t.stripe.checkout.sessions.retrieve(session.id)).resolves.toMatchObject({ id: session.id });
  });

  it("4xx default to invalid_request_error, 429 to a rate-limit error; a custom body and headers are sent verbatim", async () => {
    await t.control("POST", "/stripe/faults", { status: 400 });
    const bad = await t.stripe.customers.list().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    await t.control("POST", "/stripe/faults", { status: 429 });
    await expect(t.stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await t.control("POST", "/stripe/faults", { status: 402, body: { error: { type: "card_error", code: "card_declined", message: "nope" } }, headers: { "Stripe-Should-Retry": "false" } });
    const raw = await fetch(`${t.origin}/v1/customers`, { headers: { authorization: "Bearer sk_test_x" } });
    expect(raw.status).toBe(402);
    expect(raw.headers.get("stripe-should-retry")).toBe("false");
    expect(raw.headers.get("sandbox-fault")).toMatch(/^\d+$/);
    expect(await raw.json()).toEqual({ error: { type: "card_error", code: "card_declined", message: "nope" } });
  });

  it("the SDK's own retries consume the fault: count 2 outlasts maxNetworkRetries 1, count 1 does not", async () => {
    const retrying = client({ maxNetworkRetries: 1 });
    await t.control("POST", "/stripe/faults", { status: 500, count: 2 });
    await expect(tshirt(retrying)).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    await t.control("POST", "/stripe/faults", { status: 500, count: 1 });
    await expect(tshirt(retrying)).resolves.toMatchObject({ object: "checkout.session" });
    const posts = await requests("?method=POST");
    expect(posts).toHaveLength(4);
    // The retry carried the same idempotency key as the first attempt.
    expect(posts[3].headers["idempotency-key"]).toBe(posts[2].headers["idempotency-key"]);
  });

  it("never touches hosted pages or the control API", async () => {
    const session = await tshirt(t.stripe);
    await t.control("POST", "/stripe/faults", { status: 500, count: 5 });
    expect((await fetch(session.url!)).status).toBe(200);
    expect((await t.control("GET", `/stripe/sessions/${session.id}`)).status).toBe(200);
    expect((await submitPage(session.url!, { ...card("4242424242424242"), email: "buyer@example.com" })).status).toBe(303);
    expect((await t.control<{ faults: { remaining: number }[] }>("GET", "/stripe/faults")).body.faults[0].remaining).toBe(5);
    expect((await requests()).map((r) => r.path)).toEqual(["/v1/checkout/sessions"]);
  });

  it("DELETE clears the faults, and so does reset (with the log)", async () => {
    await t.control("POST", "/stripe/faults", { status: 500, count: 3 });
    await t.control("POST", "/stripe/faults", { status: 404, paths: "/v1/customers" });
    expect((await t.control<{ cleared: number }>("DELETE", "/stripe/faults")).body.cleared).toBe(2);
    await expect(t.stripe.customers.list()).resolves.toBeTruthy();

    await t.control("POST", "/stripe/faults", { status: 500 });
    await t.control("POST", "/stripe/reset");
    await expect(t.stripe.customers.list()).resolves.toBeTruthy();
    expect(await requests()).toHaveLength(1);
    await t.control("POST", "/stripe/faults", { status: 500 });
    await t.control("POST", "/reset");
    expect((await t.control<{ faults: unknown[] }>("GET", "/stripe/faults")).body.faults).toEqual([]);
    expect(await requests()).toEqual([]);
  });

  it("rejects malformed fault specs", async () => {
    for (const body of [{}, { status: 200 }, { status: 500, count: 0 }, { status: 500, paths: "^(" }, { body: { x: 1 }, delayMs: 5 }, { status: 500, nope: 1 }, { delayMs: -1 }, { status: 500, methods: [] }]) {
      const { status } = await t.control("POST", "/stripe/faults", body);
      expect(status, JSON.stringify(body)).toBe(400);
    }
    expect(parseFaultSpec({ status: "503", methods: "post", paths: ["/v1/a", "^/v1/b$"] })).toEqual({ status: 503, methods: ["POST"], paths: ["/v1/a", "^/v1/b$"] });
  });
});

describe("fault injection: delay (timeouts)", () => {
  it("delays the answer; with a status, the status comes after the delay", async () => {
    await t.control("POST", "/stripe/faults", { delayMs: 300 });
    let started = Date.now();
    await t.stripe.customers.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    await t.control("POST", "/stripe/faults", { delayMs: 200, status: 502 });
    started = Date.now();
    await expect(t.stripe.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("a client that times out sees a connection error; the request is still processed, and the retry replays it", async () => {
    const impatient = client({ timeout: 150 });
    await t.control("POST", "/stripe/faults", { delayMs: 400, methods: ["POST"] });
    const key = "idem-timeout-1";
    const params = { mode: "payment" as const, success_url: "http://localhost/ok", line_items: [{ price_data: { currency: "usd", product_data: { name: "Mug" }, unit_amount: 900 }, quantity: 1 }] };
    await expect(impatient.checkout.sessions.create(params, { idempotencyKey: key })).rejects.toBeInstanceOf(Stripe.errors.StripeConnectionError);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sessionCount()).toBe(1); // the timed-out create still ran at the "provider"
    const replay = await impatient.checkout.sessions.create(params, { idempotencyKey: key });
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(await sessionCount()).toBe(1);
    const log = await requests("?method=POST");
    expect(log.map((r) => [r.headers["idempotency-key"], r.status])).toEqual([
      [key, null], // the client left before the answer
      [key, 200],
    ]);
  });

  it("stop() drops requests still waiting on a delay", async () => {
    const other = await startStripe();
    await other.control("POST", "/stripe/faults", { delayMs: 60_000 });
    const pending = other.stripe.customers.list().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await other.stop();
    expect(await pending).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("request log", () => {
  it("records method, path, headers (incl. idempotency-key), parsed query and body, status", async () => {
    const session = await t.stripe.checkout.sessions.create(
      {
        mode: "payment",
        success_url: "http://localhost/ok",
        line_items: [{ price_data: { currency: "usd", product_data: { name: "Mug" }, unit_amount: 900 }, quantity: 2 }],
        metadata: { checkout_id: "chk_1" },
      },
      { idempotencyKey: "idem-log-1" },
    );
    await t.stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items"] });
    await fetch(`${t.origin}/v1/nope`, { method: "POST", headers: { authorization: "Bearer sk_test_x", "content-type": "application/json" }, body: JSON.stringify({ a: [1] }) });

    const [create, retrieve, unknown] = await requests();
    expect(create).toMatchObject({
      method: "POST",
      path: "/v1/checkout/sessions",
      status: 200,
      faultId: null,
      headers: { "idempotency-key": "idem-log-1", authorization: "Bearer sk_test_sandbox", "content-type": "application/x-www-form-urlencoded" },
      body: {
        mode: "payment",
        line_items: [{ quantity: "2", price_data: { currency: "usd", unit_amount: "900", product_data: { name: "Mug" } } }],
        metadata: { checkout_id: "chk_1" },
      },
    });
    expect(create.rawBody).toContain("line_items[0][price_data][unit_amount]=900");
    expect(retrieve).toMatchObject({ method: "GET", path: `/v1/checkout/sessions/${session.id}`, query: { expand: ["line_items"] }, body: null, status: 200 });
    expect(unknown).toMatchObject({ path: "/v1/nope", body: { a: [1] }, status: 404 });

    expect(await requests(`?since=${create.seq}`)).toHaveLength(2);
    expect(await requests("?path=^/v1/checkout/sessions/cs_")).toHaveLength(1);
    expect((await t.control<{ cleared: number }>("DELETE", "/stripe/requests")).body.cleared).toBe(3);
    expect(await requests()).toEqual([]);
  });
});
