import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_WEBHOOK_BODY_BYTES } from "@/lib/http/body";
import { creemEventPayload, creemSignedHeaders } from "@/lib/payments/providers/creem/testing/events";
import * as dodo from "@/lib/payments/providers/dodo/testing/events";
import * as faststar from "@/lib/payments/providers/faststar/testing/events";
import { recurEventPayload, signRecur } from "@/lib/payments/providers/recur/testing/sandbox";
import * as stripe from "@/lib/payments/providers/stripe/testing/events";
import { useIsolatedDatabase, writableRowCounts } from "@/lib/security/testing/isolated-database";
import { POST } from "./route";

// Hostile input against the real route handler, for every provider: whatever arrives, the
// answer is a 4xx and not one row is written. Counting whole tables is exact because this
// file has a database of its own.

const SECRETS = {
  STRIPE_WEBHOOK_SECRET: "whsec_route_fuzz_stripe",
  CREEM_WEBHOOK_SECRET: "whsec_route_fuzz_creem",
  DODO_PAYMENTS_WEBHOOK_KEY: dodo.testWebhookSecret("route-fuzz"),
  RECUR_WEBHOOK_SECRET: "whsec_route_fuzz_recur",
  FASTSTAR_WEBHOOK_SECRET: "whsec_route_fuzz_faststar",
};

type Sign = (payload: string, options?: { timestamp?: number }) => Headers;
type ProviderUnderTest = {
  name: string;
  /** Headers that carry or feed the signature: missing or garbled, the delivery is refused. */
  signatureHeaders: string[];
  /** Unsigned delivery metadata the fuzzer also throws in. */
  otherHeaders: string[];
  /** A well-formed event of a type the app does not handle (accepted, recorded as ignored); unique per call. */
  payload: () => string;
  sign: Sign;
  /** Whether the signature covers a timestamp that can be too old (Creem and Recur sign the body only). */
  signsTimestamp: boolean;
};

const now = () => Math.floor(Date.now() / 1000);
const uniqueId = (prefix: string) => `${prefix}_${randomUUID().replace(/-/g, "")}`;

const PROVIDERS: ProviderUnderTest[] = [
  {
    name: "stripe",
    signatureHeaders: ["stripe-signature"],
    otherHeaders: [],
    payload: () => stripe.stripeEventPayload("customer.tax_id.created", { id: uniqueId("txi"), object: "tax_id" }),
    sign: (payload, options = {}) => stripe.signedHeaders(payload, SECRETS.STRIPE_WEBHOOK_SECRET, options.timestamp),
    signsTimestamp: true,
  },
  {
    name: "creem",
    signatureHeaders: ["creem-signature"],
    otherHeaders: [],
    payload: () => creemEventPayload("customer.created", { id: uniqueId("cust"), object: "customer" }),
    sign: (payload) => creemSignedHeaders(payload, SECRETS.CREEM_WEBHOOK_SECRET),
    signsTimestamp: false,
  },
  {
    name: "dodo",
    signatureHeaders: ["webhook-id", "webhook-timestamp", "webhook-signature"],
    otherHeaders: [],
    payload: () => dodo.dodoEventPayload("customer.created", "Customer", { customer_id: uniqueId("cus") }),
    sign: (payload, options = {}) => dodo.signedHeaders(payload, SECRETS.DODO_PAYMENTS_WEBHOOK_KEY, options),
    signsTimestamp: true,
  },
  {
    name: "recur",
    signatureHeaders: ["x-recur-signature"],
    otherHeaders: ["x-recur-event-id", "x-recur-event-type", "x-recur-timestamp"],
    payload: () => recurEventPayload("customer.created", { id: uniqueId("cus"), object: "customer" }),
    // The documented scheme, also for bodies that are not JSON (the recur helper parses them).
    sign: (payload) => new Headers({ "content-type": "application/json", "x-recur-signature": signRecur(payload, SECRETS.RECUR_WEBHOOK_SECRET) }),
    signsTimestamp: false,
  },
  {
    name: "faststar",
    signatureHeaders: ["x-webhook-signature"],
    otherHeaders: ["x-webhook-id", "x-webhook-timestamp"],
    payload: () => faststar.faststarEventPayload("customer.created", { object: { id: uniqueId("cus"), object: "customer" } }),
    // The documented scheme, also for bodies that are not JSON (the faststar helper parses them).
    sign: (payload, options = {}) =>
      new Headers({
        "content-type": "application/json",
        "x-webhook-signature": faststar.documentedSignature(payload, SECRETS.FASTSTAR_WEBHOOK_SECRET, options.timestamp ?? now()),
      }),
    signsTimestamp: true,
  },
];

