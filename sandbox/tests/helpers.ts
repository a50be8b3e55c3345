import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { startSandbox, type SandboxHandle, type SandboxOptions } from "../server";

export const SECRET = "whsec_test_secret_for_vitest";

export interface TestSandbox {
  sb: SandboxHandle;
  stripe: Stripe;
  origin: string;
  control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startStripe(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const sb = await startSandbox({
    port: 0,
    log: false,
    webhookUrls: { stripe: null },
    secrets: { stripe: SECRET },
    retrySchedule: [100, 200, 400],
    env: {},
    ...opts,
  });
  const origin = sb.urls.stripe;
  const stripe = new Stripe("sk_test_sandbox", { host: "127.0.0.1", port: Number(new URL(origin).port), protocol: "http", maxNetworkRetries: 0 });
  return {
    sb,
    stripe,
    origin,
    async control(method, path, body) {
      const res = await fetch(`${origin}/_sandbox${path}`, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as never };
    },
    stop: () => sb.stop(),
  };
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  event: Stripe.Event | null;
  verifyError: string | null;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Status to answer for the Nth request (0-based); default 200. */
  respond: (index: number, raw: string) => number;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** A local webhook endpoint that verifies every delivery with stripe.webhooks.constructEvent. */
export async function startReceiver(secret = SECRET): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    respond: () => 200,
    async waitFor(n, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} webhook requests, got ${received.length}: ${received.map((r) => r.event?.type).join(", ")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let event: Stripe.Event | null = null;
      let verifyError: string | null = null;
      try {
        event = Stripe.webhooks.constructEvent(raw, String(req.headers["stripe-signature"] ?? ""), secret);
      } catch (err) {
        verifyError = err instanceof Error ? err.message : String(err);
      }
      const status = receiver.respond(received.length, raw);
      received.push({ headers: req.headers, raw, event, verifyError, status });
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ received: true }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/webhooks/stripe`;
  return receiver;
}

export const SUCCESS_URL = "http://localhost:3000/checkout/success?checkout_id=chk_123&session_id={CHECKOUT_SESSION_ID}";
export const CANCEL_URL = "http://localhost:3000/pricing?canceled=1";

export function tshirt(stripe: Stripe, extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: "payment",
    success_url: SUCCESS_URL,
    cancel_url: CANCEL_URL,
    line_items: [{ price_data: { currency: "usd", product_data: { name: "T-shirt" }, unit_amount: 2000 }, quantity: 2 }],
    customer_email: "buyer@example.com",
    client_reference_id: "chk_123",
    metadata: { checkout_id: "chk_123" },
    ...extra,
  });
}

/** Submits the hosted page's form the way a browser does (no redirect following). */
export function submitPage(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

export function card(number: string, extra: Record<string, string> = {}): Record<string, string> {
  return { intent: "pay", embedded: "0", card_number: number, card_expiry: "12 / 34", card_cvc: "123", name: "Ada Lovelace", ...extra };
}
