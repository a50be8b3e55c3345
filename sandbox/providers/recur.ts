/**
 * Recur (recur.tw), as our adapter (lib/payments/providers/recur, a typed fetch client) sees it:
 * hosted checkout sessions, the subscriptions, orders, invoices and refunds they create, Recur's
 * auth, JSON bodies, error shape and webhook signatures.
 *
 * Contracts: docs/providers.md § Recur and seed 003. Confirmed there: `POST /v1/checkout/sessions`
 * with `Authorization: Bearer sk_…` and JSON (productId | productSlug, mode PAYMENT | SUBSCRIPTION |
 * SETUP, successUrl / cancelUrl with the `{CHECKOUT_SESSION_ID}` placeholder, customerEmail,
 * customerName, externalCustomerId, metadata — secret keys only); answer `{id: "cs_…", url,
 * expires_at}`; `GET /v1/checkout/sessions/{id}` → `status` ("COMPLETE" when paid), `orderId`,
 * `subscriptionId`; error codes resource_not_found (no such product), invalid_request (bad URL),
 * unauthorized (bad key), answered as `{"error": {"code", "message"}}`; webhooks
 * `X-Recur-Signature` = base64 HMAC-SHA256 of the raw body keyed by the whsec_ secret as text,
 * plus X-Recur-Event-Id / -Event-Type / -Timestamp (Unix ms); envelope `{id, type, timestamp, data}`.
 * Test card (PAYUNi sandbox) 4147 6310 0000 0001.
 *
 * Everything else is marked "unconfirmed" next to the choice: the most plausible behaviour.
 *
 * Sandbox relaxation: the real API requires HTTPS successUrl / cancelUrl; the sandbox also
 * accepts http:// on localhost, 127.0.0.1 and [::1] so local development works. Any other
 * http:// URL is refused with invalid_request, as Recur would.
 */
import { createHmac } from "node:crypto";
import { isEmail, normalizeNumber, parseCard, type CardFieldErrors, type ParsedCard } from "../core/cards";
import { parseForm } from "../core/form";
import { currencyDigits, esc, messagePage, money, page, type FrameConfig } from "../core/html";
import { HttpError, match, redirect, sendHtml, sendJson } from "../core/http";
import { id as newId } from "../core/ids";
import type { ControlResult, ProviderContext, ProviderInstance, ProviderModule, ProviderRequest } from "../core/types";
import { sandboxCatalog, type SandboxProduct } from "../catalog";

const LABEL = "Recur — sandbox";
const DAY_MS = 86_400_000;
/** unconfirmed: how long a session stays payable (Recur does not document it; Stripe's 24 h). */
const SESSION_TTL_MS = 24 * 60 * 60 * 1000;

type Dict = Record<string, unknown>;
type Meta = Record<string, string | number | boolean>;
type Mode = "PAYMENT" | "SUBSCRIPTION" | "SETUP";

interface Product {
  id: string;
  slug: string;
  name: string;
  description: string;
  /** ISO 4217 minor units, as our catalog stores them (the wire shows whole units). */
  unitAmount: number;
  currency: string;
  billing: SandboxProduct["billing"];
}

interface Session {
  id: string;
  object: "checkout.session";
  status: "OPEN" | "COMPLETE" | "EXPIRED";
  mode: Mode;
  productId: string;
  productSlug: string;
  productName: string;
  amount: number;
  currency: string;
  url: string | null;
  successUrl: string;
  cancelUrl: string;
  customerEmail: string | null;
  customerName: string | null;
  externalCustomerId: string | null;
  customerId: string | null;
  metadata: Meta;
  orderId: string | null;
  subscriptionId: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
}

interface Customer {
  id: string;
  object: "customer";
  email: string;
  name: string | null;
  externalId: string | null;
  created_at: string;
}

interface Order {
  id: string;
  object: "order";
  status: "PAID" | "PARTIALLY_REFUNDED" | "REFUNDED";
  checkoutId: string;
  subscriptionId: string | null;
  productId: string;
  customerId: string;
  customerEmail: string;
  amount: number;
  amountRefunded: number;
  currency: string;
  metadata: Meta;
  paidAt: string;
  createdAt: string;
}

interface Subscription {
  id: string;
  object: "subscription";
  status: "TRIALING" | "ACTIVE" | "PAST_DUE" | "CANCELED" | "EXPIRED";
  productId: string;
  customerId: string;
  customerEmail: string;
  checkoutId: string;
  amount: number;
  currency: string;
  billingPeriod: "MONTHLY" | "YEARLY";
  currentPeriodStart: string;
  currentPeriodEnd: string;
  trialEndsAt: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  endedAt: string | null;
  metadata: Meta;
  createdAt: string;
}

interface Invoice {
  id: string;
  object: "invoice";
  status: "PAID" | "FAILED";
  subscriptionId: string;
  orderId: string | null;
  amount: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
  metadata: Meta;
  createdAt: string;
}

interface Refund {
  id: string;
  object: "refund";
  status: "SUCCEEDED";
  orderId: string;
  checkoutId: string;
  amount: number;
  currency: string;
  reason: string | null;
  metadata: Meta;
  createdAt: string;
}

interface RecurEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Dict;
}

interface PayerDetails {
  email: string;
  name: string | null;
  card: ParsedCard;
}

type CardOutcome = { kind: "succeeded" } | { kind: "declined"; code: string; message: string };

