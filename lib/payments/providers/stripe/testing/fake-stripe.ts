// Test-only: a minimal in-process stand-in for the slice of Stripe's HTTP API the adapter
// uses (form-encoded create, retrieve with expand, subscription update, idempotency keys),
// so tests drive the REAL stripe SDK over HTTP and can assert on the exact wire request.
// The full local sandbox (sandbox/) covers hosted pages and webhook delivery; this file only
// exists so adapter/billing tests need nothing else. Never imported by app code.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export type Json = Record<string, unknown>;

export type RecordedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Json;
  rawBody: string;
};

/** Parses Stripe's bracket form encoding (a[b][0][c]=v) into nested objects/arrays. */
export function parseStripeForm(raw: string): Json {
  const root: Json = {};
  for (const [fullKey, value] of new URLSearchParams(raw)) {
    const parts = fullKey.replace(/\]/g, "").split("[");
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[index + 1]);
      const container = node as Record<string, unknown>;
      if (last) container[part] = value;
      else {
        container[part] ??= nextIsIndex ? [] : {};
        node = container[part] as Record<string, unknown>;
      }
    });
  }
  return root;
}

export class FakeStripe {
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, Json>();
  readonly subscriptions = new Map<string, Json>();
  private idempotent = new Map<string, { status: number; body: Json }>();
  private failures: { status: number; body: Json }[] = [];
  private counter = 0;
  url = "";

  private constructor(private server: http.Server) {}

