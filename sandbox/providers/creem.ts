/**
 * Creem, as the official SDK (creem@1.13.0) and our adapter see it: checkout sessions, products,
 * discounts, customers, subscriptions (cancel now / at period end) and refunds, with Creem's
 * `x-api-key` auth, JSON bodies, error shape, status words, id prefixes, the signed redirect to
 * success_url, `creem-signature` webhooks with Creem's retry schedule, and a hosted page that
 * can be framed and then talks Creem's embed protocol.
 *
 * Money events (docs.creem.io webhook reference; creem@1.13.0 RefundEntity, DisputeEntity,
 * TransactionEntity, WebhookSubscriptionEntity): every payment is a transaction (tran_…) —
 * the checkout's and each renewal's; refund.created carries THIS refund (`refund_amount`, its
 * own ref_… id) and the transaction with its running `refunded_amount` (several partial refunds
 * each get their own event); dispute.created opens a dispute — Creem has no dispute outcome
 * event, so none is sent; a failed renewal sends subscription.past_due, the end of retries
 * subscription.unpaid; every object carries `mode: "test"`.
 *
 * Contracts: docs/providers.md § Creem (and seed 000). Every response is shaped so the SDK's
 * zod schemas accept it (it validates responses), with `mode: "test"`. Where Creem's exact
 * wording or behaviour was not confirmed, the code says "unconfirmed" next to the choice.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { sandboxCatalog, type SandboxProduct } from "../catalog";
import { brandOf, isEmail, normalizeNumber, parseCard, type ParsedCard } from "../core/cards";
import { parseForm } from "../core/form";
import { esc, messagePage, money, page, scriptJson } from "../core/html";
import { match, redirect, sendHtml, sendJson } from "../core/http";
import { id as newId, randomId } from "../core/ids";
import type { ControlResult, ProviderContext, ProviderInstance, ProviderModule, ProviderRequest } from "../core/types";
import { DEFAULT_RETRY_SCHEDULE, type WebhookDispatcher } from "../core/webhooks";

const LABEL = "Creem — sandbox";
const MODE = "test";
const DAY_MS = 86_400_000;
/** Unconfirmed: Creem does not publish how long an unpaid checkout stays payable; 24 h like Stripe. */
const CHECKOUT_TTL_MS = DAY_MS;
/** Creem retries after 30 s, 1 min, 5 min and 1 h (providers.md; 5 attempts): compressed 60×. */
export const CREEM_RETRY_SCHEDULE = [500, 1_000, 5_000, 60_000];
/** Unconfirmed: the sandbox charges no tax and records the buyer's country as US. */
const TAX_COUNTRY = "US";

type Dict = Record<string, unknown>;

// ───────────────────────────── redirect and webhook signatures ─────────────────────────────

/**
 * Creem's redirect signature: hex SHA-256 of "k=v|…|salt=<API key>" over its redirect
 * parameters in URL order, null/empty values left out. The sandbox signs the parameters it
 * appends (not the ones already in success_url), as Creem builds them from its own fields.
 */