function post(provider: string, body: BodyInit | null, headers: HeadersInit = {}): Promise<Response> {
  const init: RequestInit & { duplex?: "half" } = { method: "POST", body, headers };
  if (body instanceof ReadableStream) init.duplex = "half";
  const request = new Request(`http://app.test/api/webhooks/${provider}`, init);
  return POST(request, { params: Promise.resolve({ provider }) });
}

/** A chunked body (no Content-Length) of `chunks` pieces of `chunkBytes`; counts how many were pulled. */
function streamedBody(chunkBytes: number, chunks = Number.POSITIVE_INFINITY) {
  const pulled = { count: 0 };
  const chunk = new Uint8Array(chunkBytes).fill(0x7b);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled.count >= chunks) return controller.close();
      pulled.count += 1;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled };
}

function withHeader(headers: Headers, name: string, value: string | null): Headers {
  const copy = new Headers(headers);
  if (value === null) copy.delete(name);
  else copy.set(name, value);
  return copy;
}

let stopDatabase: () => Promise<void>;
const savedEnv = { ...process.env };
beforeAll(async () => {
  stopDatabase = await useIsolatedDatabase();
  Object.assign(process.env, SECRETS);
}, 120_000);
afterAll(async () => {
  process.env = { ...savedEnv };
  await stopDatabase?.();
});