// ───────────────────────────── test cards ─────────────────────────────

const OK: CardOutcome = { kind: "succeeded" };
const declined = (code: string, message: string): CardOutcome => ({ kind: "declined", code, message });
/**
 * The Stripe-style cards every sandbox page shares (so one e2e journey drives every provider),
 * plus PAYUNi's sandbox card, which Recur's test mode uses. 4147 6310 0000 0001 fails the Luhn
 * check, so it is accepted by number before card validation.
 */
export const RECUR_TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": OK,
  "4147631000000001": OK, // PAYUNi sandbox card (seed 003 / providers.md)
  "5555555555554444": OK,
  "4000000000000002": declined("CARD_DECLINED", "Your card was declined."),
  "4000000000009995": declined("INSUFFICIENT_FUNDS", "Your card has insufficient funds."),
};
const LIVE_CARD = declined("CARD_DECLINED", "Your card was declined. This is test mode: use a test card such as 4242 4242 4242 4242 or 4147 6310 0000 0001.");

function cardOutcome(number: string, charged: boolean): CardOutcome {
  const outcome = RECUR_TEST_CARDS[number] ?? LIVE_CARD;
  if (!charged && outcome.kind === "declined" && outcome.code === "INSUFFICIENT_FUNDS") return OK;
  return outcome;
}

/** Card fields, with the known test cards accepted whatever their checksum. */
function parseRecurCard(input: { number: string; expiry: string; cvc: string }, nowMs: number): { card?: ParsedCard; errors: CardFieldErrors } {
  const number = normalizeNumber(input.number ?? "");
  if (!RECUR_TEST_CARDS[number]) return parseCard(input, nowMs);
  // Validate expiry/CVC against a checksum-valid stand-in, then put the real number back.
  const parsed = parseCard({ ...input, number: "4242424242424242" }, nowMs);
  if (!parsed.card) return parsed;
  return { card: { ...parsed.card, number, last4: number.slice(-4) }, errors: {} };
}

// ───────────────────────────── wire helpers ─────────────────────────────

class RecurApiError extends HttpError {
  constructor(status: number, code: string, message: string) {
    super(status, { error: { code, message } });
  }
}

const invalid = (message: string) => new RecurApiError(400, "invalid_request", message);

/** Minor units → Recur's whole units (unconfirmed for non-TWD: the recur-tw typings say "whole TWD"). */
function wireAmount(minor: number, currency: string): number {
  return minor / 10 ** currencyDigits(currency);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function addInterval(ms: number, interval: "month" | "year"): number {
  const d = new Date(ms);
  if (interval === "year") d.setUTCFullYear(d.getUTCFullYear() + 1);
  else d.setUTCMonth(d.getUTCMonth() + 1);
  return d.getTime();
}

function isLocalHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "::1" || hostname.endsWith(".localhost");
}