  static async start(): Promise<FakeStripe> {
    const server = http.createServer();
    const fake = new FakeStripe(server);
    server.on("request", (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next N API calls answer with this status (e.g. 500, or 400 with an error body). */
  failNext(status: number, count = 1, error: Json = { type: status >= 500 ? "api_error" : "invalid_request_error", message: "forced by test" }) {
    for (let i = 0; i < count; i += 1) this.failures.push({ status, body: { error } });
  }

  creates(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === "POST" && request.path === "/v1/checkout/sessions");
  }

  private id(prefix: string) {
    this.counter += 1;
    return `${prefix}_test_${Date.now().toString(36)}${this.counter.toString(36).padStart(4, "0")}${Math.random().toString(36).slice(2, 8)}`;
  }

  /** Simulates the buyer paying on the hosted page (or async payment pending with paymentStatus "unpaid"). */
  pay(sessionId: string, options: { paymentStatus?: "paid" | "unpaid" | "no_payment_required"; customer?: string } = {}): Json {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    const now = Math.floor(Date.now() / 1000);
    session.status = "complete";
    session.customer = options.customer ?? (session.customer as string | null) ?? this.id("cus");
    if (session.mode === "subscription") {
      const subscriptionData = (session.subscription_data ?? {}) as Json;
      const trialDays = Number(subscriptionData.trial_period_days ?? 0);
      const periodEnd = now + (trialDays > 0 ? trialDays * 86_400 : 30 * 86_400);
      const subscription: Json = {
        id: this.id("sub"),
        object: "subscription",
        status: trialDays > 0 ? "trialing" : "active",
        customer: session.customer,
        cancel_at_period_end: false,
        cancel_at: null,
        canceled_at: null,
        trial_end: trialDays > 0 ? periodEnd : null,
        metadata: subscriptionData.metadata ?? {},
        items: { object: "list", data: [{ id: this.id("si"), current_period_start: now, current_period_end: periodEnd }] },
      };
      this.subscriptions.set(subscription.id as string, subscription);
      session.subscription = subscription.id;
      session.invoice = this.id("in");
      session.payment_status = options.paymentStatus ?? (trialDays > 0 ? "no_payment_required" : "paid");
    } else {
      session.payment_intent = this.id("pi");
      session.payment_status = options.paymentStatus ?? "paid";
    }
    return this.publicSession(session);
  }

  expire(sessionId: string): Json {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    session.status = "expired";
    return this.publicSession(session);
  }

  publicSession(session: Json): Json {
    const rest = { ...session };
    for (const internal of ["subscription_data", "payment_intent_data", "line_items"]) delete rest[internal];
    return structuredClone(rest);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const body = parseStripeForm(req.method === "GET" ? url.searchParams.toString() : rawBody);
    this.requests.push({ method: req.method ?? "GET", path: url.pathname, headers: req.headers, body, rawBody });
    const send = (status: number, payload: Json) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": this.id("req") });
      res.end(JSON.stringify(payload));
    };
    if (!/^Bearer sk_test_\S+$/.test(req.headers.authorization ?? "")) {
      return send(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided" } });
    }
    const failure = this.failures.shift();
    if (failure) return send(failure.status, failure.body);

    const key = req.headers["idempotency-key"];
    const idempotencyKey = typeof key === "string" && req.method === "POST" ? `${url.pathname}|${key}` : null;
    if (idempotencyKey && this.idempotent.has(idempotencyKey)) {
      const saved = this.idempotent.get(idempotencyKey)!;
      return send(saved.status, saved.body);
    }
    const [status, payload] = this.route(req.method ?? "GET", url.pathname, body);
    if (idempotencyKey) this.idempotent.set(idempotencyKey, { status, body: payload });
    send(status, payload);
  }

  private route(method: string, path: string, body: Json): [number, Json] {
    const notFound: [number, Json] = [404, { error: { type: "invalid_request_error", code: "resource_missing", message: `No such object: ${path}` } }];
    if (method === "POST" && path === "/v1/checkout/sessions") return [200, this.publicSession(this.createSession(body))];
    let match = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/);
    if (match && method === "GET") {
      const session = this.sessions.get(match[1]);
      if (!session) return notFound;
      const result = this.publicSession(session);
      const expand = Array.isArray(body.expand) ? (body.expand as string[]) : [];
      if (expand.includes("subscription") && typeof result.subscription === "string") {
        result.subscription = structuredClone(this.subscriptions.get(result.subscription) ?? result.subscription);
      }
      return [200, result];
    }
    match = path.match(/^\/v1\/subscriptions\/([^/]+)$/);
    if (match) {
      const subscription = this.subscriptions.get(match[1]);
      if (!subscription) return notFound;
      if (method === "POST") {
        if (body.cancel_at_period_end === "true") {
          subscription.cancel_at_period_end = true;
          const items = (subscription.items as { data: Json[] }).data;
          subscription.cancel_at = items[0]?.current_period_end ?? null;
        }
      }
      return [200, structuredClone(subscription)];
    }
    return notFound;
  }

  private createSession(body: Json): Json {
    const lineItems = (Array.isArray(body.line_items) ? body.line_items : []) as Json[];
    let subtotal = 0;
    let currency = (body.currency as string | undefined) ?? null;
    for (const item of lineItems) {
      const priceData = item.price_data as Json | undefined;
      if (priceData) {
        subtotal += Number(priceData.unit_amount) * Number(item.quantity ?? 1);
        currency = priceData.currency as string;
      }
    }
    const id = this.id("cs");
    const session: Json = {
      id,
      object: "checkout.session",
      mode: body.mode,
      status: "open",
      payment_status: "unpaid",
      url: `${this.url}/c/pay/${id}`,
      client_reference_id: body.client_reference_id ?? null,
      metadata: body.metadata ?? {},
      customer: body.customer ?? null,
      customer_email: body.customer_email ?? null,
      success_url: body.success_url ?? null,
      cancel_url: body.cancel_url ?? null,
      amount_subtotal: subtotal,
      amount_total: subtotal,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      currency,
      locale: body.locale ?? null,
      payment_intent: null,
      subscription: null,
      invoice: null,
      expires_at: Math.floor(Date.now() / 1000) + 86_400,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      subscription_data: body.subscription_data,
      payment_intent_data: body.payment_intent_data,
      line_items: lineItems,
    };
    this.sessions.set(id, session);
    return session;
  }
}

/** A Stripe event envelope as Stripe sends it, as the exact JSON text to sign. */
export function stripeEventPayload(type: string, object: Json, options: { id?: string; created?: number } = {}): string {
  return JSON.stringify({
    id: options.id ?? `evt_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: options.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

/** Headers carrying a valid Stripe-Signature for `payload` (optionally at another time). */
export function signedHeaders(payload: string, secret: string, timestamp?: number): Headers {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
  return new Headers({ "stripe-signature": signature, "content-type": "application/json" });
}