export function creemRedirectSignature(pairs: ReadonlyArray<[string, string]>, apiKey: string): string {
  const data = pairs
    .filter(([, v]) => v !== "" && v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${v}`)
    .concat(`salt=${apiKey}`)
    .join("|");
  return createHash("sha256").update(data, "utf8").digest("hex");
}

/** `creem-signature`: hex HMAC-SHA256 of the raw body, keyed by the webhook secret as text. */
export function creemWebhookSignature(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("hex");
}

// ───────────────────────────── errors ─────────────────────────────

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Creem's error body (observed): `{trace_id, status, error, message?: string[], timestamp}`. */
export function creemErrorBody(status: number, messages: string[] = []): Dict {
  return {
    trace_id: randomUUID(),
    status,
    error: REASONS[status] ?? (status >= 500 ? "Internal Server Error" : "Bad Request"),
    ...(messages.length ? { message: messages } : {}),
    timestamp: Date.now(),
  };
}

class CreemApiError extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[] = [],
  ) {
    super(messages.join("; ") || REASONS[status] || String(status));
  }
}

const bad = (...messages: string[]) => new CreemApiError(400, messages);
const notFound = (...messages: string[]) => new CreemApiError(404, messages);

// ───────────────────────────── records ─────────────────────────────

type CheckoutStatus = "pending" | "processing" | "completed" | "expired";
type SubStatus = "active" | "trialing" | "past_due" | "unpaid" | "paused" | "canceled" | "scheduled_cancel";

interface ProductRecord {
  catalog: SandboxProduct;
  createdAt: string;
}

interface DiscountRecord {
  id: string;
  name: string;
  code: string;
  type: "percentage" | "fixed";
  percentage: number | null;
  amount: number | null;
  currency: string | null;
  duration: "forever" | "once" | "repeating";
  durationInMonths: number | null;
  appliesTo: string[];
  maxRedemptions: number | null;
  redeemCount: number;
  createdAt: string;
}

interface CustomerRecord {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
  updatedAt: string;
}

interface CheckoutRecord {
  id: string;
  status: CheckoutStatus;
  productId: string;
  requestId: string | null;
  units: number;
  customPrice: number | null;
  successUrl: string | null;
  metadata: Dict | null;
  locale: string | null;
  /** customer.id given at creation, or the customer created on payment. */
  customerId: string | null;
  /** customer.email given at creation: prefilled and locked on the page. */
  lockedEmail: string | null;
  prefillName: string | null;
  discountId: string | null;
  orderId: string | null;
  subscriptionId: string | null;
  /** The key that created it: the salt of the redirect signature. */
  apiKey: string;
  createdMs: number;
  expiresMs: number;
}

interface OrderRecord {
  id: string;
  checkoutId: string;
  customerId: string;
  productId: string;
  transactionId: string;
  discountId: string | null;
  subTotal: number;
  discountAmount: number;
  taxAmount: number;
  amountDue: number;
  amountPaid: number;
  currency: string;
  type: "onetime" | "recurring";
  createdAt: string;
}

interface TransactionRecord {
  id: string;
  orderId: string;
  subscriptionId: string | null;
  customerId: string;
  checkoutId: string;
  amount: number;
  amountPaid: number;
  taxAmount: number;
  currency: string;
  type: "payment" | "invoice";
  status: "paid" | "refunded" | "partially_refunded" | "chargeback";
  refundedAmount: number;
  description: string;
  periodStartMs: number | null;
  periodEndMs: number | null;
  createdMs: number;
}

interface SubscriptionRecord {
  id: string;
  productId: string;
  customerId: string;
  checkoutId: string;
  units: number;
  status: SubStatus;
  metadata: Dict | null;
  discountId: string | null;
  periodStartMs: number;
  periodEndMs: number;
  canceledMs: number | null;
  /** What happens at the end of a scheduled cancellation (cancel API `onExecute`). */
  onExecute: "cancel" | "pause";
  lastTransactionId: string | null;
  lastTransactionMs: number | null;
  itemId: string;
  priceId: string;
  createdMs: number;
  updatedMs: number;
}

interface CreemEvent {
  id: string;
  eventType: string;
  created_at: number;
  object: Dict;
}

interface PaidOverride {
  amount: number;
  currency?: string;
}

interface PayerDetails {
  email: string;
  name: string | null;
  card: ParsedCard;
}

type CardOutcome = { kind: "succeeded" } | { kind: "declined"; code: string; message: string };

// Creem's test mode takes Stripe's test cards (its processor); the page uses the same numbers
// and wording as the Stripe sandbox page so one e2e journey drives every provider.
const OK: CardOutcome = { kind: "succeeded" };
const decline = (code: string, message: string): CardOutcome => ({ kind: "declined", code, message });
const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": OK,
  "4000056655665556": OK,
  "5555555555554444": OK,
  "2223003122003222": OK,
  "378282246310005": OK,
  "6011111111111117": OK,
  "4000000000000002": decline("card_declined", "Your card was declined."),
  "4000000000009995": decline("insufficient_funds", "Your card has insufficient funds."),
  "4000000000000069": decline("expired_card", "Your card has expired."),
  "4000000000000127": decline("incorrect_cvc", "Your card's security code is incorrect."),
};
const LIVE_CARD = decline("card_declined", "Your card was declined. Your request was in test mode, but used a non test (live) card.");

function cardOutcome(number: string, charged: boolean): CardOutcome {
  const outcome = TEST_CARDS[number] ?? LIVE_CARD;
  // Nothing charged today (a trial): only the card itself must be usable.
  if (!charged && outcome.kind === "declined" && outcome.code === "insufficient_funds") return OK;
  return outcome;
}

const CREATE_FIELDS = new Set([
  "product_id",
  "request_id",
  "units",
  "custom_price",
  "discount_code",
  "affiliate_code",
  "customer",
  "custom_fields",
  "custom_field",
  "success_url",
  "metadata",
  // Not in creem@1.13.0's schema, but documented by the seed: the hosted page's language.
  "locale",
]);

function isPlainObject(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

function isApiPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
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

/** Appends query pairs to a URL kept byte-for-byte (its own query is not re-encoded), before any #fragment. */
function appendQuery(url: string, pairs: ReadonlyArray<[string, string]>): string {
  const hash = url.indexOf("#");
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? "" : url.slice(hash);
  const query = new URLSearchParams(pairs as Array<[string, string]>).toString();
  if (!query) return url;
  const joiner = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?";
  return `${base}${joiner}${query}${fragment}`;
}

// Creem's embed protocol (@creem_io/embed): a framed checkout posts these to its parent.
const EMBED_SCRIPT = `(function () {
  var el = document.getElementById("creem-embed-config");
  if (!el) return;
  var cfg = JSON.parse(el.textContent);
  var framed = false;
  try { framed = window.parent !== window; } catch (e) { framed = true; }
  function post(msg) { msg.source = "creem-embed"; msg.version = 1; window.parent.postMessage(msg, "*"); }
  if (framed) {
    document.documentElement.setAttribute("data-framed", "true");
    var flags = document.querySelectorAll('input[name="embedded"]');
    for (var i = 0; i < flags.length; i++) flags[i].value = "1";
    if (cfg.ready) post({ type: "ready", checkoutId: cfg.checkoutId });
  }
  if (cfg.completed) {
    if (framed) post({ type: "completed", checkoutId: cfg.checkoutId, orderId: cfg.completed.orderId, redirectUrl: cfg.completed.redirectUrl });
    else if (cfg.completed.redirectUrl) window.location.replace(cfg.completed.redirectUrl);
  }
})();`;

interface EmbedConfig {
  checkoutId: string;
  ready?: boolean;
  completed?: { orderId: string | null; redirectUrl: string | null };
}

function embed(config: EmbedConfig): string {
  return `<script type="application/json" id="creem-embed-config">${scriptJson(config)}</script><script>${EMBED_SCRIPT}</script>`;
}

interface PayView {
  alert?: string;
  notice?: string;
  errors?: Partial<Record<"email" | "number" | "expiry" | "cvc" | "discount", string>>;
  values?: Partial<Record<"email" | "name" | "card_number" | "card_expiry" | "card_cvc" | "discount_code", string>>;
}

// ───────────────────────────── the provider ─────────────────────────────

class CreemSandbox implements ProviderInstance {
  private products = new Map<string, ProductRecord>();
  private discounts = new Map<string, DiscountRecord>();
  private customers = new Map<string, CustomerRecord>();
  private checkouts = new Map<string, CheckoutRecord>();
  private orders = new Map<string, OrderRecord>();
  private transactions = new Map<string, TransactionRecord>();
  private subscriptions = new Map<string, SubscriptionRecord>();
  private events: CreemEvent[] = [];

  constructor(private readonly ctx: ProviderContext) {
    this.loadCatalog();
    applyCreemRetrySchedule(ctx.webhooks);
  }

  private now(): number {
    return this.ctx.clock.now();
  }

  private loadCatalog(): void {
    const createdAt = iso(this.now());
    for (const product of sandboxCatalog("creem")) this.products.set(product.id, { catalog: product, createdAt });
  }

  describe(): Record<string, unknown> {
    return { label: LABEL, checkouts: this.checkouts.size, subscriptions: this.subscriptions.size, events: this.events.length, products: this.products.size };
  }

  reset(): void {
    this.products.clear();
    this.discounts.clear();
    this.customers.clear();
    this.checkouts.clear();
    this.orders.clear();
    this.transactions.clear();
    this.subscriptions.clear();
    this.events = [];
    this.loadCatalog();
    // The dispatcher is reset right after this (back to the start-up schedule): re-apply Creem's.
    queueMicrotask(() => applyCreemRetrySchedule(this.ctx.webhooks));
  }

  notFound(r: ProviderRequest): void {
    sendJson(r.res, 404, creemErrorBody(404, [`Cannot ${r.method} ${r.path}`]));
  }

  async handle(r: ProviderRequest): Promise<boolean> {
    if (isApiPath(r.path)) {
      await this.handleApi(r);
      return true;
    }
    if (r.path.startsWith("/pay/creem/")) return this.handlePage(r);
    return false;
  }

  // ── serialization (what the API and webhooks return) ──

  private productJson(id: string): Dict {
    const p = this.products.get(id)!;
    const c = p.catalog;
    const recurring = c.billing.type === "recurring";
    return {
      id: c.id,
      mode: MODE,
      object: "product",
      name: c.name,
      description: c.description,
      price: c.unitAmount,
      currency: c.currency.toUpperCase(),
      billing_type: recurring ? "recurring" : "onetime",
      billing_period: c.billing.type === "recurring" ? (c.billing.interval === "year" ? "every-year" : "every-month") : "once",
      trial_period_days: c.billing.type === "recurring" ? c.billing.trialDays : null,
      status: "active",
      tax_mode: "exclusive",
      tax_category: "saas",
      product_url: `${this.ctx.origin()}/pay/creem/product/${c.id}`,
      default_success_url: null,
      created_at: p.createdAt,
      updated_at: p.createdAt,
    };
  }

  private customerJson(id: string): Dict {
    const c = this.customers.get(id)!;
    return { id: c.id, mode: MODE, object: "customer", email: c.email, name: c.name, country: TAX_COUNTRY, created_at: c.createdAt, updated_at: c.updatedAt };
  }

  private discountJson(d: DiscountRecord): Dict {
    return {
      id: d.id,
      mode: MODE,
      object: "discount",
      status: "active",
      name: d.name,
      code: d.code,
      type: d.type,
      ...(d.amount !== null ? { amount: d.amount } : {}),
      ...(d.currency ? { currency: d.currency } : {}),
      ...(d.percentage !== null ? { percentage: d.percentage } : {}),
      ...(d.maxRedemptions !== null ? { max_redemptions: d.maxRedemptions } : {}),
      duration: d.duration,
      ...(d.durationInMonths !== null ? { duration_in_months: d.durationInMonths } : {}),
      applies_to_products: d.appliesTo,
      redeem_count: d.redeemCount,
    };
  }

  /** The discount as embedded in a checkout / subscription (creem@1.13.0 CheckoutEntityDiscount). */
  private discountRef(id: string | null): Dict | undefined {
    const d = id ? this.discounts.get(id) : undefined;
    if (!d) return undefined;
    return { id: d.id, discountCode: d.code, name: d.name, type: d.type, amount: d.type === "percentage" ? (d.percentage ?? 0) : (d.amount ?? 0), duration: d.duration };
  }

  private orderJson(id: string): Dict {
    const o = this.orders.get(id)!;
    return {
      id: o.id,
      mode: MODE,
      object: "order",
      customer: o.customerId,
      product: o.productId,
      transaction: o.transactionId,
      discount: o.discountId,
      amount: o.subTotal,
      sub_total: o.subTotal,
      tax_amount: o.taxAmount,
      discount_amount: o.discountAmount,
      amount_due: o.amountDue,
      amount_paid: o.amountPaid,
      currency: o.currency,
      status: "paid",
      type: o.type,
      created_at: o.createdAt,
      updated_at: o.createdAt,
    };
  }

  private transactionJson(id: string): Dict {
    const t = this.transactions.get(id)!;
    return {
      id: t.id,
      mode: MODE,
      object: "transaction",
      amount: t.amount,
      amount_paid: t.amountPaid,
      currency: t.currency,
      type: t.type,
      tax_country: TAX_COUNTRY,
      tax_amount: t.taxAmount,
      status: t.status,
      refunded_amount: t.refundedAmount,
      order: t.orderId,
      subscription: t.subscriptionId,
      customer: t.customerId,
      description: t.description,
      // TransactionEntity.period_start/period_end are optional numbers: left out for a one-time payment.
      ...(t.periodStartMs !== null ? { period_start: t.periodStartMs } : {}),
      ...(t.periodEndMs !== null ? { period_end: t.periodEndMs } : {}),
      created_at: t.createdMs,
    };
  }

  /**
   * `withTransaction`: the webhook form (creem@1.13.0 WebhookSubscriptionEntity), which carries
   * the last paid transaction itself (`last_transaction`, a TransactionEntity) beside its id.
   * API reads leave it out (optional there too).
   */
  private subscriptionJson(id: string, depth: "full" | "ids" = "full", withTransaction = false): Dict {
    const s = this.subscriptions.get(id)!;
    const running = s.status === "active" || s.status === "trialing";
    return {
      id: s.id,
      mode: MODE,
      object: "subscription",
      product: depth === "full" ? this.productJson(s.productId) : s.productId,
      customer: depth === "full" ? this.customerJson(s.customerId) : s.customerId,
      items: [
        {
          id: s.itemId,
          mode: MODE,
          object: "subscription_item",
          product_id: s.productId,
          price_id: s.priceId,
          units: s.units,
          created_at: iso(s.createdMs),
          updated_at: iso(s.updatedMs),
        },
      ],
      collection_method: "charge_automatically",
      status: s.status,
      ...(s.lastTransactionId ? { last_transaction_id: s.lastTransactionId } : {}),
      ...(withTransaction && s.lastTransactionId && this.transactions.has(s.lastTransactionId) ? { last_transaction: this.transactionJson(s.lastTransactionId) } : {}),
      ...(s.lastTransactionMs !== null ? { last_transaction_date: iso(s.lastTransactionMs) } : {}),
      ...(running ? { next_transaction_date: iso(s.periodEndMs) } : {}),
      current_period_start_date: iso(s.periodStartMs),
      current_period_end_date: iso(s.periodEndMs),
      canceled_at: s.canceledMs !== null ? iso(s.canceledMs) : null,
      created_at: iso(s.createdMs),
      updated_at: iso(s.updatedMs),
      ...(this.discountRef(s.discountId) ? { discount: this.discountRef(s.discountId) } : {}),
      ...(s.metadata ? { metadata: s.metadata } : {}),
    };
  }

  private checkoutJson(c: CheckoutRecord, depth: "full" | "ref" = "full"): Dict {
    const discount = this.discountRef(c.discountId);
    return {
      id: c.id,
      mode: MODE,
      object: "checkout",
      status: c.status,
      ...(c.requestId ? { request_id: c.requestId } : {}),
      product: depth === "full" ? this.productJson(c.productId) : c.productId,
      units: c.units,
      ...(c.customPrice !== null ? { custom_price: c.customPrice } : {}),
      ...(depth === "full" && c.orderId ? { order: this.orderJson(c.orderId) } : {}),
      ...(depth === "full" && c.subscriptionId ? { subscription: this.subscriptionJson(c.subscriptionId) } : {}),
      ...(depth === "full" && c.customerId && this.customers.has(c.customerId) ? { customer: this.customerJson(c.customerId) } : {}),
      custom_fields: [],
      checkout_url: this.payUrl(c.id),
      success_url: c.successUrl,
      ...(c.metadata ? { metadata: c.metadata } : {}),
      ...(discount ? { discount } : {}),
    };
  }

  private payUrl(id: string): string {
    return `${this.ctx.origin()}/pay/creem/${id}`;
  }

  private emit(eventType: string, object: Dict): CreemEvent {
    const event: CreemEvent = { id: newId("evt", 22), eventType, created_at: this.now(), object };
    this.events.push(event);
    this.ctx.webhooks.enqueue({ id: event.id, type: eventType, body: JSON.stringify(event) });
    return event;
  }

  // ── API entry: auth, JSON, routing, errors ──

  private authenticate(r: ProviderRequest): string {
    const header = r.req.headers["x-api-key"];
    const key = (Array.isArray(header) ? header[0] : header)?.trim() ?? "";
    if (!key) throw new CreemApiError(401, ["Missing API key: send it in the x-api-key header."]);
    // Creem answers a key that is not valid for this host (e.g. a live key on the test API)
    // with a bare 403 Forbidden (observed).
    const ok = this.ctx.apiKey ? key === this.ctx.apiKey : /^creem_test_[A-Za-z0-9_]+$/.test(key);
    if (!ok) throw new CreemApiError(403);
    return key;
  }

  private async handleApi(r: ProviderRequest): Promise<void> {
    try {
      const apiKey = this.authenticate(r);
      const routes: Array<[string, string, (p: Record<string, string>) => Promise<{ status?: number; body: unknown }> | { status?: number; body: unknown }]> = [
        ["POST", "/v1/checkouts", async () => ({ body: this.createCheckout(await this.jsonBody(r), apiKey) })],
        ["GET", "/v1/checkouts", () => ({ body: this.retrieveCheckout(r.url.searchParams.get("checkout_id")) })],
        ["GET", "/v1/products/:id", (p) => ({ body: this.retrieveProduct(p.id) })],
        ["POST", "/v1/discounts", async () => ({ body: this.createDiscount(await this.jsonBody(r)) })],
        ["GET", "/v1/discounts", () => ({ body: this.retrieveDiscount(r.url.searchParams) })],
        ["GET", "/v1/customers", () => ({ body: this.retrieveCustomer(r.url.searchParams) })],
        ["GET", "/v1/subscriptions", () => ({ body: this.retrieveSubscription(r.url.searchParams.get("subscription_id")) })],
        ["POST", "/v1/subscriptions/:id/cancel", async (p) => ({ body: this.cancelSubscriptionApi(p.id, await this.jsonBody(r, true)) })],
        ["POST", "/v1/refunds", async () => ({ body: this.refundApi(await this.jsonBody(r)) })],
      ];
      for (const [method, pattern, run] of routes) {
        if (method !== r.method) continue;
        const params = match(pattern, r.path);
        if (!params) continue;
        const result = await run(params);
        // The SDK accepts exactly 200 for every operation (creem@1.13.0 `M.json(200, …)`).
        sendJson(r.res, result.status ?? 200, result.body);
        return;
      }
      this.notFound(r);
    } catch (err) {
      if (err instanceof CreemApiError) {
        sendJson(r.res, err.status, creemErrorBody(err.status, err.messages));
        return;
      }
      throw err;
    }
  }

  private async jsonBody(r: ProviderRequest, optional = false): Promise<Dict> {
    const text = await r.body();
    if (!text.trim()) {
      if (optional) return {};
      throw bad("The request body must be a JSON object.");
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw bad("The request body is not valid JSON.");
    }
    if (!isPlainObject(parsed)) throw bad("The request body must be a JSON object.");
    return parsed;
  }

  // ── checkouts ──

  private createCheckout(body: Dict, apiKey: string): Dict {
    // Unconfirmed wording: NestJS-style validation messages, unknown properties refused.
    const problems: string[] = [];
    for (const key of Object.keys(body)) if (!CREATE_FIELDS.has(key)) problems.push(`property ${key} should not exist`);
    const productId = body.product_id;
    if (typeof productId !== "string" || !productId) problems.push("product_id must be a string", "product_id should not be empty");
    const requestId = body.request_id;
    if (requestId !== undefined && typeof requestId !== "string") problems.push("request_id must be a string");
    const units = body.units;
    if (units !== undefined && (typeof units !== "number" || !Number.isInteger(units))) problems.push("units must be an integer number");
    else if (typeof units === "number" && units < 1) problems.push("units must not be less than 1");
    const customPrice = body.custom_price;
    if (customPrice !== undefined && (typeof customPrice !== "number" || !Number.isInteger(customPrice) || customPrice < 100 || customPrice > 99_999_999)) {
      problems.push("custom_price must be an integer between 100 and 99999999");
    }
    const discountCode = body.discount_code;
    if (discountCode !== undefined && typeof discountCode !== "string") problems.push("discount_code must be a string");
    const customer = body.customer;
    if (customer !== undefined) {
      if (!isPlainObject(customer)) problems.push("customer must be an object");
      else {
        for (const key of Object.keys(customer)) if (!["id", "email", "name"].includes(key)) problems.push(`property customer.${key} should not exist`);
        if (customer.email !== undefined && (typeof customer.email !== "string" || !isEmail(customer.email))) problems.push("customer.email must be an email");
        if (customer.id !== undefined && typeof customer.id !== "string") problems.push("customer.id must be a string");
        if (customer.name !== undefined && typeof customer.name !== "string") problems.push("customer.name must be a string");
      }
    }
    const successUrl = body.success_url;
    if (successUrl !== undefined && successUrl !== null) {
      let ok = typeof successUrl === "string";
      if (ok) {
        try {
          const u = new URL(successUrl as string);
          ok = u.protocol === "http:" || u.protocol === "https:";
        } catch {
          ok = false;
        }
      }
      if (!ok) problems.push("success_url must be a URL address");
    }
    if (body.metadata !== undefined && !isPlainObject(body.metadata)) problems.push("metadata must be an object");
    const customFields = body.custom_fields ?? body.custom_field;
    if (customFields !== undefined && (!Array.isArray(customFields) || customFields.length > 3)) problems.push("custom_fields must contain no more than 3 elements");
    const locale = body.locale;
    if (locale !== undefined && (typeof locale !== "string" || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$/.test(locale))) problems.push("locale must be a valid language tag");
    if (problems.length) throw bad(...problems);

    const product = this.products.get(productId as string);
    if (!product) throw notFound("Product not found");
    if (customPrice !== undefined && product.catalog.billing.type === "recurring") {
      throw bad("custom_price is only supported for one-time payment products");
    }
    let discountId: string | null = null;
    if (typeof discountCode === "string" && discountCode) {
      // Unconfirmed: an unknown prefilled code is refused rather than ignored.
      const discount = this.findDiscountByCode(discountCode);
      if (!discount) throw notFound("Discount not found");
      const problem = this.discountProblem(discount, product.catalog);
      if (problem) throw bad(problem);
      discountId = discount.id;
    }
    let customerId: string | null = null;
    let lockedEmail: string | null = null;
    let prefillName: string | null = null;
    if (isPlainObject(customer)) {
      if (typeof customer.id === "string" && customer.id) {
        const known = this.customers.get(customer.id);
        if (!known) throw notFound("Customer not found");
        customerId = known.id;
        lockedEmail = known.email;
      } else if (typeof customer.email === "string") {
        lockedEmail = customer.email;
      }
      if (typeof customer.name === "string") prefillName = customer.name;
    }
    const now = this.now();
    const record: CheckoutRecord = {
      id: newId("ch", 22),
      status: "pending",
      productId: product.catalog.id,
      requestId: typeof requestId === "string" && requestId ? requestId : null,
      units: typeof units === "number" ? units : 1,
      customPrice: typeof customPrice === "number" ? customPrice : null,
      successUrl: typeof successUrl === "string" ? successUrl : null,
      metadata: isPlainObject(body.metadata) ? structuredClone(body.metadata) : null,
      locale: typeof locale === "string" ? locale : null,
      customerId,
      lockedEmail,
      prefillName,
      discountId,
      orderId: null,
      subscriptionId: null,
      apiKey,
      createdMs: now,
      expiresMs: now + CHECKOUT_TTL_MS,
    };
    this.checkouts.set(record.id, record);
    return this.checkoutJson(record);
  }

  private retrieveCheckout(id: string | null): Dict {
    if (!id) throw bad("checkout_id must be a string", "checkout_id should not be empty");
    const c = this.checkouts.get(id);
    if (!c) throw notFound("Checkout not found");
    return this.checkoutJson(c);
  }

  private retrieveProduct(id: string): Dict {
    if (!this.products.has(id)) throw notFound("Product not found");
    return this.productJson(id);
  }

  // ── discounts ──

  private findDiscountByCode(code: string): DiscountRecord | undefined {
    return [...this.discounts.values()].find((d) => d.code.toLowerCase() === code.trim().toLowerCase());
  }

  private discountProblem(d: DiscountRecord, product: SandboxProduct): string | null {
    if (d.appliesTo.length > 0 && !d.appliesTo.includes(product.id)) return "Discount code is not valid for this product";
    if (d.maxRedemptions !== null && d.redeemCount >= d.maxRedemptions) return "Discount code has reached its maximum redemptions";
    if (d.type === "fixed" && d.currency && d.currency.toLowerCase() !== product.currency.toLowerCase()) return "Discount code currency does not match the product";
    return null;
  }

  private createDiscount(body: Dict): Dict {
    const problems: string[] = [];
    const name = body.name;
    if (typeof name !== "string" || !name) problems.push("name must be a string");
    const type = body.type;
    if (type !== "percentage" && type !== "fixed") problems.push("type must be one of the following values: percentage, fixed");
    const duration = body.duration;
    if (duration !== "forever" && duration !== "once" && duration !== "repeating") problems.push("duration must be one of the following values: forever, once, repeating");
    if (type === "percentage" && (typeof body.percentage !== "number" || body.percentage <= 0 || body.percentage > 100)) problems.push("percentage must be a number between 0 and 100");
    if (type === "fixed" && (typeof body.amount !== "number" || !Number.isInteger(body.amount) || body.amount <= 0)) problems.push("amount must be a positive integer");
    if (!Array.isArray(body.applies_to_products)) problems.push("applies_to_products must be an array");
    const code = typeof body.code === "string" && body.code ? body.code : randomId(8).toUpperCase();
    if (problems.length) throw bad(...problems);
    if (this.findDiscountByCode(code)) throw bad("A discount with this code already exists");
    const appliesTo = (body.applies_to_products as unknown[]).filter((p): p is string => typeof p === "string");
    for (const p of appliesTo) if (!this.products.has(p)) throw notFound(`Product ${p} not found`);
    const record: DiscountRecord = {
      id: newId("dis", 22),
      name: name as string,
      code,
      type: type as DiscountRecord["type"],
      percentage: type === "percentage" ? (body.percentage as number) : null,
      amount: type === "fixed" ? (body.amount as number) : null,
      currency: type === "fixed" && typeof body.currency === "string" ? body.currency.toUpperCase() : null,
      duration: duration as DiscountRecord["duration"],
      durationInMonths: typeof body.duration_in_months === "number" ? body.duration_in_months : null,
      appliesTo,
      maxRedemptions: typeof body.max_redemptions === "number" ? body.max_redemptions : null,
      redeemCount: 0,
      createdAt: iso(this.now()),
    };
    this.discounts.set(record.id, record);
    return this.discountJson(record);
  }

  private retrieveDiscount(query: URLSearchParams): Dict {
    const id = query.get("discount_id");
    const code = query.get("discount_code");
    const found = id ? this.discounts.get(id) : code ? this.findDiscountByCode(code) : undefined;
    if (!id && !code) throw bad("discount_id or discount_code is required");
    if (!found) throw notFound("Discount not found");
    return this.discountJson(found);
  }

  private discountAmount(d: DiscountRecord | undefined, subtotal: number): number {
    if (!d) return 0;
    if (d.type === "percentage") return Math.min(subtotal, Math.round((subtotal * (d.percentage ?? 0)) / 100));
    return Math.min(subtotal, d.amount ?? 0);
  }

  // ── customers ──

  private retrieveCustomer(query: URLSearchParams): Dict {
    const id = query.get("customer_id");
    const email = query.get("email");
    if (!id && !email) throw bad("customer_id or email is required");
    const found = id ? this.customers.get(id) : [...this.customers.values()].find((c) => c.email.toLowerCase() === email!.toLowerCase());
    if (!found) throw notFound("Customer not found");
    return this.customerJson(found.id);
  }

  private customerFor(c: CheckoutRecord, details: PayerDetails): CustomerRecord {
    const known = c.customerId ? this.customers.get(c.customerId) : undefined;
    if (known) return known;
    // Creem keeps one customer per email in a store.
    const byEmail = [...this.customers.values()].find((x) => x.email.toLowerCase() === details.email.toLowerCase());
    if (byEmail) return byEmail;
    const at = iso(this.now());
    const created: CustomerRecord = { id: newId("cust", 22), email: details.email, name: details.name ?? c.prefillName, createdAt: at, updatedAt: at };
    this.customers.set(created.id, created);
    return created;
  }

  // ── paying ──

  private unitPrice(c: CheckoutRecord): number {
    return c.customPrice ?? this.products.get(c.productId)!.catalog.unitAmount;
  }

  private trialDays(c: CheckoutRecord): number {
    const billing = this.products.get(c.productId)!.catalog.billing;
    return billing.type === "recurring" ? (billing.trialDays ?? 0) : 0;
  }

  /** What the page shows and the order records. Unconfirmed: a trial charges nothing today. */
  private totals(c: CheckoutRecord): { subtotal: number; discount: number; tax: number; dueToday: number; recurring: number } {
    const subtotal = this.unitPrice(c) * c.units;
    const discount = this.discountAmount(c.discountId ? this.discounts.get(c.discountId) : undefined, subtotal);
    const tax = 0;
    const recurring = subtotal - discount + tax;
    return { subtotal, discount, tax, dueToday: this.trialDays(c) > 0 ? 0 : recurring, recurring };
  }

  /** `paid` (control API only, money-policy tests): the order reports this amount/currency as paid instead of the priced total. */
  private pay(c: CheckoutRecord, details: PayerDetails, paid?: PaidOverride): { outcome: CardOutcome; redirectUrl?: string | null } {
    const totals = this.totals(c);
    const outcome = cardOutcome(details.card.number, totals.dueToday > 0);
    if (outcome.kind !== "succeeded") return { outcome };
    return { outcome, redirectUrl: this.complete(c, details, totals, paid) };
  }

  private complete(c: CheckoutRecord, details: PayerDetails, totals: ReturnType<CreemSandbox["totals"]>, paid?: PaidOverride): string | null {
    const product = this.products.get(c.productId)!.catalog;
    const recurring = product.billing.type === "recurring";
    const customer = this.customerFor(c, details);
    const now = this.now();
    const currency = (paid?.currency ?? product.currency).toUpperCase();
    const charged = paid?.amount ?? totals.dueToday;
    const orderId = newId("ord", 22);
    const transactionId = newId("tran", 22);

    let subscription: SubscriptionRecord | null = null;
    if (recurring && product.billing.type === "recurring") {
      const trialDays = this.trialDays(c);
      const end = trialDays > 0 ? now + trialDays * DAY_MS : addMonths(now, product.billing.interval === "year" ? 12 : 1);
      subscription = {
        id: newId("sub", 22),
        productId: product.id,
        customerId: customer.id,
        checkoutId: c.id,
        units: c.units,
        status: trialDays > 0 ? "trialing" : "active",
        // The checkout's metadata is saved on the subscription and comes back in its webhooks (seed).
        metadata: c.metadata ? structuredClone(c.metadata) : null,
        discountId: c.discountId,
        periodStartMs: now,
        periodEndMs: end,
        canceledMs: null,
        onExecute: "cancel",
        lastTransactionId: transactionId,
        lastTransactionMs: now,
        itemId: newId("sitem", 22),
        priceId: newId("pprice", 22),
        createdMs: now,
        updatedMs: now,
      };
      this.subscriptions.set(subscription.id, subscription);
    }
    this.transactions.set(transactionId, {
      id: transactionId,
      orderId,
      subscriptionId: subscription?.id ?? null,
      customerId: customer.id,
      checkoutId: c.id,
      amount: charged - totals.tax,
      amountPaid: charged,
      taxAmount: totals.tax,
      currency,
      type: recurring ? "invoice" : "payment",
      status: "paid",
      refundedAmount: 0,
      description: recurring ? "Subscription payment" : "Payment",
      periodStartMs: subscription?.periodStartMs ?? null,
      periodEndMs: subscription?.periodEndMs ?? null,
      createdMs: now,
    });
    this.orders.set(orderId, {
      id: orderId,
      checkoutId: c.id,
      customerId: customer.id,
      productId: product.id,
      transactionId,
      discountId: c.discountId,
      subTotal: totals.subtotal,
      discountAmount: totals.discount,
      taxAmount: totals.tax,
      amountDue: totals.dueToday,
      amountPaid: charged,
      currency,
      type: recurring ? "recurring" : "onetime",
      createdAt: iso(now),
    });
    if (c.discountId) this.discounts.get(c.discountId)!.redeemCount += 1;
    c.status = "completed";
    c.customerId = customer.id;
    c.orderId = orderId;
    c.subscriptionId = subscription?.id ?? null;

    // Unconfirmed order of events: the checkout first, then the subscription's own events.
    this.emit("checkout.completed", this.checkoutJson(c));
    if (subscription) {
      this.emit(subscription.status === "trialing" ? "subscription.trialing" : "subscription.active", this.subscriptionJson(subscription.id));
      if (charged > 0) this.emit("subscription.paid", this.subscriptionJson(subscription.id, "full", true));
    }
    return this.redirectUrl(c);
  }

  /**
   * success_url + Creem's parameters + signature; null without a success_url (Creem then shows
   * its own confirmation). Creem's parameters are appended after the merchant's own ones, which
   * stay as they were (our `cid=<our id>` stays first). Order unconfirmed; this is the
   * order of the docs' RedirectParams (request_id first).
   */
  redirectUrl(c: CheckoutRecord): string | null {
    if (!c.successUrl) return null;
    const pairs: Array<[string, string]> = [];
    const add = (key: string, value: string | null) => {
      if (value) pairs.push([key, value]);
    };
    add("request_id", c.requestId);
    add("checkout_id", c.id);
    add("order_id", c.orderId);
    add("customer_id", c.customerId);
    add("subscription_id", c.subscriptionId);
    add("product_id", c.productId);
    pairs.push(["signature", creemRedirectSignature(pairs, c.apiKey)]);
    return appendQuery(c.successUrl, pairs);
  }

  // ── subscriptions ──

  private retrieveSubscription(id: string | null): Dict {
    if (!id) throw bad("subscription_id must be a string", "subscription_id should not be empty");
    if (!this.subscriptions.has(id)) throw notFound("Subscription not found");
    return this.subscriptionJson(id);
  }

  private touch(s: SubscriptionRecord): void {
    s.updatedMs = this.now();
  }

  private cancelSubscriptionApi(id: string, body: Dict): Dict {
    const s = this.subscriptions.get(id);
    if (!s) throw notFound("Subscription not found");
    for (const key of Object.keys(body)) if (key !== "mode" && key !== "onExecute") throw bad(`property ${key} should not exist`);
    const mode = body.mode ?? "immediate"; // unconfirmed default
    const onExecute = body.onExecute ?? "cancel";
    if (mode !== "immediate" && mode !== "scheduled") throw bad("mode must be one of the following values: immediate, scheduled");
    if (onExecute !== "cancel" && onExecute !== "pause") throw bad("onExecute must be one of the following values: cancel, pause");
    if (s.status === "canceled") throw bad("Subscription is already canceled");
    if (mode === "immediate") this.endSubscription(s);
    else this.scheduleCancel(s, onExecute);
    return this.subscriptionJson(s.id);
  }

  private scheduleCancel(s: SubscriptionRecord, onExecute: "cancel" | "pause"): void {
    if (s.status === "scheduled_cancel") return;
    s.status = "scheduled_cancel";
    s.onExecute = onExecute;
    this.touch(s);
    this.emit("subscription.scheduled_cancel", this.subscriptionJson(s.id));
  }

  private endSubscription(s: SubscriptionRecord): void {
    s.status = "canceled";
    s.canceledMs = this.now();
    this.touch(s);
    this.emit("subscription.canceled", this.subscriptionJson(s.id));
  }

  private renew(s: SubscriptionRecord, fail = false): void {
    const product = this.products.get(s.productId)!.catalog;
    const months = product.billing.type === "recurring" && product.billing.interval === "year" ? 12 : 1;
    if (fail) {
      s.status = "past_due";
      this.touch(s);
      this.emit("subscription.past_due", this.subscriptionJson(s.id));
      return;
    }
    const start = s.periodEndMs;
    const subtotal = product.unitAmount * s.units;
    const discount = s.discountId ? this.discountAmount(this.discounts.get(s.discountId), subtotal) : 0;
    const amount = subtotal - discount;
    const transactionId = newId("tran", 22);
    const checkout = this.checkouts.get(s.checkoutId);
    s.periodStartMs = start;
    s.periodEndMs = addMonths(start, months);
    s.status = "active";
    s.lastTransactionId = transactionId;
    s.lastTransactionMs = this.now();
    this.touch(s);
    this.transactions.set(transactionId, {
      id: transactionId,
      orderId: checkout?.orderId ?? "",
      subscriptionId: s.id,
      customerId: s.customerId,
      checkoutId: s.checkoutId,
      amount,
      amountPaid: amount,
      taxAmount: 0,
      currency: product.currency.toUpperCase(),
      type: "invoice",
      status: "paid",
      refundedAmount: 0,
      description: "Subscription payment",
      periodStartMs: s.periodStartMs,
      periodEndMs: s.periodEndMs,
      createdMs: this.now(),
    });
    this.emit("subscription.paid", this.subscriptionJson(s.id, "full", true));
  }

  // ── refunds and disputes ──

  private findTransaction(body: Dict): TransactionRecord | undefined {
    if (typeof body.transaction_id === "string") return this.transactions.get(body.transaction_id);
    const orderId =
      typeof body.order_id === "string" ? body.order_id : typeof body.checkout_id === "string" ? this.checkouts.get(body.checkout_id)?.orderId : undefined;
    const order = orderId ? this.orders.get(orderId) : undefined;
    return order ? this.transactions.get(order.transactionId) : undefined;
  }

  /** refund.created's object: the refund with its transaction, subscription, checkout, order and customer. */
  private paymentObject(t: TransactionRecord, extra: Dict): Dict {
    const checkout = this.checkouts.get(t.checkoutId);
    return {
      ...extra,
      transaction: this.transactionJson(t.id),
      ...(t.subscriptionId ? { subscription: this.subscriptionJson(t.subscriptionId, "ids") } : {}),
      ...(checkout ? { checkout: this.checkoutJson(checkout, "ref") } : {}),
      ...(t.orderId && this.orders.has(t.orderId) ? { order: this.orderJson(t.orderId) } : {}),
      customer: this.customerJson(t.customerId),
      created_at: this.now(),
      mode: MODE,
    };
  }

  private refund(t: TransactionRecord, amount: number | null): Dict {
    const remaining = t.amountPaid - t.refundedAmount;
    const value = amount ?? remaining;
    if (remaining <= 0) throw bad("Transaction is already fully refunded");
    if (!Number.isInteger(value) || value <= 0 || value > remaining) throw bad(`amount must be an integer between 1 and ${remaining}`);
    t.refundedAmount += value;
    t.status = t.refundedAmount >= t.amountPaid ? "refunded" : "partially_refunded";
    const refund = {
      id: newId("ref", 22),
      object: "refund",
      status: "succeeded",
      refund_amount: value,
      refund_currency: t.currency,
      reason: "requested_by_customer",
    };
    this.emit("refund.created", this.paymentObject(t, refund));
    return refund;
  }

  private refundApi(body: Dict): Dict {
    if (typeof body.transaction_id !== "string" || !body.transaction_id) throw bad("transaction_id must be a string");
    for (const key of Object.keys(body)) if (key !== "transaction_id") throw bad(`property ${key} should not exist`);
    const t = this.transactions.get(body.transaction_id);
    if (!t) throw notFound("Transaction not found");
    const refund = this.refund(t, null);
    return { status: refund.status };
  }

  // ── time ──

  tick(): void {
    const now = this.now();
    for (const c of this.checkouts.values()) {
      // Creem sends no webhook for an expired checkout (none is listed); the API shows it.
      if (c.status === "pending" && c.expiresMs <= now) c.status = "expired";
    }
    for (const s of this.subscriptions.values()) {
      for (let guard = 0; guard < 500; guard++) {
        if (s.periodEndMs > now) break;
        if (s.status === "scheduled_cancel") {
          if (s.onExecute === "pause") {
            s.status = "paused";
            this.touch(s);
            this.emit("subscription.paused", this.subscriptionJson(s.id));
          } else this.endSubscription(s);
          break;
        }
        if (s.status !== "active" && s.status !== "trialing") break;
        this.renew(s);
      }
    }
  }

  // ── hosted checkout page: /pay/creem/:id ──

  private async handlePage(r: ProviderRequest): Promise<boolean> {
    const m = match("/pay/creem/:id", r.path);
    if (!m) return false;
    if (r.method === "GET" || r.method === "HEAD") this.pageShow(r, m.id);
    else if (r.method === "POST") await this.pageSubmit(r, m.id);
    else {
      r.res.writeHead(405, { Allow: "GET, POST" });
      r.res.end();
    }
    return true;
  }

  /** Not payable → an explanatory page. Returns true when it answered. */
  private pageForClosed(r: ProviderRequest, c: CheckoutRecord | undefined, id: string): boolean {
    if (!c) {
      sendHtml(
        r.res,
        404,
        messagePage(LABEL, "Checkout not found", [
          `There is no checkout “${id}”.`,
          "The sandbox keeps its state in memory, so checkouts from an earlier run are gone. Start a new checkout from the merchant's site.",
        ]),
      );
      return true;
    }
    if (c.status === "expired") {
      sendHtml(r.res, 410, messagePage(LABEL, "This checkout has expired", ["No payment was taken. Go back to the merchant's site to start a new checkout."], undefined, undefined, c.locale ?? undefined));
      return true;
    }
    if (c.status === "completed") {
      const target = this.redirectUrl(c);
      sendHtml(
        r.res,
        200,
        messagePage(LABEL, "This checkout is already complete", ["The payment went through. There is nothing more to do here."], target ? { href: target, text: "Return to the merchant" } : undefined, undefined, c.locale ?? undefined),
      );
      return true;
    }
    return false;
  }

  private pageShow(r: ProviderRequest, id: string): void {
    const c = this.checkouts.get(id);
    if (this.pageForClosed(r, c, id) || !c) return;
    sendHtml(r.res, 200, this.renderPay(c, {}));
  }

  private async pageSubmit(r: ProviderRequest, id: string): Promise<void> {
    const c = this.checkouts.get(id);
    if (this.pageForClosed(r, c, id) || !c) return;
    const form = flatForm(await r.body());
    const embedded = form.embedded === "1";
    const intent = form.intent ?? "pay";

    if (intent === "remove_discount") {
      c.discountId = null;
      sendHtml(r.res, 200, this.renderPay(c, { notice: "Discount code removed." }));
      return;
    }
    if (intent === "apply_discount") {
      const code = (form.discount_code ?? "").trim();
      const discount = code ? this.findDiscountByCode(code) : undefined;
      const problem = !code ? "Enter a discount code." : !discount ? "This discount code is invalid." : this.discountProblem(discount, this.products.get(c.productId)!.catalog);
      if (problem || !discount) {
        sendHtml(r.res, 400, this.renderPay(c, { errors: { discount: problem ?? "This discount code is invalid." }, values: { discount_code: code } }));
        return;
      }
      c.discountId = discount.id;
      sendHtml(r.res, 200, this.renderPay(c, { notice: `Discount code ${discount.code} applied.` }));
      return;
    }

    const email = (c.lockedEmail ?? form.email ?? "").trim();
    const values = { email, name: form.name ?? "", card_number: form.card_number ?? "", card_expiry: form.card_expiry ?? "", card_cvc: form.card_cvc ?? "" };
    const errors: PayView["errors"] = {};
    if (!email) errors.email = "Your email is incomplete.";
    else if (!isEmail(email)) errors.email = "Your email address is invalid.";
    const parsed = parseCard({ number: values.card_number, expiry: values.card_expiry, cvc: values.card_cvc }, this.now());
    Object.assign(errors, parsed.errors);
    if (Object.keys(errors).length > 0 || !parsed.card) {
      sendHtml(r.res, 400, this.renderPay(c, { errors, values, alert: "Please check the highlighted fields." }));
      return;
    }
    const result = this.pay(c, { email, name: values.name.trim() || null, card: parsed.card });
    if (result.outcome.kind === "declined") {
      sendHtml(r.res, 402, this.renderPay(c, { alert: result.outcome.message, values }));
      return;
    }
    this.respondCompleted(r, c, result.redirectUrl ?? null, embedded);
  }

  /** Top level: 303 to the signed success URL. In the embed iframe: a page that posts "completed". */
  private respondCompleted(r: ProviderRequest, c: CheckoutRecord, redirectUrl: string | null, embedded: boolean): void {
    if (!embedded && redirectUrl) {
      redirect(r.res, redirectUrl, 303);
      return;
    }
    const body = `<div class="card"><h1>Payment complete</h1><p>${redirectUrl ? "Thank you — returning you to the merchant…" : "Thank you — your purchase is confirmed. You can close this page."}</p>${
      redirectUrl ? `<p><a href="${esc(redirectUrl)}">Continue</a></p>` : ""
    }</div>${embed({ checkoutId: c.id, completed: { orderId: c.orderId, redirectUrl } })}`;
    sendHtml(r.res, 200, page({ label: LABEL, title: "Payment complete", lang: c.locale ?? undefined, body }));
  }

  private renderPay(c: CheckoutRecord, view: PayView): string {
    const product = this.products.get(c.productId)!.catalog;
    const locale = c.locale ?? "en-US";
    const fmt = (n: number) => money(n, product.currency, locale);
    const totals = this.totals(c);
    const errors = view.errors ?? {};
    const values = view.values ?? {};
    const recurring = product.billing.type === "recurring" ? product.billing : null;
    const trial = this.trialDays(c);
    const per = recurring ? (recurring.interval === "year" ? "per year" : "per month") : "";
    const discount = c.discountId ? this.discounts.get(c.discountId) : undefined;

    const detail = [`Qty ${c.units}`, `${fmt(this.unitPrice(c))} each`];
    if (recurring) detail.push(`billed ${per}`);
    const table = `<table><caption>Order summary</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody><tr><th scope="row">${esc(product.name)}<div class="muted">${esc(detail.join(" · "))}</div></th><td class="num">${esc(fmt(totals.subtotal))}</td></tr></tbody>
<tfoot>
<tr><th scope="row">Subtotal</th><td class="num">${esc(fmt(totals.subtotal))}</td></tr>
${totals.discount > 0 ? `<tr><th scope="row">Discount (${esc(discount?.code ?? "")})</th><td class="num">−${esc(fmt(totals.discount))}</td></tr>` : ""}
<tr><th scope="row">Tax</th><td class="num">${esc(fmt(totals.tax))}</td></tr>
<tr class="total"><th scope="row">Total due today</th><td class="num" id="amount-due">${esc(fmt(totals.dueToday))}</td></tr>
</tfoot></table>`;
    const trialText = recurring && trial > 0 ? `<p><strong>${trial} days free</strong>, then ${esc(fmt(totals.recurring))} ${esc(per)}.</p>` : "";
    const subText = recurring && trial === 0 ? `<p class="muted">Then ${esc(fmt(totals.recurring))} ${esc(per)} until you cancel.</p>` : "";
    const discountForm = discount
      ? `<form method="post" action="/pay/creem/${esc(c.id)}" class="promo"><input type="hidden" name="intent" value="remove_discount"><p>Code <strong>${esc(discount.code)}</strong> applied.</p><button type="submit" class="secondary">Remove code</button></form>`
      : `<form method="post" action="/pay/creem/${esc(c.id)}" novalidate><input type="hidden" name="intent" value="apply_discount"><div class="promo"><div><label for="discount_code">Discount code</label><input type="text" id="discount_code" name="discount_code" autocomplete="off" value="${esc(values.discount_code ?? "")}"${errors.discount ? ' aria-invalid="true" aria-describedby="discount_code-error"' : ""}></div><button type="submit" class="secondary">Apply</button></div>${errors.discount ? `<p class="field-error" id="discount_code-error">${esc(errors.discount)}</p>` : ""}</form>`;

    const heading = recurring ? (trial > 0 ? "Start your trial" : "Subscribe") : "Checkout";
    const lockedEmail = c.lockedEmail;
    const field = (name: "email" | "card_number" | "card_expiry" | "card_cvc" | "name", label: string, attrs: string, errKey?: "email" | "number" | "expiry" | "cvc") => {
      const err = errKey ? errors[errKey] : undefined;
      const value = name === "email" && lockedEmail ? lockedEmail : name === "name" && !values.name && c.prefillName ? c.prefillName : (values[name] ?? "");
      return `<label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${name}-error"` : ""}>${err ? `<p class="field-error" id="${name}-error">${esc(err)}</p>` : ""}`;
    };
    const cta = recurring ? (trial > 0 ? "Start trial" : "Subscribe") : totals.dueToday > 0 ? `Pay ${fmt(totals.dueToday)}` : "Complete order";

    // No Back link: a Creem checkout has no cancel URL.
    const body = `<div class="grid">
<section class="card" aria-labelledby="summary-heading">
<h1 id="summary-heading">${esc(heading)}</h1>
${trialText}${subText}
${table}
${discountForm}
</section>
<section class="card" aria-labelledby="pay-heading">
<h2 id="pay-heading">Payment details</h2>
${view.notice ? `<p class="notice" role="status">${esc(view.notice)}</p>` : ""}
${view.alert ? `<div class="alert" role="alert" id="form-error">${esc(view.alert)}</div>` : ""}
<form method="post" action="/pay/creem/${esc(c.id)}" novalidate>
<input type="hidden" name="intent" value="pay">
<input type="hidden" name="embedded" value="0">
${field("email", "Email", `type="email" autocomplete="email" required${lockedEmail ? " readonly" : ""}`, "email")}
${field("card_number", "Card number", 'type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required', "number")}
<div class="row"><div>${field("card_expiry", 'Expiration date <span class="sr-only">(MM / YY)</span>', 'type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" required', "expiry")}</div>
<div>${field("card_cvc", 'Security code <span class="sr-only">(CVC)</span>', 'type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required', "cvc")}</div></div>
${field("name", "Name on card", 'type="text" autocomplete="cc-name"')}
<button type="submit" class="primary">${esc(cta)}</button>
</form>
<details><summary>Test cards</summary><ul>
<li><code>4242 4242 4242 4242</code> — succeeds</li>
<li><code>4000 0000 0000 0002</code> — declined</li>
<li><code>4000 0000 0000 9995</code> — insufficient funds</li>
</ul><p>Use any future expiry date and any 3-digit CVC.</p></details>
</section>
</div>${embed({ checkoutId: c.id, ready: true })}`;
    return page({ label: LABEL, title: heading, lang: c.locale ?? undefined, body });
  }

  // ── control API (/_sandbox/creem/…) ──

  async control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined> {
    const [a, b, c2] = rest;
    try {
      if (method === "GET" && a === "sessions" && !b) {
        return {
          body: {
            sessions: [...this.checkouts.values()].map((c) => ({
              id: c.id,
              status: c.status,
              request_id: c.requestId,
              product_id: c.productId,
              units: c.units,
              checkout_url: this.payUrl(c.id),
              order_id: c.orderId,
              subscription_id: c.subscriptionId,
              metadata: c.metadata,
            })),
          },
        };
      }
      if (a === "sessions" && b) {
        const c = this.checkouts.get(b);
        if (!c) return { status: 404, body: { error: `no checkout ${b}` } };
        if (method === "GET" && !c2) return { body: { checkout: this.checkoutJson(c), locale: c.locale, expires_at: iso(c.expiresMs) } };
        if (method === "POST" && c2 === "expire") {
          if (c.status !== "pending") return { status: 409, body: { error: `checkout is ${c.status}`, checkout: this.checkoutJson(c) } };
          c.status = "expired";
          return { body: { checkout: this.checkoutJson(c) } };
        }
        if (method === "POST" && c2 === "complete") return this.controlComplete(c, body);
      }
      if (a === "subscriptions" && b) {
        const s = this.subscriptions.get(b);
        if (!s) return { status: 404, body: { error: `no subscription ${b}` } };
        if (method === "GET" && !c2) return { body: { subscription: this.subscriptionJson(s.id) } };
        if (method === "POST" && c2 === "advance") return this.controlAdvance(s, body);
      }
      if (method === "POST" && (a === "refunds" || a === "disputes") && !b) {
        const t = this.findTransaction(body);
        if (!t) return { status: 404, body: { error: "give transaction_id, order_id or checkout_id of a paid checkout" } };
        if (a === "refunds") {
          const amount = body.amount === undefined ? null : Number(body.amount);
          return { body: { refund: this.refund(t, amount) } };
        }
        t.status = "chargeback";
        const dispute = { id: newId("disp", 22), object: "dispute", amount: t.amountPaid, currency: t.currency };
        this.emit("dispute.created", this.paymentObject(t, dispute));
        return { body: { dispute } };
      }
      if (method === "POST" && a === "discounts" && !b) {
        return {
          body: this.createDiscount({
            name: body.name ?? `Sandbox ${String(body.code ?? "discount")}`,
            type: body.type ?? (body.amount !== undefined ? "fixed" : "percentage"),
            duration: body.duration ?? "forever",
            applies_to_products: body.applies_to_products ?? [],
            ...body,
          }),
        };
      }
      if (method === "GET" && a === "products" && !b) return { body: { products: [...this.products.keys()].map((id) => this.productJson(id)) } };
      if (method === "GET" && a === "events" && !b) return { body: { events: structuredClone(this.events) } };
    } catch (err) {
      if (err instanceof CreemApiError) return { status: err.status, body: creemErrorBody(err.status, err.messages) };
      throw err;
    }
    return undefined;
  }

  private controlComplete(c: CheckoutRecord, body: Dict): ControlResult {
    if (c.status !== "pending") return { status: 409, body: { error: `checkout is ${c.status}`, checkout: this.checkoutJson(c) } };
    const number = normalizeNumber(typeof body.card === "string" ? body.card : "4242424242424242");
    const year = new Date(this.now()).getUTCFullYear() + 3;
    const email = c.lockedEmail ?? (typeof body.email === "string" ? body.email : "sandbox@example.com");
    const details: PayerDetails = {
      email,
      name: typeof body.name === "string" ? body.name : null,
      card: { number, last4: number.slice(-4), brand: brandOf(number), expMonth: 12, expYear: year },
    };
    let paid: PaidOverride | undefined;
    if (body.amount !== undefined || body.currency !== undefined) {
      const amount = Number(body.amount);
      if (!Number.isSafeInteger(amount) || amount < 0) return { status: 400, body: { error: "amount must be a non-negative integer (minor units)" } };
      if (body.currency !== undefined && (typeof body.currency !== "string" || !/^[A-Za-z]{3}$/.test(body.currency))) return { status: 400, body: { error: "currency must be an ISO 4217 code" } };
      paid = { amount, ...(typeof body.currency === "string" ? { currency: body.currency } : {}) };
    }
    const result = this.pay(c, details, paid);
    if (result.outcome.kind === "declined") {
      return { status: 402, body: { outcome: "declined", error: { code: result.outcome.code, message: result.outcome.message }, checkout: this.checkoutJson(c) } };
    }
    return { body: { outcome: "succeeded", redirectUrl: result.redirectUrl ?? null, checkout: this.checkoutJson(c) } };
  }

  private controlAdvance(s: SubscriptionRecord, body: Dict): ControlResult {
    if (s.status === "canceled") return { status: 409, body: { error: "subscription is canceled", subscription: this.subscriptionJson(s.id) } };
    switch (body.action) {
      case "renew":
        this.renew(s);
        break;
      case "payment_failed":
        this.renew(s, true);
        break;
      case "unpaid":
        s.status = "unpaid";
        this.touch(s);
        this.emit("subscription.unpaid", this.subscriptionJson(s.id));
        break;
      case "expire":
        // The period ended without a payment; the payload keeps its status (docs sample: "active").
        s.periodEndMs = Math.min(s.periodEndMs, this.now());
        this.touch(s);
        this.emit("subscription.expired", this.subscriptionJson(s.id));
        break;
      case "end_trial":
        if (s.status !== "trialing") return { status: 409, body: { error: "subscription is not trialing" } };
        s.periodEndMs = this.now();
        this.renew(s);
        break;
      case "pause":
        s.status = "paused";
        this.touch(s);
        this.emit("subscription.paused", this.subscriptionJson(s.id));
        break;
      case "update":
        this.touch(s);
        this.emit("subscription.update", this.subscriptionJson(s.id));
        break;
      case "scheduled_cancel":
        this.scheduleCancel(s, "cancel");
        break;
      case "cancel":
        this.endSubscription(s);
        break;
      default:
        return {
          status: 400,
          body: { error: 'action must be "renew", "payment_failed", "unpaid", "expire", "end_trial", "pause", "update", "scheduled_cancel" or "cancel"' },
        };
    }
    return { body: { subscription: this.subscriptionJson(s.id) } };
  }
}

/** Creem's retry schedule unless the sandbox was started with an explicit one (tests). */
function applyCreemRetrySchedule(webhooks: WebhookDispatcher): void {
  const current = webhooks.settings.retrySchedule;
  const untouched = current.length === DEFAULT_RETRY_SCHEDULE.length && current.every((ms, i) => ms === DEFAULT_RETRY_SCHEDULE[i]);
  if (untouched) webhooks.configure({ retrySchedule: CREEM_RETRY_SCHEDULE });
}

const creem: ProviderModule = {
  name: "creem",
  label: LABEL,
  portOffset: 1,
  webhook: {
    urlEnv: "SANDBOX_CREEM_WEBHOOK_URL",
    defaultUrl: "http://127.0.0.1:3000/api/webhooks/creem",
    secretEnv: "CREEM_WEBHOOK_SECRET",
    defaultSecret: "whsec_sandbox_creem_secret",
    sign: ({ body, secret }) => ({ "creem-signature": creemWebhookSignature(body, secret) }),
  },
  apiKeyEnv: "SANDBOX_CREEM_API_KEY",
  api: {
    isApiPath,
    errorBody: (status, message) => creemErrorBody(status, [message]),
  },
  create: (ctx) => new CreemSandbox(ctx),
};

export default creem;