/** HTTPS, or (sandbox relaxation) http on a local host. */
function checkRedirectUrl(value: unknown, name: string): string {
  if (typeof value !== "string" || !value.trim()) throw invalid(`${name} is required.`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${name} must be a valid URL.`);
  }
  if (url.protocol === "https:") return value;
  if (url.protocol === "http:" && isLocalHost(url.hostname)) return value;
  throw invalid(`${name} must be an HTTPS URL.`);
}

/** Documented create fields (camelCase), and the snake_case spellings the docs also show. */
const CREATE_FIELDS: Record<string, string> = {
  productId: "productId",
  product_id: "productId",
  productSlug: "productSlug",
  product_slug: "productSlug",
  mode: "mode",
  successUrl: "successUrl",
  success_url: "successUrl",
  cancelUrl: "cancelUrl",
  cancel_url: "cancelUrl",
  customerEmail: "customerEmail",
  customer_email: "customerEmail",
  customerName: "customerName",
  customer_name: "customerName",
  externalCustomerId: "externalCustomerId",
  external_customer_id: "externalCustomerId",
  metadata: "metadata",
};

function checkMetadata(value: unknown): Meta {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw invalid("metadata must be an object.");
  const entries = Object.entries(value as Dict);
  // unconfirmed limits (Stripe's): 50 keys, keys ≤ 40 characters, values ≤ 500 characters.
  if (entries.length > 50) throw invalid("metadata can have at most 50 keys.");
  const out: Meta = {};
  for (const [k, v] of entries) {
    if (k.length > 40) throw invalid(`metadata key "${k.slice(0, 40)}…" is longer than 40 characters.`);
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw invalid(`metadata.${k} must be a string, number or boolean.`);
    if (String(v).length > 500) throw invalid(`metadata.${k} is longer than 500 characters.`);
    out[k] = v;
  }
  return out;
}

function optionalString(value: unknown, name: string, max = 500): string | null {
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw invalid(`${name} must be a string.`);
  if (value.length > max) throw invalid(`${name} is longer than ${max} characters.`);
  return value;
}

// ───────────────────────────── webhook signature ─────────────────────────────

/** `X-Recur-Signature`: base64 HMAC-SHA256 of the raw body, keyed by the whole whsec_ secret as text. */
export function recurSignature(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

function isApiPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
}

// ───────────────────────────── the provider ─────────────────────────────

class RecurSandbox implements ProviderInstance {
  private products = new Map<string, Product>();
  private sessions = new Map<string, Session>();
  private customers = new Map<string, Customer>();
  private orders = new Map<string, Order>();
  private subs = new Map<string, Subscription>();
  private invoices = new Map<string, Invoice>();
  private refunds = new Map<string, Refund>();
  private events: RecurEvent[] = [];

  constructor(private readonly ctx: ProviderContext) {
    this.loadCatalog();
  }

  private loadCatalog(): void {
    this.products.clear();
    for (const p of sandboxCatalog("recur")) this.addProduct(p);
  }

  private addProduct(p: SandboxProduct): Product {
    const product: Product = {
      id: p.id,
      slug: p.id.replace(/^prod_sbx_/, "").replace(/_/g, "-"),
      name: p.name,
      description: p.description,
      unitAmount: p.unitAmount,
      currency: p.currency.toLowerCase(),
      billing: p.billing,
    };
    this.products.set(product.id, product);
    return product;
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  describe(): Record<string, unknown> {
    return { label: LABEL, products: this.products.size, sessions: this.sessions.size, subscriptions: this.subs.size, events: this.events.length };
  }

  reset(): void {
    this.sessions.clear();
    this.customers.clear();
    this.orders.clear();
    this.subs.clear();
    this.invoices.clear();
    this.refunds.clear();
    this.events = [];
    this.loadCatalog();
  }

  notFound(r: ProviderRequest): void {
    sendJson(r.res, 404, { error: { code: "resource_not_found", message: `No such endpoint: ${r.method} ${r.path}` } });
  }

  async handle(r: ProviderRequest): Promise<boolean> {
    if (isApiPath(r.path)) {
      await this.handleApi(r);
      return true;
    }
    if (r.path.startsWith("/pay/recur/")) return this.handlePage(r);
    return false;
  }

  // ── events ──

  private emit(type: string, object: object): RecurEvent {
    const event: RecurEvent = { id: newId("evt", 24), type, timestamp: iso(this.now()), data: clone(object) as Dict };
    this.events.push(event);
    this.ctx.webhooks.enqueue({ id: event.id, type, body: JSON.stringify(event) });
    return event;
  }

  // ── API: auth, JSON, errors ──

  /** Bearer sk_test_… (or X-Recur-Secret-Key). A pk_test_ key may only create sessions, without metadata. */
  private authenticate(r: ProviderRequest): { publishable: boolean } {
    const header = r.req.headers.authorization;
    const alt = r.req.headers["x-recur-secret-key"];
    const key = header?.startsWith("Bearer ") ? header.slice(7).trim() : typeof alt === "string" ? alt.trim() : "";
    if (!key) throw new RecurApiError(401, "unauthorized", "Missing API key. Send Authorization: Bearer sk_test_….");
    if (/^(sk|pk)_live_/.test(key)) throw new RecurApiError(401, "unauthorized", "Live keys cannot be used with the sandbox.");
    const valid = this.ctx.apiKey ? key === this.ctx.apiKey : /^(sk|pk)_test_[A-Za-z0-9_]+$/.test(key);
    if (!valid) throw new RecurApiError(401, "unauthorized", "Invalid API key.");
    return { publishable: key.startsWith("pk_") };
  }

  private async json(r: ProviderRequest): Promise<Dict> {
    const text = await r.body();
    if (!text.trim()) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw invalid("The request body must be JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("The request body must be a JSON object.");
    return parsed as Dict;
  }

  private async handleApi(r: ProviderRequest): Promise<void> {
    try {
      const auth = this.authenticate(r);
      if (r.method === "POST" && r.path === "/v1/checkout/sessions") {
        sendJson(r.res, 200, this.createSession(await this.json(r), auth.publishable));
        return;
      }
      if (auth.publishable) throw new RecurApiError(401, "unauthorized", "This endpoint needs a secret key (sk_test_…).");
      let m = match("/v1/checkout/sessions/:id", r.path);
      if (m && r.method === "GET") {
        sendJson(r.res, 200, this.requireSession(m.id));
        return;
      }
      m = match("/v1/subscriptions/:id", r.path);
      if (m && r.method === "GET") {
        sendJson(r.res, 200, this.requireSubscription(m.id));
        return;
      }
      m = match("/v1/subscriptions/:id/cancel", r.path);
      if (m && r.method === "POST") {
        await this.json(r);
        sendJson(r.res, 200, this.cancelSubscription(this.requireSubscription(m.id)));
        return;
      }
      m = match("/v1/orders/:id", r.path);
      if (m && r.method === "GET") {
        const order = this.orders.get(m.id);
        if (!order) throw new RecurApiError(404, "resource_not_found", `Order not found: ${m.id}`);
        sendJson(r.res, 200, order);
        return;
      }
      this.notFound(r);
    } catch (err) {
      if (err instanceof HttpError) {
        sendJson(r.res, err.status, err.body);
        return;
      }
      throw err;
    }
  }

  private requireSession(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new RecurApiError(404, "resource_not_found", `Checkout session not found: ${id}`);
    return s;
  }

  private requireSubscription(id: string): Subscription {
    const s = this.subs.get(id);
    if (!s) throw new RecurApiError(404, "resource_not_found", `Subscription not found: ${id}`);
    return s;
  }

  private createSession(raw: Dict, publishable: boolean): Session {
    const params: Dict = {};
    for (const [k, v] of Object.entries(raw)) {
      const name = CREATE_FIELDS[k];
      // unconfirmed: Recur's handling of unknown fields; the sandbox refuses them so mapping bugs show.
      if (!name) throw invalid(`Unknown parameter: ${k}`);
      if (params[name] !== undefined) throw invalid(`${k} was given twice (camelCase and snake_case).`);
      params[name] = v;
    }
    const productId = optionalString(params.productId, "productId", 200);
    const productSlug = optionalString(params.productSlug, "productSlug", 200);
    if (!productId && !productSlug) throw invalid("productId or productSlug is required.");
    if (productId && productSlug) throw invalid("Give productId or productSlug, not both.");
    const product = productId ? this.products.get(productId) : [...this.products.values()].find((p) => p.slug === productSlug);
    if (!product) throw new RecurApiError(404, "resource_not_found", `Product not found: ${productId ?? productSlug}`);

    const recurring = product.billing.type === "recurring";
    let mode: Mode = recurring ? "SUBSCRIPTION" : "PAYMENT";
    if (params.mode !== undefined) {
      if (params.mode !== "PAYMENT" && params.mode !== "SUBSCRIPTION" && params.mode !== "SETUP") throw invalid("mode must be PAYMENT, SUBSCRIPTION or SETUP.");
      mode = params.mode;
    }
    // unconfirmed: Recur infers the mode from the product; a contradicting mode is refused here.
    if (mode === "SUBSCRIPTION" && !recurring) throw invalid(`Product ${product.id} is not a subscription product; use mode PAYMENT.`);
    if (mode === "PAYMENT" && recurring) throw invalid(`Product ${product.id} is a subscription product; use mode SUBSCRIPTION.`);

    const successUrl = checkRedirectUrl(params.successUrl, "successUrl");
    const cancelUrl = checkRedirectUrl(params.cancelUrl, "cancelUrl");
    const customerEmail = optionalString(params.customerEmail, "customerEmail", 320);
    if (customerEmail && !isEmail(customerEmail)) throw invalid("customerEmail is not a valid email address.");
    const customerName = optionalString(params.customerName, "customerName", 200);
    const externalCustomerId = optionalString(params.externalCustomerId, "externalCustomerId", 200);
    if (params.metadata !== undefined && publishable) throw invalid("metadata can only be set with a secret key.");
    const metadata = checkMetadata(params.metadata);

    const now = this.now();
    const id = newId("cs", 24);
    const session: Session = {
      id,
      object: "checkout.session",
      status: "OPEN",
      mode,
      productId: product.id,
      productSlug: product.slug,
      productName: product.name,
      amount: mode === "SETUP" ? 0 : wireAmount(product.unitAmount, product.currency),
      currency: product.currency.toUpperCase(),
      url: `${this.ctx.origin()}/pay/recur/${id}`,
      successUrl,
      cancelUrl,
      customerEmail,
      customerName,
      externalCustomerId,
      customerId: null,
      metadata,
      orderId: null,
      subscriptionId: null,
      created_at: iso(now),
      expires_at: iso(now + SESSION_TTL_MS),
      completed_at: null,
    };
    this.sessions.set(id, session);
    this.emit("checkout.created", session);
    return session;
  }

  // ── paying ──

  private productOf(s: Session): Product {
    return this.products.get(s.productId)!;
  }

  private trialDays(s: Session): number {
    const p = this.productOf(s);
    return s.mode === "SUBSCRIPTION" && p.billing.type === "recurring" ? (p.billing.trialDays ?? 0) : 0;
  }

  /** Minor units charged right now: nothing for SETUP or a trial. */
  private chargedNow(s: Session): number {
    if (s.mode === "SETUP" || this.trialDays(s) > 0) return 0;
    return this.productOf(s).unitAmount;
  }

  private redirectTarget(s: Session): string {
    return s.successUrl.split("{CHECKOUT_SESSION_ID}").join(s.id);
  }

  private pay(s: Session, details: PayerDetails): { outcome: CardOutcome; redirectUrl?: string } {
    const outcome = cardOutcome(details.card.number, this.chargedNow(s) > 0);
    if (outcome.kind === "declined") return { outcome };
    this.complete(s, details);
    return { outcome, redirectUrl: this.redirectTarget(s) };
  }

  private customerFor(s: Session, details: PayerDetails): Customer {
    // Recur identifies customers by email (and externalCustomerId).
    const existing = [...this.customers.values()].find((c) => c.email.toLowerCase() === details.email.toLowerCase());
    if (existing) {
      if (!existing.externalId && s.externalCustomerId) existing.externalId = s.externalCustomerId;
      return existing;
    }
    const customer: Customer = {
      id: newId("cus", 24),
      object: "customer",
      email: details.email,
      name: details.name ?? s.customerName,
      externalId: s.externalCustomerId,
      created_at: iso(this.now()),
    };
    this.customers.set(customer.id, customer);
    return customer;
  }

  private complete(s: Session, details: PayerDetails): void {
    const now = this.now();
    const product = this.productOf(s);
    const customer = this.customerFor(s, details);
    s.customerId = customer.id;
    s.customerEmail = s.customerEmail ?? details.email;
    s.customerName = s.customerName ?? details.name;
    const charged = this.chargedNow(s);
    const currency = product.currency;
    const makeOrder = (subscriptionId: string | null): Order => {
      const order: Order = {
        id: newId("ord", 24),
        object: "order",
        status: "PAID",
        checkoutId: s.id,
        subscriptionId,
        productId: product.id,
        customerId: customer.id,
        customerEmail: customer.email,
        amount: wireAmount(charged, currency),
        amountRefunded: 0,
        currency: currency.toUpperCase(),
        metadata: { ...s.metadata },
        paidAt: iso(now),
        createdAt: iso(now),
      };
      this.orders.set(order.id, order);
      s.orderId = order.id;
      return order;
    };

    const finish = () => {
      s.status = "COMPLETE";
      s.url = null;
      s.completed_at = iso(now);
    };

    if (s.mode === "PAYMENT") {
      const order = makeOrder(null);
      finish();
      this.emit("order.paid", order);
      this.emit("checkout.completed", s);
      return;
    }
    if (s.mode === "SETUP") {
      finish();
      this.emit("checkout.completed", s);
      return;
    }

    // SUBSCRIPTION
    if (product.billing.type !== "recurring") throw new Error("subscription session for a one-time product");
    const trial = this.trialDays(s);
    const end = trial > 0 ? now + trial * DAY_MS : addInterval(now, product.billing.interval);
    const sub: Subscription = {
      id: newId("sub", 24),
      object: "subscription",
      status: trial > 0 ? "TRIALING" : "ACTIVE",
      productId: product.id,
      customerId: customer.id,
      customerEmail: customer.email,
      checkoutId: s.id,
      amount: wireAmount(product.unitAmount, currency),
      currency: currency.toUpperCase(),
      billingPeriod: product.billing.interval === "year" ? "YEARLY" : "MONTHLY",
      currentPeriodStart: iso(now),
      currentPeriodEnd: iso(end),
      trialEndsAt: trial > 0 ? iso(end) : null,
      cancelAtPeriodEnd: false,
      canceledAt: null,
      endedAt: null,
      // unconfirmed: Recur copies the session's metadata onto the subscription it creates.
      metadata: { ...s.metadata },
      createdAt: iso(now),
    };
    this.subs.set(sub.id, sub);
    s.subscriptionId = sub.id;
    let order: Order | null = null;
    let invoice: Invoice | null = null;
    if (charged > 0) {
      order = makeOrder(sub.id);
      invoice = this.makeInvoice(sub, "PAID", now, end, order.id);
    }
    finish();
    this.emit("subscription.created", sub);
    if (sub.status === "ACTIVE") this.emit("subscription.activated", sub);
    if (invoice) this.emit("invoice.paid", invoice);
    if (order) this.emit("order.paid", order);
    this.emit("checkout.completed", s);
  }

  private makeInvoice(sub: Subscription, status: Invoice["status"], start: number, end: number, orderId: string | null): Invoice {
    const invoice: Invoice = {
      id: newId("inv", 24),
      object: "invoice",
      status,
      subscriptionId: sub.id,
      orderId,
      amount: sub.amount,
      currency: sub.currency,
      periodStart: iso(start),
      periodEnd: iso(end),
      metadata: { ...sub.metadata },
      createdAt: iso(this.now()),
    };
    this.invoices.set(invoice.id, invoice);
    return invoice;
  }

  private expireSession(s: Session): void {
    // unconfirmed: Recur lists no event for an expired session.
    s.status = "EXPIRED";
    s.url = null;
  }

  // ── subscriptions over time ──

  private interval(sub: Subscription): "month" | "year" {
    return sub.billingPeriod === "YEARLY" ? "year" : "month";
  }

  private renew(sub: Subscription): void {
    if (sub.status === "CANCELED" || sub.cancelAtPeriodEnd) {
      this.end(sub, Date.parse(sub.currentPeriodEnd));
      return;
    }
    const start = Date.parse(sub.currentPeriodEnd);
    const end = addInterval(start, this.interval(sub));
    sub.status = "ACTIVE";
    sub.currentPeriodStart = iso(start);
    sub.currentPeriodEnd = iso(end);
    const invoice = this.makeInvoice(sub, "PAID", start, end, null);
    this.emit("invoice.paid", invoice);
    this.emit("subscription.renewed", sub);
  }

  private paymentFailed(sub: Subscription): void {
    sub.status = "PAST_DUE";
    const invoice = this.makeInvoice(sub, "FAILED", Date.parse(sub.currentPeriodEnd), addInterval(Date.parse(sub.currentPeriodEnd), this.interval(sub)), null);
    this.emit("invoice.payment_failed", invoice);
    this.emit("subscription.past_due", sub);
  }

  /** Recur's cancel: no renewal, access until the period ends (status CANCELED until then). */
  private cancelSubscription(sub: Subscription): Subscription {
    if (sub.status === "EXPIRED") throw new RecurApiError(400, "invalid_request", `Subscription ${sub.id} has already ended.`);
    if (sub.status === "CANCELED") return sub;
    sub.status = "CANCELED";
    sub.cancelAtPeriodEnd = true;
    sub.canceledAt = iso(this.now());
    this.emit("subscription.cancelled", sub);
    return sub;
  }

  private end(sub: Subscription, at: number): void {
    sub.status = "EXPIRED";
    sub.endedAt = iso(at);
    sub.canceledAt = sub.canceledAt ?? iso(at);
    this.emit("subscription.expired", sub);
  }

  tick(): void {
    const now = this.now();
    for (const s of this.sessions.values()) {
      if (s.status === "OPEN" && Date.parse(s.expires_at) <= now) this.expireSession(s);
    }
    for (const sub of this.subs.values()) {
      for (let guard = 0; guard < 500 && sub.status !== "EXPIRED" && sub.status !== "PAST_DUE"; guard++) {
        if (Date.parse(sub.currentPeriodEnd) > now) break;
        this.renew(sub);
      }
    }
  }

  // ── hosted checkout page ──

  private async handlePage(r: ProviderRequest): Promise<boolean> {
    const m = match("/pay/recur/:id", r.path);
    if (!m) return false;
    if (r.method === "GET" || r.method === "HEAD") this.pageShow(r, m.id);
    else if (r.method === "POST") await this.pageSubmit(r, m.id);
    else {
      r.res.writeHead(405, { Allow: "GET, POST" });
      r.res.end();
    }
    return true;
  }

  private frame(s: Session, extra: Partial<FrameConfig> = {}): FrameConfig {
    return { provider: "recur", sessionId: s.id, ...extra };
  }

  /** Not open → an explanatory page. Returns true when it answered. */
  private pageForClosed(r: ProviderRequest, s: Session | undefined, id: string): boolean {
    if (!s) {
      sendHtml(r.res, 404, messagePage(LABEL, "Checkout session not found", [`There is no checkout session “${id}”.`, "The sandbox keeps its state in memory, so sessions from an earlier run are gone. Start a new checkout from the merchant's site."]));
      return true;
    }
    if (s.status === "EXPIRED") {
      sendHtml(
        r.res,
        410,
        messagePage(LABEL, "This checkout session has expired", ["No payment was taken. Go back to the merchant's site to start a new checkout."], { href: s.cancelUrl, text: "Back to the merchant", cancel: true }, this.frame(s)),
      );
      return true;
    }
    if (s.status === "COMPLETE") {
      sendHtml(
        r.res,
        200,
        messagePage(LABEL, "This checkout session is already complete", [s.mode === "SETUP" ? "Your card was saved. There is nothing more to do here." : "The payment went through. There is nothing more to do here."], { href: this.redirectTarget(s), text: "Return to the merchant" }, this.frame(s)),
      );
      return true;
    }
    return false;
  }

  private pageShow(r: ProviderRequest, id: string): void {
    const s = this.sessions.get(id);
    if (this.pageForClosed(r, s, id) || !s) return;
    sendHtml(r.res, 200, this.renderPay(s, {}));
  }

  private async pageSubmit(r: ProviderRequest, id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (this.pageForClosed(r, s, id) || !s) return;
    const form = flatForm(await r.body());
    const embedded = form.embedded === "1";
    const email = (s.customerEmail ?? form.email ?? "").trim();
    const values = { email, name: form.name ?? "", card_number: form.card_number ?? "", card_expiry: form.card_expiry ?? "", card_cvc: form.card_cvc ?? "" };
    const errors: PayView["errors"] = {};
    if (!email) errors.email = "Your email is incomplete.";
    else if (!isEmail(email)) errors.email = "Your email address is invalid.";
    const parsed = parseRecurCard({ number: values.card_number, expiry: values.card_expiry, cvc: values.card_cvc }, this.now());
    Object.assign(errors, parsed.errors);
    if (Object.keys(errors).length > 0 || !parsed.card) {
      sendHtml(r.res, 400, this.renderPay(s, { errors, values, alert: "Please check the highlighted fields." }));
      return;
    }
    const result = this.pay(s, { email, name: values.name.trim() || null, card: parsed.card });
    if (result.outcome.kind === "declined") {
      sendHtml(r.res, 402, this.renderPay(s, { alert: result.outcome.message, values }));
      return;
    }
    const redirectUrl = result.redirectUrl!;
    if (!embedded) {
      redirect(r.res, redirectUrl, 303);
      return;
    }
    sendHtml(
      r.res,
      200,
      messagePage(LABEL, s.mode === "SETUP" ? "Card saved" : "Payment complete", ["Thank you — returning you to the merchant…"], { href: redirectUrl, text: "Continue" }, this.frame(s, { completed: { redirectUrl } })),
    );
  }

  private renderPay(s: Session, view: PayView): string {
    const product = this.productOf(s);
    const fmt = (n: number) => money(n, product.currency);
    const errors = view.errors ?? {};
    const values = view.values ?? {};
    const trial = this.trialDays(s);
    const recurring = product.billing.type === "recurring" ? product.billing : null;
    const every = recurring ? (recurring.interval === "year" ? "per year" : "per month") : "";
    const due = this.chargedNow(s);
    const heading = s.mode === "SETUP" ? "Save your card" : s.mode === "SUBSCRIPTION" ? (trial ? "Start your trial" : "Subscribe") : "Checkout";
    const cta = s.mode === "SETUP" ? "Save card" : s.mode === "SUBSCRIPTION" ? (trial ? "Start trial" : "Subscribe") : due > 0 ? `Pay ${fmt(due)}` : "Complete order";
    const table =
      s.mode === "SETUP"
        ? `<p>The merchant will save your card to charge it later. Nothing is charged now.</p>`
        : `<table><caption>Order summary</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody><tr><th scope="row">${esc(product.name)}<div class="muted">${esc(["Qty 1", recurring ? `billed ${every}` : ""].filter(Boolean).join(" · "))}</div></th><td class="num">${esc(fmt(product.unitAmount))}</td></tr></tbody>
<tfoot><tr class="total"><th scope="row">Total due today</th><td class="num" id="amount-due">${esc(fmt(due))}</td></tr></tfoot></table>`;
    const terms = recurring && s.mode === "SUBSCRIPTION" ? (trial ? `<p><strong>${trial} days free</strong>, then ${esc(fmt(product.unitAmount))} ${every}.</p>` : `<p class="muted">Then ${esc(fmt(product.unitAmount))} ${every} until you cancel.</p>`) : "";
    const back = `<a class="back" href="${esc(s.cancelUrl)}" data-sandbox-cancel><span aria-hidden="true">← </span>Back</a>`;
    const locked = s.customerEmail;
    const field = (name: "email" | "card_number" | "card_expiry" | "card_cvc" | "name", label: string, attrs: string, errKey?: "email" | "number" | "expiry" | "cvc") => {
      const err = errKey ? errors[errKey] : undefined;
      const value = name === "email" && locked ? locked : (values[name] ?? "");
      return `<label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${name}-error"` : ""}>${err ? `<p class="field-error" id="${name}-error">${esc(err)}</p>` : ""}`;
    };
    const body = `<div class="grid">
<section class="card" aria-labelledby="summary-heading">
${back}
<h1 id="summary-heading">${esc(heading)}</h1>
${terms}
${table}
</section>
<section class="card" aria-labelledby="pay-heading">
<h2 id="pay-heading">${s.mode === "SETUP" ? "Card details" : "Payment details"}</h2>
${view.alert ? `<div class="alert" role="alert" id="form-error">${esc(view.alert)}</div>` : ""}
<form method="post" action="/pay/recur/${esc(s.id)}" novalidate>
<input type="hidden" name="embedded" value="0">
${field("email", "Email", `type="email" autocomplete="email" required${locked ? " readonly" : ""}`, "email")}
${field("card_number", "Card number", 'type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required', "number")}
<div class="row"><div>${field("card_expiry", 'Expiration date <span class="sr-only">(MM / YY)</span>', 'type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" required', "expiry")}</div>
<div>${field("card_cvc", 'Security code <span class="sr-only">(CVC)</span>', 'type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required', "cvc")}</div></div>
${field("name", "Name on card", 'type="text" autocomplete="cc-name"')}
<button type="submit" class="primary">${esc(cta)}</button>
</form>
<details><summary>Test cards</summary><ul>
<li><code>4242 4242 4242 4242</code> — succeeds</li>
<li><code>4147 6310 0000 0001</code> — succeeds (PAYUNi sandbox card)</li>
<li><code>4000 0000 0000 0002</code> — declined</li>
<li><code>4000 0000 0000 9995</code> — insufficient funds</li>
</ul><p>Use any future expiry date and any 3-digit CVC.</p></details>
</section>
</div>`;
    return page({ label: LABEL, title: heading, body, frame: this.frame(s, { ready: true }) });
  }

  // ── control API (/_sandbox/recur/…) ──

  async control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined> {
    const [a, b, c] = rest;
    if (a === "sessions" && !b && method === "GET") {
      return {
        body: {
          sessions: [...this.sessions.values()].map((s) => ({ id: s.id, status: s.status, mode: s.mode, productId: s.productId, amount: s.amount, currency: s.currency, url: s.url, metadata: s.metadata, orderId: s.orderId, subscriptionId: s.subscriptionId, created_at: s.created_at, expires_at: s.expires_at })),
        },
      };
    }
    if (a === "sessions" && b) {
      const s = this.sessions.get(b);
      if (!s) return { status: 404, body: { error: `no session ${b}` } };
      if (method === "GET" && !c) return { body: { session: clone(s) } };
      if (method === "POST" && c === "expire") {
        if (s.status !== "OPEN") return { status: 409, body: { error: `session is ${s.status}`, session: clone(s) } };
        this.expireSession(s);
        return { body: { session: clone(s) } };
      }
      if (method === "POST" && c === "complete") return this.controlComplete(s, body);
    }
    if (a === "subscriptions" && b) {
      const sub = this.subs.get(b);
      if (!sub) return { status: 404, body: { error: `no subscription ${b}` } };
      if (method === "GET" && !c) return { body: { subscription: clone(sub) } };
      if (method === "POST" && c === "advance") return this.controlAdvance(sub, body);
    }
    if (a === "orders" && b) {
      const order = this.orders.get(b);
      if (!order) return { status: 404, body: { error: `no order ${b}` } };
      if (method === "GET" && !c) return { body: { order: clone(order) } };
      if (method === "POST" && c === "refund") return this.controlRefund(order, body);
    }
    if (a === "products" && !b) {
      if (method === "GET") return { body: { products: [...this.products.values()] } };
      if (method === "POST") return this.controlAddProduct(body);
    }
    if (a === "events" && !b && method === "GET") return { body: { events: clone(this.events) } };
    return undefined;
  }

  private controlComplete(s: Session, body: Dict): ControlResult {
    if (s.status !== "OPEN") return { status: 409, body: { error: `session is ${s.status}`, session: clone(s) } };
    const number = normalizeNumber(typeof body.card === "string" ? body.card : "4242424242424242");
    const year = new Date(this.now()).getUTCFullYear() + 3;
    const email = s.customerEmail ?? (typeof body.email === "string" ? body.email : "sandbox@example.com");
    const card: ParsedCard = { number, last4: number.slice(-4), brand: number.startsWith("4") ? "visa" : "unknown", expMonth: 12, expYear: year };
    const result = this.pay(s, { email, name: typeof body.name === "string" ? body.name : null, card });
    if (result.outcome.kind === "declined") {
      return { status: 402, body: { outcome: "declined", error: { code: result.outcome.code, message: result.outcome.message }, session: clone(s) } };
    }
    return { body: { outcome: "succeeded", redirectUrl: result.redirectUrl, session: clone(s) } };
  }

  private controlAdvance(sub: Subscription, body: Dict): ControlResult {
    if (sub.status === "EXPIRED") return { status: 409, body: { error: "subscription has ended", subscription: clone(sub) } };
    switch (body.action) {
      case "renew":
        this.renew(sub);
        break;
      case "payment_failed":
        this.paymentFailed(sub);
        break;
      case "end_trial":
        if (sub.status !== "TRIALING") return { status: 409, body: { error: "subscription is not trialing" } };
        sub.currentPeriodEnd = iso(this.now());
        sub.trialEndsAt = sub.currentPeriodEnd;
        this.renew(sub);
        break;
      case "cancel":
        this.cancelSubscription(sub);
        break;
      case "expire":
        this.end(sub, this.now());
        break;
      default:
        return { status: 400, body: { error: 'action must be "renew", "payment_failed", "end_trial", "cancel" (at period end) or "expire" (end now)' } };
    }
    return { body: { subscription: clone(sub) } };
  }

  /** `{amount?}` in Recur's whole units; default the rest of the order. Emits refund.created then refund.succeeded. */
  private controlRefund(order: Order, body: Dict): ControlResult {
    const left = order.amount - order.amountRefunded;
    const amount = body.amount === undefined ? left : Number(body.amount);
    if (!Number.isFinite(amount) || amount <= 0 || amount > left + 1e-9) return { status: 400, body: { error: `amount must be > 0 and at most ${left}` } };
    const now = this.now();
    order.amountRefunded += amount;
    order.status = order.amountRefunded >= order.amount ? "REFUNDED" : "PARTIALLY_REFUNDED";
    const refund: Refund = {
      id: newId("rf", 24),
      object: "refund",
      status: "SUCCEEDED",
      orderId: order.id,
      checkoutId: order.checkoutId,
      amount,
      currency: order.currency,
      reason: typeof body.reason === "string" ? body.reason : null,
      metadata: { ...order.metadata },
      createdAt: iso(now),
    };
    this.refunds.set(refund.id, refund);
    this.emit("refund.created", refund);
    this.emit("refund.succeeded", refund);
    return { body: { refund: clone(refund), order: clone(order) } };
  }

  /** A dashboard stand-in: `{id, name, unitAmount (minor units), currency, billing?, description?}`. */
  private controlAddProduct(body: Dict): ControlResult {
    const { id, name, unitAmount, currency } = body;
    if (typeof id !== "string" || !id || typeof name !== "string" || typeof unitAmount !== "number" || typeof currency !== "string") {
      return { status: 400, body: { error: "give id, name, unitAmount (minor units) and currency" } };
    }
    const billing = (body.billing as SandboxProduct["billing"] | undefined) ?? { type: "one_time" };
    const product = this.addProduct({ id, name, description: typeof body.description === "string" ? body.description : "", unitAmount, currency, billing, credits: null });
    return { status: 201, body: { product } };
  }
}