// Every test below must leave the database exactly as it found it.
let before: Awaited<ReturnType<typeof writableRowCounts>>;
describe.each(PROVIDERS)("POST /api/webhooks/$name refuses hostile input with a 4xx and writes nothing", (provider) => {
  beforeAll(async () => {
    before = await writableRowCounts();
  });
  afterEach(async () => {
    expect(await writableRowCounts()).toEqual(before);
  });

  async function expectRefused(response: Response, status?: number) {
    if (status) expect(response.status).toBe(status);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(await response.json()).toEqual({ error: expect.any(String), code: expect.any(String) });
  }

  it("malformed JSON, even correctly signed", async () => {
    for (const body of ["{", "not json", '{"id": "evt_1", "type": ', "[]", "null", "42", '"text"', "{}"]) {
      await expectRefused(await post(provider.name, body, provider.sign(body)), 400);
    }
  });

  it("an empty body, with and without signature headers", async () => {
    await expectRefused(await post(provider.name, null), 400);
    await expectRefused(await post(provider.name, "", provider.sign("")), 400);
  });

  it("wrong content types on unsigned bodies", async () => {
    const payload = provider.payload();
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""]) {
      await expectRefused(await post(provider.name, payload, { "content-type": type }), 400);
      await expectRefused(await post(provider.name, "a=1&b=2", { "content-type": type }), 400);
    }
  });

  it("missing, duplicated and garbled signature headers", async () => {
    const payload = provider.payload();
    const signed = provider.sign(payload);
    await expectRefused(await post(provider.name, payload, { "content-type": "application/json" }), 400);
    for (const name of provider.signatureHeaders) {
      await expectRefused(await post(provider.name, payload, withHeader(signed, name, null)), 400);
      await expectRefused(await post(provider.name, payload, withHeader(signed, name, "garbled")), 400);
    }
    // The same header twice (Headers joins them with ", "), each carrying another body's signature.
    const foreign = provider.sign(provider.payload());
    const duplicated = new Headers(signed);
    for (const name of provider.signatureHeaders) {
      duplicated.delete(name);
      duplicated.append(name, foreign.get(name) ?? "x");
      duplicated.append(name, foreign.get(name) ?? "x");
    }
    await expectRefused(await post(provider.name, payload, duplicated), 400);
  });

  it("a valid signature for another body", async () => {
    const payload = provider.payload();
    await expectRefused(await post(provider.name, payload, provider.sign(provider.payload())), 400);
    await expectRefused(await post(provider.name, `${payload} `, provider.sign(payload)), 400);
  });

  it.skipIf(!provider.signsTimestamp)("a correct signature made 10 minutes ago (replay)", async () => {
    const payload = provider.payload();
    await expectRefused(await post(provider.name, payload, provider.sign(payload, { timestamp: now() - 600 })), 400);
  });

  it("over 1 MB: 413 by Content-Length, and by counting a chunked body that declares no length", async () => {
    const payload = provider.payload();
    const oversized = payload + " ".repeat(MAX_WEBHOOK_BODY_BYTES);
    await expectRefused(await post(provider.name, oversized, provider.sign(oversized)), 413);
    await expectRefused(await post(provider.name, "{}", { "content-length": String(MAX_WEBHOOK_BODY_BYTES + 1) }), 413);
    // An endless stream: refused after ~1 MB, and the rest is never pulled.
    const endless = streamedBody(64 * 1024);
    await expectRefused(await post(provider.name, endless.stream, provider.sign(payload)), 413);
    expect(endless.pulled.count).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES / (64 * 1024) + 2);
    // A Content-Length that lies about a larger streamed body.
    const lying = streamedBody(64 * 1024, 40);
    await expectRefused(await post(provider.name, lying.stream, { ...Object.fromEntries(provider.sign(payload)), "content-length": "100" }), 413);
  });

  it("generated garbage bodies and headers (fast-check)", async () => {
    const headerValue = fc.stringMatching(/^[\x21-\x7e]{0,120}$/);
    const headerName = fc.oneof(fc.constantFrom(...provider.signatureHeaders, ...provider.otherHeaders, "content-type"), fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/));
    const body = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ id: fc.string(), type: fc.string(), data: fc.jsonValue({ maxDepth: 2 }) }).map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 400 }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.dictionary(headerName, headerValue, { maxKeys: 6 }), async (generated, headers) => {
        const response = await post(provider.name, generated, headers);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});

describe("the same route, for the control cases", () => {
  it("an unknown provider name is a 404 and writes nothing", async () => {
    const counts = await writableRowCounts();
    for (const name of ["paypal", "STRIPE", "stripe ", "..", "__proto__", "constructor"]) {
      const payload = PROVIDERS[0].payload();
      const response = await post(name, payload, PROVIDERS[0].sign(payload));
      expect(response.status, name).toBe(404);
    }
    expect(await writableRowCounts()).toEqual(counts);
  });

  // Proves the refusals above are about the input: the same helpers, signed correctly, pass,
  // also when the body arrives in chunks split inside a multi-byte character.
  it.each(PROVIDERS)("$name: a correctly signed delivery is accepted (200) and recorded once", async (provider) => {
    const payload = provider.payload().replace(/}$/, ',"note":"Zürich ✓"}');
    const bytes = new TextEncoder().encode(payload);
    const split = bytes.indexOf(0xc3) + 1; // inside "ü"
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, split));
        controller.enqueue(bytes.slice(split));
        controller.close();
      },
    });
    const counts = await writableRowCounts();
    const response = await post(provider.name, stream, provider.sign(payload));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ received: true, status: "ignored" });
    expect(await writableRowCounts()).toEqual({ ...counts, webhookEvents: counts.webhookEvents + 1 });
  });
});