interface PayView {
  alert?: string;
  errors?: Partial<Record<"email" | "number" | "expiry" | "cvc", string>>;
  values?: Partial<Record<"email" | "name" | "card_number" | "card_expiry" | "card_cvc", string>>;
}

function flatForm(body: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  try {
    for (const [k, v] of Object.entries(parseForm(body))) if (typeof v === "string") out[k] = v;
  } catch {
    // a malformed browser form is treated as empty
  }
  return out;
}

/** The signed event's type, for the X-Recur-Event-Type header. */
function eventType(body: string): string {
  try {
    const parsed = JSON.parse(body) as { type?: unknown };
    return typeof parsed.type === "string" ? parsed.type : "";
  } catch {
    return "";
  }
}

const recur: ProviderModule = {
  name: "recur",
  label: LABEL,
  portOffset: 3,
  webhook: {
    urlEnv: "SANDBOX_RECUR_WEBHOOK_URL",
    defaultUrl: "http://127.0.0.1:3000/api/webhooks/recur",
    secretEnv: "RECUR_WEBHOOK_SECRET",
    defaultSecret: "whsec_sandbox_recur_secret",
    sign: ({ body, eventId, secret }) => ({
      "X-Recur-Signature": recurSignature(body, secret),
      "X-Recur-Event-Id": eventId,
      "X-Recur-Event-Type": eventType(body),
      // Unix milliseconds, real time, per attempt (not covered by the signature).
      "X-Recur-Timestamp": String(Date.now()),
      "User-Agent": "Recur-Webhooks/1.0 (sandbox)", // unconfirmed
    }),
  },
  apiKeyEnv: "SANDBOX_RECUR_API_KEY",
  api: {
    isApiPath,
    // Recur's error envelope; codes for injected faults are unconfirmed beyond the seed's three.
    errorBody: (status, message) => ({
      error: { code: status >= 500 ? "internal_error" : status === 429 ? "rate_limited" : status === 401 ? "unauthorized" : status === 404 ? "resource_not_found" : "invalid_request", message },
    }),
  },
  create: (ctx) => new RecurSandbox(ctx),
};

export default recur;
