/**
 * FastStar, as its public docs (faststarpay.com/docs: checkout-sessions, api, webhooks,
 * js-sdk) and our adapter (lib/payments/providers/faststar) see it: Checkout Sessions with
 * FastStar's `X-API-Key` auth, JSON bodies, the `{ success, message, data }` envelope on every
 * answer (errors too), Merchant-of-Record vs Direct/PSP line-item rules, tax computed from
 * `buyer_country`, a hosted cashier page, and signed webhooks.
 *
 * Money events: the docs name them (payment.refunded, refund.succeeded, invoice.paid,
 * invoice.payment_failed, dispute.created / dispute.updated / dispute.closed) and the envelope
 * (`livemode`), not their payloads — every payload field below beyond the documented
 * payment.succeeded example is unconfirmed. A refund sends refund.succeeded (this refund, its
 * own re_… id) and payment.refunded (the payment's running `amount_refunded`); a dispute opens
 * with dispute.created and closes with dispute.closed (`status` won / lost); a failed renewal
 * turns the subscription past_due (subscription.updated + invoice.payment_failed), the end of
 * retries unpaid (subscription.updated).
 *
 * Contracts: docs/providers.md § FastStar. Everything the docs do not show is marked
 * "unconfirmed" next to the choice; the sandbox-only conventions are gathered in SANDBOX RULES
 * below.
 */
import { createHmac } from "node:crypto";
import { demoCatalog } from "../../lib/catalog/demo-catalog";
import { sandboxExternalId } from "../../lib/catalog/external-ids";
import { sandboxCatalog } from "../catalog";
import { brandOf, isEmail, normalizeNumber, parseCard, type ParsedCard } from "../core/cards";
import { canonical, parseForm } from "../core/form";
import { esc, messagePage, money, page, type FrameConfig } from "../core/html";
import { match, redirect, sendHtml, sendJson } from "../core/http";
import { id as newId, randomId } from "../core/ids";
import type { ControlResult, ProviderContext, ProviderInstance, ProviderModule, ProviderRequest } from "../core/types";

const LABEL = "FastStar — sandbox";
const DAY = 86_400;

// ───────────────────────────── SANDBOX RULES (unconfirmed choices, in one place) ─────────────────────────────

/** Test API keys the sandbox accepts when no key is pinned (FastStar's key format is not documented). */
const TEST_KEY = /^fs_test_[A-Za-z0-9_]+$/;
/** Which merchant a key belongs to: `fs_test_direct_…` is a Direct/PSP merchant, any other test key Merchant of Record. */
const DIRECT_KEY = /^fs_test_direct_/;
/** A session lives 24 hours (FastStar's lifetime is not documented). */
const SESSION_TTL_SECONDS = 24 * 3600;
/** Idempotency-Key is honoured for 24 hours (FastStar's support for the header is not documented). */
const IDEMPOTENCY_TTL_SECONDS = DAY;
/** After payment the cashier sends the buyer to success_url exactly as given: nothing is appended. */
const APPEND_TO_SUCCESS_URL = false;
/**
 * Tax by buyer_country, in basis points. EU/UK VAT is included in the price (total = subtotal,
 * tax = the included part); US sales tax is added on top. "US" without a state uses 8 % — the
 * rate behind the docs' own example (999 + 80 = 1079); a state ("US-CA") uses a plausible flat
 * state rate, an unknown state 0. Any other country: 0. None: not calculated (0).
 */
const VAT_INCLUSIVE_BPS: Record<string, number> = { DE: 1900, FR: 2000, NL: 2100, IT: 2200, ES: 2100, IE: 2300, AT: 2000, BE: 2100, GB: 2000 };
const US_DEFAULT_BPS = 800;
const US_STATE_BPS: Record<string, number> = { CA: 725, NY: 400, TX: 625, FL: 600, WA: 650, IL: 625, MA: 625, NJ: 663, OR: 0, DE: 0, MT: 0, NH: 0 };

export interface TaxResult {
  amount_tax: number;
  amount_total: number;
  /** basis points */
  rate: number;
  behavior: "inclusive" | "exclusive" | null;
  label: string;
}

/** The sandbox's tax engine (see SANDBOX RULES). Exported for tests. */
export function taxFor(buyerCountry: string | null, subtotal: number): TaxResult {
  if (!buyerCountry) return { amount_tax: 0, amount_total: subtotal, rate: 0, behavior: null, label: "Tax (no buyer country given)" };
  const [country, region] = buyerCountry.split("-");
  const vat = VAT_INCLUSIVE_BPS[country];
  if (vat !== undefined) {
    const tax = Math.round((subtotal * vat) / (10_000 + vat));
    return { amount_tax: tax, amount_total: subtotal, rate: vat, behavior: "inclusive", label: `VAT ${vat / 100}% (${country}), included` };
  }
  if (country === "US") {
    const rate = region ? (US_STATE_BPS[region] ?? 0) : US_DEFAULT_BPS;
    const tax = Math.round((subtotal * rate) / 10_000);
    return { amount_tax: tax, amount_total: subtotal + tax, rate, behavior: "exclusive", label: `Sales tax ${rate / 100}% (${buyerCountry})` };
  }
  return { amount_tax: 0, amount_total: subtotal, rate: 0, behavior: "exclusive", label: `Tax (${buyerCountry})` };
}

// Test cards: the Stripe sandbox's core set, so one e2e journey drives every provider.
type CardOutcome = { kind: "succeeded" } | { kind: "declined"; code: string; message: string };
const OK: CardOutcome = { kind: "succeeded" };
const DECLINED: CardOutcome = { kind: "declined", code: "card_declined", message: "Your card was declined." };
const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": OK,
  "5555555555554444": OK,
  "4000056655665556": OK,
  "378282246310005": OK,
  "4000000000000002": DECLINED,
  "4000000000009995": { kind: "declined", code: "insufficient_funds", message: "Your card has insufficient funds." },
  "4000000000000069": { kind: "declined", code: "expired_card", message: "Your card has expired." },
};

function cardOutcome(number: string, charged: boolean): CardOutcome {
  const outcome = TEST_CARDS[number] ?? DECLINED;
  if (!charged && outcome.kind === "declined" && outcome.code === "insufficient_funds") return OK;
  return outcome;
}

// ───────────────────────────── types ─────────────────────────────

type Dict = Record<string, unknown>;
type Mode = "payment" | "subscription" | "setup";
type Interval = "day" | "week" | "month" | "year";

interface CatalogProduct {
  id: string;
  name: string;
  description: string;
  default_price_id: string | null;
  active: boolean;
  created_at: string;
}
interface CatalogPrice {
  id: string;
  product_id: string;
  /** Display name of what the price sells. */
  nickname: string;
  unit_amount: number;
  currency: string; // upper case, as FastStar shows it
  type: "one_time" | "recurring";
  recurring_interval: Interval | null;
  recurring_interval_count: number | null;
  trial_period_days: number | null;
  active: boolean;
  created_at: string;
}
interface SessionLine {
  price_id: string | null;
  product_id: string | null;
  description: string;
  quantity: number;
  unit_amount: number;
  currency: string;
  amount_subtotal: number;
  recurring: { interval: Interval; interval_count: number; trial_period_days: number | null } | null;
}
interface Session {
  id: string;
  status: "open" | "complete" | "expired" | "canceled";
  payment_status: "unpaid" | "paid" | "no_payment_required";
  mode: Mode;
  presentation: "iframe" | "link";
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string | null;
  tax: TaxResult;
  session_token: string;
  expires_at: number;
  created_at: number;
  completed_at: number | null;
  client_reference_id: string | null;
  customer_email: string | null;
  buyer_country: string | null;
  success_url: string;
  cancel_url: string;
  line_items: SessionLine[];
  payment_id: string | null;
  subscription_id: string | null;
  trialDays: number | null;
  apiKey: string;
}
interface Payment {
  payment_id: string;
  status: "succeeded" | "failed" | "refunded" | "partially_refunded";
  amount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_refunded: number;
  currency: string;
  checkout_session_id: string | null;
  client_reference_id: string | null;
  subscription_id: string | null;
  invoice_id: string | null;
  mode: Mode | null;
  customer_email: string | null;
  card: { brand: string; last4: string } | null;
  created_at: string;
}
interface Subscription {
  subscription_id: string;
  status: "trialing" | "active" | "past_due" | "unpaid" | "canceled";
  price_id: string | null;
  product_id: string | null;
  quantity: number;
  unit_amount: number;
  currency: string;
  interval: Interval;
  interval_count: number;
  current_period_start: number;
  current_period_end: number;
  trial_end: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  checkout_session_id: string;
  client_reference_id: string | null;
  customer_email: string | null;
  created_at: number;
}
/** A dispute on a payment (the docs list dispute.created / dispute.updated / dispute.closed, without payloads). */
interface DisputeRecord {
  dispute_id: string;
  payment_id: string;
  status: "needs_response" | "won" | "lost";
  reason: string;
}
/** payDifferentAmount (control API only): the payment reports this as paid instead of the session's total. */
interface PaidOverride {
  amount: number;
  currency?: string;
}
interface FaststarEvent {
  id: string;
  type: string;
  created: number;
  data: Dict;
  livemode: false;
  api_version: "v1";
}
interface IdempotencyEntry {
  fingerprint: string;
  status: number;
  body: unknown;
  createdAt: number;
}

class FaststarError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** FastStar's envelope, on successes and failures alike. */
function envelope(success: boolean, message: string, data: unknown): Dict {
  return { success, message, data };
}

const iso = (seconds: number | null): string | null => (seconds === null ? null : new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));

function addInterval(ts: number, interval: Interval, count: number): number {
  if (interval === "day") return ts + count * DAY;
  if (interval === "week") return ts + count * 7 * DAY;
  const d = new Date(ts * 1000);
  const months = interval === "month" ? count : count * 12;
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

function isApiPath(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

/** `X-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256("t.body") keyed by the secret as text>` (docs: webhooks). */
export function faststarSignatureHeader(body: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

const CREATE_FIELDS = new Set(["mode", "presentation", "line_items", "customer_email", "success_url", "cancel_url", "buyer_country", "client_reference_id"]);
const LINE_FIELDS = new Set(["price_id", "product_id", "quantity", "ad_hoc_amount", "ad_hoc_currency", "description"]);

function httpUrl(value: unknown): boolean {
  if (typeof value !== "string" || value.length > 5000) return false;
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

// ───────────────────────────── the provider ─────────────────────────────

class FaststarSandbox implements ProviderInstance {
  private products = new Map<string, CatalogProduct>();
  private prices = new Map<string, CatalogPrice>();
  private sessions = new Map<string, Session>();
  private payments = new Map<string, Payment>();
  private subscriptions = new Map<string, Subscription>();
  private disputes = new Map<string, DisputeRecord>();
  private events: FaststarEvent[] = [];
  private idempotency = new Map<string, IdempotencyEntry>();

  constructor(private readonly ctx: ProviderContext) {
    this.seedCatalog();
  }

  private now(): number {
    return this.ctx.clock.nowSeconds();
  }

  /** The demo catalog under the ids the seed writes (price_sbx_<our price id>), grouped into products. */
  private seedCatalog(): void {
    const created = iso(this.now())!;
    const byId = new Map(sandboxCatalog("faststar").map((p) => [p.id, p]));
    for (const product of demoCatalog) {
      const productId = `prod_sbx_${product.id}`;
      const priceIds = product.prices.map((price) => sandboxExternalId("faststar", price.id));
      this.products.set(productId, { id: productId, name: product.name, description: product.description, default_price_id: priceIds[0] ?? null, active: true, created_at: created });
      for (const priceId of priceIds) {
        const p = byId.get(priceId);
        if (!p) continue;
        this.prices.set(p.id, {
          id: p.id,
          product_id: productId,
          nickname: p.name,
          unit_amount: p.unitAmount,
          currency: p.currency.toUpperCase(),
          type: p.billing.type,
          recurring_interval: p.billing.type === "recurring" ? p.billing.interval : null,
          recurring_interval_count: p.billing.type === "recurring" ? 1 : null,
          trial_period_days: p.billing.type === "recurring" ? p.billing.trialDays : null,
          active: true,
          created_at: created,
        });
      }
    }
  }

  describe(): Record<string, unknown> {
    return { label: LABEL, sessions: this.sessions.size, payments: this.payments.size, subscriptions: this.subscriptions.size, events: this.events.length, prices: this.prices.size };
  }

  reset(): void {
    this.products.clear();
    this.prices.clear();
    this.sessions.clear();
    this.payments.clear();
    this.subscriptions.clear();
    this.disputes.clear();
    this.events = [];
    this.idempotency.clear();
    this.seedCatalog();
  }

  notFound(r: ProviderRequest): void {
    sendJson(r.res, 404, envelope(false, `Route not found: ${r.method} ${r.path}`, null));
  }

  async handle(r: ProviderRequest): Promise<boolean> {
    if (isApiPath(r.path)) {
      await this.handleApi(r);
      return true;
    }
    if (r.path.startsWith("/pay/faststar/")) return this.handlePage(r);
    return false;
  }

  private emit(type: string, data: Dict): FaststarEvent {
    const event: FaststarEvent = { id: newId("evt", 24), type, created: this.now(), data: structuredClone(data), livemode: false, api_version: "v1" };
    this.events.push(event);
    // Compact JSON (unconfirmed); receivers verify the raw bytes either way.
    this.ctx.webhooks.enqueue({ id: event.id, type, body: JSON.stringify(event) });
    return event;
  }

  // ── API ──

  private authenticate(r: ProviderRequest): string {
    const raw = r.req.headers["x-api-key"];
    const key = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
    if (!key) throw new FaststarError(401, "Missing API key: send it in the X-API-Key header.");
    const ok = this.ctx.apiKey ? key === this.ctx.apiKey : TEST_KEY.test(key);
    if (!ok) throw new FaststarError(401, "Invalid API key.");
    return key;
  }

  private async handleApi(r: ProviderRequest): Promise<void> {
    try {
      const key = this.authenticate(r);
      const create = r.method === "POST" && r.path === "/api/v1/public/checkout/sessions";
      const retrieve = r.method === "GET" ? match("/api/v1/public/checkout/sessions/:id", r.path) : null;
      if (create) {
        const body = await this.jsonBody(r);
        const idemKey = (r.req.headers["idempotency-key"] as string | undefined)?.trim() || null;
        if (idemKey) {
          this.sweepIdempotency();
          const scoped = `${key}|${idemKey}`;
          const prior = this.idempotency.get(scoped);
          const fingerprint = canonical(body);
          if (prior) {
            if (prior.fingerprint !== fingerprint) {
              throw new FaststarError(409, `Idempotency key "${idemKey}" was already used with different parameters.`);
            }
            sendJson(r.res, prior.status, prior.body, { "Idempotent-Replayed": "true" });
            return;
          }
          const answer = { status: 200, body: envelope(true, "Checkout session created successfully", this.createSession(body, key)) };
          this.idempotency.set(scoped, { fingerprint, status: answer.status, body: answer.body, createdAt: this.now() });
          sendJson(r.res, answer.status, answer.body);
          return;
        }
        sendJson(r.res, 200, envelope(true, "Checkout session created successfully", this.createSession(body, key)));
        return;
      }
      if (retrieve) {
        const s = this.sessions.get(retrieve.id);
        if (!s || s.apiKey !== key) throw new FaststarError(404, `Checkout session ${retrieve.id} not found.`);
        sendJson(r.res, 200, envelope(true, "Checkout session retrieved successfully", this.sessionData(s)));
        return;
      }
      if (r.method === "GET" && r.path === "/api/v1/merchant/catalog/products") {
        sendJson(r.res, 200, envelope(true, "Products retrieved successfully", { products: [...this.products.values()] }));
        return;
      }
      if (r.method === "GET" && r.path === "/api/v1/merchant/catalog/prices") {
        sendJson(r.res, 200, envelope(true, "Prices retrieved successfully", { prices: [...this.prices.values()].map((p) => this.publicPrice(p)) }));
        return;
      }
      if (r.method === "POST" && r.path === "/api/v1/merchant/catalog/products") {
        sendJson(r.res, 200, envelope(true, "Product created successfully", this.createProduct(await this.jsonBody(r))));
        return;
      }
      if (r.method === "POST" && r.path === "/api/v1/merchant/catalog/prices") {
        sendJson(r.res, 200, envelope(true, "Price created successfully", this.publicPrice(this.createPrice(await this.jsonBody(r)))));
        return;
      }
      this.notFound(r);
    } catch (err) {
      if (err instanceof FaststarError) {
        sendJson(r.res, err.status, envelope(false, err.message, null));
        return;
      }
      throw err;
    }
  }

  private async jsonBody(r: ProviderRequest): Promise<Dict> {
    const type = String(r.req.headers["content-type"] ?? "");
    if (!type.includes("application/json")) throw new FaststarError(415, "Content-Type must be application/json.");
    let parsed: unknown;
    try {
      parsed = JSON.parse((await r.body()) || "null");
    } catch {
      throw new FaststarError(400, "Request body is not valid JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new FaststarError(400, "Request body must be a JSON object.");
    return parsed as Dict;
  }

  private sweepIdempotency(): void {
    const cutoff = this.now() - IDEMPOTENCY_TTL_SECONDS;
    for (const [k, v] of this.idempotency) if (v.createdAt < cutoff) this.idempotency.delete(k);
  }

  private publicPrice(p: CatalogPrice): Dict {
    const { nickname, ...rest } = p;
    return { ...rest, description: nickname };
  }

  private createProduct(body: Dict): CatalogProduct {
    if (typeof body.name !== "string" || !body.name.trim()) throw new FaststarError(400, "name is required.");
    const product: CatalogProduct = {
      id: newId("prod", 24),
      name: body.name.trim(),
      description: typeof body.description === "string" ? body.description : "",
      default_price_id: null,
      active: true,
      created_at: iso(this.now())!,
    };
    this.products.set(product.id, product);
    return product;
  }

  private createPrice(body: Dict): CatalogPrice {
    const product = typeof body.product_id === "string" ? this.products.get(body.product_id) : undefined;
    if (!product) throw new FaststarError(400, "product_id is required and must name one of your products.");
    if (typeof body.currency !== "string" || !/^[A-Za-z]{3}$/.test(body.currency)) throw new FaststarError(400, "currency is required (ISO 4217).");
    if (!Number.isSafeInteger(body.unit_amount) || (body.unit_amount as number) < 0) throw new FaststarError(400, "unit_amount is required: a non-negative integer in the smallest currency unit.");
    const type = body.type === "recurring" ? "recurring" : body.type === undefined || body.type === "one_time" ? "one_time" : null;
    if (!type) throw new FaststarError(400, 'type must be "one_time" or "recurring".');
    const interval = body.recurring_interval;
    if (type === "recurring" && interval !== "day" && interval !== "week" && interval !== "month" && interval !== "year") {
      throw new FaststarError(400, "recurring prices need recurring_interval (day, week, month or year).");
    }
    const price: CatalogPrice = {
      id: newId("price", 24),
      product_id: product.id,
      nickname: product.name,
      unit_amount: body.unit_amount as number,
      currency: body.currency.toUpperCase(),
      type,
      recurring_interval: type === "recurring" ? (interval as Interval) : null,
      recurring_interval_count: type === "recurring" ? (Number.isSafeInteger(body.recurring_interval_count) ? (body.recurring_interval_count as number) : 1) : null,
      trial_period_days: type === "recurring" && Number.isSafeInteger(body.trial_period_days) ? (body.trial_period_days as number) : null,
      active: true,
      created_at: iso(this.now())!,
    };
    this.prices.set(price.id, price);
    if (!product.default_price_id) product.default_price_id = price.id;
    return price;
  }

  private resolveLine(item: unknown, i: number, mode: Mode, merchantDirect: boolean): SessionLine {
    const at = `line_items[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) throw new FaststarError(400, `${at} must be an object.`);
    const li = item as Dict;
    for (const k of Object.keys(li)) if (!LINE_FIELDS.has(k)) throw new FaststarError(400, `Unknown field ${at}.${k}.`);
    if (!Number.isSafeInteger(li.quantity) || (li.quantity as number) < 1 || (li.quantity as number) > 10_000) {
      throw new FaststarError(400, `${at}.quantity must be an integer from 1 to 10000.`);
    }
    const quantity = li.quantity as number;
    const description = li.description === undefined ? null : typeof li.description === "string" && li.description.length <= 500 ? li.description : undefined;
    if (description === undefined) throw new FaststarError(400, `${at}.description must be a string of at most 500 characters.`);
    const sources = ["price_id", "product_id", "ad_hoc_amount"].filter((k) => li[k] !== undefined && li[k] !== null);
    if (sources.length !== 1) {
      throw new FaststarError(400, `${at} must reference exactly one of price_id, product_id or ad_hoc_amount.`);
    }
    if (sources[0] === "ad_hoc_amount") {
      // faststarpay.com/docs/checkout-sessions, "MoR rule". Wording unconfirmed.
      if (!merchantDirect) {
        throw new FaststarError(
          400,
          `${at}: Merchant of Record merchants must reference a catalog price_id or product_id in every line item; ad hoc amounts (ad_hoc_amount / ad_hoc_currency) are only available in Direct/PSP mode.`,
        );
      }
      if (mode === "subscription") throw new FaststarError(400, `${at}: subscription line items must reference a recurring price_id.`);
      if (!Number.isSafeInteger(li.ad_hoc_amount) || (li.ad_hoc_amount as number) < 1) throw new FaststarError(400, `${at}.ad_hoc_amount must be a positive integer in the smallest currency unit.`);
      if (typeof li.ad_hoc_currency !== "string" || !/^[A-Za-z]{3}$/.test(li.ad_hoc_currency)) throw new FaststarError(400, `${at}.ad_hoc_currency is required with ad_hoc_amount (ISO 4217).`);
      const unit = li.ad_hoc_amount as number;
      return { price_id: null, product_id: null, description: description ?? "Item", quantity, unit_amount: unit, currency: li.ad_hoc_currency.toUpperCase(), amount_subtotal: unit * quantity, recurring: null };
    }
    if (li.ad_hoc_currency !== undefined) throw new FaststarError(400, `${at}.ad_hoc_currency is only allowed with ad_hoc_amount.`);
    let price: CatalogPrice | undefined;
    if (sources[0] === "price_id") {
      if (typeof li.price_id !== "string") throw new FaststarError(400, `${at}.price_id must be a string.`);
      price = this.prices.get(li.price_id);
      if (!price || !price.active) throw new FaststarError(400, `${at}: price ${li.price_id} not found in your catalog.`);
    } else {
      if (typeof li.product_id !== "string") throw new FaststarError(400, `${at}.product_id must be a string.`);
      const product = this.products.get(li.product_id);
      if (!product || !product.active) throw new FaststarError(400, `${at}: product ${li.product_id} not found in your catalog.`);
      price = product.default_price_id ? this.prices.get(product.default_price_id) : undefined;
      if (!price) throw new FaststarError(400, `${at}: product ${li.product_id} has no default price.`);
    }
    if (mode === "subscription" && price.type !== "recurring") {
      throw new FaststarError(400, `${at}: subscription line items must reference a recurring price_id (${price.id} is one_time).`);
    }
    if (mode === "payment" && price.type === "recurring") {
      throw new FaststarError(400, `${at}: ${price.id} is a recurring price; use mode "subscription".`);
    }
    return {
      price_id: price.id,
      product_id: price.product_id,
      description: description ?? price.nickname,
      quantity,
      unit_amount: price.unit_amount,
      currency: price.currency,
      amount_subtotal: price.unit_amount * quantity,
      recurring:
        price.type === "recurring" && price.recurring_interval
          ? { interval: price.recurring_interval, interval_count: price.recurring_interval_count ?? 1, trial_period_days: price.trial_period_days }
          : null,
    };
  }

  private createSession(body: Dict, apiKey: string): Dict {
    for (const k of Object.keys(body)) if (!CREATE_FIELDS.has(k)) throw new FaststarError(400, `Unknown field ${k}.`);
    const mode = body.mode;
    if (mode !== "payment" && mode !== "subscription" && mode !== "setup") throw new FaststarError(400, 'mode is required: "payment", "subscription" or "setup".');
    const presentation = body.presentation ?? "link";
    if (presentation !== "iframe" && presentation !== "link") throw new FaststarError(400, 'presentation must be "iframe" or "link".');
    if (!httpUrl(body.success_url)) throw new FaststarError(400, "success_url is required and must be an http(s) URL.");
    if (!httpUrl(body.cancel_url)) throw new FaststarError(400, "cancel_url is required and must be an http(s) URL.");
    if (body.customer_email !== undefined && (typeof body.customer_email !== "string" || !isEmail(body.customer_email))) throw new FaststarError(400, "customer_email must be an email address.");
    let buyerCountry: string | null = null;
    if (body.buyer_country !== undefined) {
      if (typeof body.buyer_country !== "string" || !/^[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?$/.test(body.buyer_country)) {
        throw new FaststarError(400, 'buyer_country must be an ISO 3166-1 alpha-2 code, optionally with a region ("DE", "US-CA").');
      }
      buyerCountry = body.buyer_country.toUpperCase();
    }
    if (body.client_reference_id !== undefined && (typeof body.client_reference_id !== "string" || body.client_reference_id.length > 200)) {
      throw new FaststarError(400, "client_reference_id must be a string of at most 200 characters.");
    }
    const rawItems = body.line_items;
    let lines: SessionLine[] = [];
    if (mode === "setup") {
      if (rawItems !== undefined && !(Array.isArray(rawItems) && rawItems.length === 0)) throw new FaststarError(400, "A setup session takes no line_items.");
    } else {
      if (!Array.isArray(rawItems) || rawItems.length === 0) throw new FaststarError(400, "line_items is required: at least one item.");
      if (rawItems.length > 100) throw new FaststarError(400, "line_items may hold at most 100 items.");
      const direct = DIRECT_KEY.test(apiKey);
      lines = rawItems.map((item, i) => this.resolveLine(item, i, mode, direct));
      const currencies = new Set(lines.map((l) => l.currency));
      if (currencies.size > 1) throw new FaststarError(400, `All line items must share one currency (got ${[...currencies].join(", ")}).`);
      if (mode === "subscription") {
        const intervals = new Set(lines.map((l) => `${l.recurring!.interval}/${l.recurring!.interval_count}`));
        if (intervals.size > 1) throw new FaststarError(400, "All recurring prices of a subscription must share one billing interval.");
      }
    }
    const now = this.now();
    const trialDays = mode === "subscription" ? Math.max(0, ...lines.map((l) => l.recurring?.trial_period_days ?? 0)) || null : null;
    // Amounts are what is due today: nothing for recurring items during a trial (unconfirmed).
    const subtotal = mode === "setup" ? 0 : lines.reduce((sum, l) => sum + (trialDays && l.recurring ? 0 : l.amount_subtotal), 0);
    const tax = mode === "setup" ? taxFor(null, 0) : taxFor(buyerCountry, subtotal);
    const s: Session = {
      id: newId("cs", 24),
      status: "open",
      payment_status: "unpaid",
      mode,
      presentation,
      amount_subtotal: subtotal,
      amount_tax: tax.amount_tax,
      amount_total: tax.amount_total,
      currency: lines[0]?.currency ?? null,
      tax,
      session_token: randomId(32),
      expires_at: now + SESSION_TTL_SECONDS,
      created_at: now,
      completed_at: null,
      client_reference_id: (body.client_reference_id as string | undefined) ?? null,
      customer_email: (body.customer_email as string | undefined) ?? null,
      buyer_country: buyerCountry,
      success_url: body.success_url as string,
      cancel_url: body.cancel_url as string,
      line_items: lines,
      payment_id: null,
      subscription_id: null,
      trialDays,
      apiKey,
    };
    this.sessions.set(s.id, s);
    this.ctx.log(`[faststar] session ${s.id} created (${mode}, ${s.amount_total} ${s.currency ?? ""})`);
    return this.sessionData(s);
  }

  private payUrl(s: Session): string {
    return `${this.ctx.origin()}/pay/faststar/${s.id}?token=${s.session_token}`;
  }

  private publicSession(s: Session): Dict {
    return {
      id: s.id,
      status: s.status,
      payment_status: s.payment_status,
      mode: s.mode,
      presentation: s.presentation,
      amount_subtotal: s.amount_subtotal,
      amount_tax: s.amount_tax,
      amount_total: s.amount_total,
      currency: s.currency,
      tax_behavior: s.tax.behavior,
      session_token: s.session_token,
      expires_at: iso(s.expires_at),
      created_at: iso(s.created_at),
      completed_at: iso(s.completed_at),
      client_reference_id: s.client_reference_id,
      customer_email: s.customer_email,
      buyer_country: s.buyer_country,
      success_url: s.success_url,
      cancel_url: s.cancel_url,
      line_items: s.line_items.map((l) => ({
        price_id: l.price_id,
        product_id: l.product_id,
        description: l.description,
        quantity: l.quantity,
        unit_amount: l.unit_amount,
        amount_subtotal: l.amount_subtotal,
        currency: l.currency,
      })),
      payment_id: s.payment_id,
      subscription_id: s.subscription_id,
      livemode: false,
    };
  }

  /** `data` of create and retrieve: { session, url, session_token } (the docs' create shape). */
  private sessionData(s: Session): Dict {
    return { session: this.publicSession(s), url: s.status === "open" ? this.payUrl(s) : null, session_token: s.session_token };
  }

  // ── payments, subscriptions ──

  private paymentData(p: Payment): Dict {
    return { ...p };
  }

  /**
   * payment.succeeded exactly as documented (faststarpay.com/docs/webhooks, "Delivery format"):
   * `{ payment_id, amount, currency, status }` and nothing else — none of the merchant's ids.
   * The session (GET /public/checkout/sessions/:id) is where the payment meets its session.
   */
  private paymentSucceededData(p: Payment): Dict {
    return { payment_id: p.payment_id, amount: p.amount, currency: p.currency, status: p.status };
  }

  private subscriptionData(sub: Subscription): Dict {
    return {
      ...sub,
      current_period_start: iso(sub.current_period_start),
      current_period_end: iso(sub.current_period_end),
      trial_end: iso(sub.trial_end),
      canceled_at: iso(sub.canceled_at),
      created_at: iso(sub.created_at),
    };
  }

  private makePayment(fields: Omit<Payment, "payment_id" | "amount_refunded" | "created_at">): Payment {
    const p: Payment = { payment_id: newId("pi", 24), amount_refunded: 0, created_at: iso(this.now())!, ...fields };
    if (p.status === "succeeded") this.payments.set(p.payment_id, p);
    return p;
  }

  private chargedNow(s: Session): number {
    return s.amount_total;
  }

  /** Pays an open session with `card`; returns the redirect URL, or the decline. */
  private pay(s: Session, email: string, card: ParsedCard, paid?: PaidOverride): { outcome: CardOutcome; redirectUrl?: string } {
    const charged = this.chargedNow(s);
    const outcome = cardOutcome(card.number, charged > 0);
    const refs = { checkout_session_id: s.id, client_reference_id: s.client_reference_id, mode: s.mode, customer_email: email };
    if (outcome.kind === "declined") {
      const failed = this.makePayment({
        status: "failed",
        amount: charged,
        amount_subtotal: s.amount_subtotal,
        amount_tax: s.amount_tax,
        currency: s.currency ?? "USD",
        subscription_id: null,
        invoice_id: null,
        card: { brand: card.brand, last4: card.last4 },
        ...refs,
      });
      this.emit("payment.failed", { ...this.paymentData(failed), failure_code: outcome.code, failure_message: outcome.message });
      return { outcome };
    }
    return { outcome, redirectUrl: this.complete(s, email, card, paid) };
  }

  private complete(s: Session, email: string, card: ParsedCard, paid?: PaidOverride): string {
    const now = this.now();
    let sub: Subscription | null = null;
    let invoiceId: string | null = null;
    if (s.mode === "subscription") {
      const first = s.line_items[0];
      const r = first.recurring!;
      const trialEnd = s.trialDays ? now + s.trialDays * DAY : null;
      invoiceId = newId("in", 24);
      sub = {
        subscription_id: newId("sub", 24),
        status: trialEnd ? "trialing" : "active",
        price_id: first.price_id,
        product_id: first.product_id,
        quantity: first.quantity,
        unit_amount: s.line_items.reduce((sum, l) => sum + l.amount_subtotal, 0),
        currency: first.currency,
        interval: r.interval,
        interval_count: r.interval_count,
        current_period_start: now,
        current_period_end: trialEnd ?? addInterval(now, r.interval, r.interval_count),
        trial_end: trialEnd,
        cancel_at_period_end: false,
        canceled_at: null,
        checkout_session_id: s.id,
        client_reference_id: s.client_reference_id,
        customer_email: email,
        created_at: now,
      };
      this.subscriptions.set(sub.subscription_id, sub);
      s.subscription_id = sub.subscription_id;
    }
    // A completion with nothing charged (trial, setup) is reported as payment.succeeded with
    // amount 0 — the one fulfillment signal FastStar documents (unconfirmed for amount 0).
    const payment = this.makePayment({
      status: "succeeded",
      amount: paid?.amount ?? s.amount_total,
      amount_subtotal: s.amount_subtotal,
      amount_tax: s.amount_tax,
      currency: (paid?.currency ?? s.currency ?? "USD").toUpperCase(),
      checkout_session_id: s.id,
      client_reference_id: s.client_reference_id,
      subscription_id: sub?.subscription_id ?? null,
      invoice_id: invoiceId,
      mode: s.mode,
      customer_email: email,
      card: { brand: card.brand, last4: card.last4 },
    });
    s.payment_id = payment.payment_id;
    // The session reports what was charged (a test's other amount included), as its payment does.
    if (paid) {
      s.amount_total = payment.amount;
      s.currency = payment.currency;
    }
    s.status = "complete";
    s.payment_status = s.amount_total > 0 ? "paid" : "no_payment_required";
    s.completed_at = now;
    if (!s.customer_email) s.customer_email = email;
    this.emit("payment.succeeded", this.paymentSucceededData(payment));
    if (sub) {
      this.emit("subscription.created", this.subscriptionData(sub));
      this.emit("invoice.paid", this.invoiceData(invoiceId!, sub, payment.amount, "subscription_create", payment));
    }
    this.ctx.log(`[faststar] ${s.id} completed (${s.mode}, ${s.amount_total} ${s.currency ?? ""})`);
    return this.redirectTarget(s);
  }

  private redirectTarget(s: Session): string {
    if (!APPEND_TO_SUCCESS_URL) return s.success_url;
    const url = new URL(s.success_url);
    url.searchParams.set("checkout_session_id", s.id);
    return url.toString();
  }

  /**
   * invoice.* data (unconfirmed beyond the event names): the invoice, its subscription, and —
   * once paid — its payment's id (the id that payment's refunds and disputes carry).
   */
  private invoiceData(invoiceId: string, sub: Subscription, amount: number, reason: "subscription_create" | "subscription_cycle", payment?: Payment): Dict {
    return {
      invoice_id: invoiceId,
      subscription_id: sub.subscription_id,
      ...(payment ? { payment_id: payment.payment_id } : {}),
      status: "paid",
      amount,
      amount_due: amount,
      amount_paid: payment ? payment.amount : 0,
      currency: payment?.currency ?? sub.currency,
      period_start: iso(sub.current_period_start),
      period_end: iso(sub.current_period_end),
      billing_reason: reason,
    };
  }

  private expire(s: Session): void {
    s.status = "expired";
    this.ctx.log(`[faststar] ${s.id} expired`);
  }

  /** Starts the next period: a paid renewal (invoice.paid + payment.succeeded) or a failed one (past_due). */
  private renew(sub: Subscription, fail = false): void {
    const start = sub.current_period_end;
    sub.current_period_start = start;
    sub.current_period_end = addInterval(start, sub.interval, sub.interval_count);
    sub.trial_end = sub.trial_end !== null && sub.trial_end > this.now() ? this.now() : sub.trial_end;
    const invoiceId = newId("in", 24);
    const refs = { checkout_session_id: null, client_reference_id: null, mode: null, customer_email: sub.customer_email, card: null };
    if (fail) {
      sub.status = "past_due";
      const failed = this.makePayment({ status: "failed", amount: sub.unit_amount, amount_subtotal: sub.unit_amount, amount_tax: 0, currency: sub.currency, subscription_id: sub.subscription_id, invoice_id: invoiceId, ...refs });
      this.emit("subscription.updated", this.subscriptionData(sub));
      this.emit("invoice.payment_failed", { ...this.invoiceData(invoiceId, sub, sub.unit_amount, "subscription_cycle"), status: "open", amount_paid: 0 });
      this.emit("payment.failed", { ...this.paymentData(failed), failure_code: "card_declined", failure_message: "Your card was declined." });
      return;
    }
    sub.status = "active";
    const paid = this.makePayment({ status: "succeeded", amount: sub.unit_amount, amount_subtotal: sub.unit_amount, amount_tax: 0, currency: sub.currency, subscription_id: sub.subscription_id, invoice_id: invoiceId, ...refs });
    this.emit("subscription.updated", this.subscriptionData(sub));
    this.emit("invoice.paid", this.invoiceData(invoiceId, sub, sub.unit_amount, "subscription_cycle", paid));
    this.emit("payment.succeeded", this.paymentSucceededData(paid));
  }

  private cancelSubscription(sub: Subscription, at: number): void {
    sub.status = "canceled";
    sub.canceled_at = sub.canceled_at ?? at;
    this.emit("subscription.canceled", this.subscriptionData(sub));
  }

  tick(): void {
    const now = this.now();
    for (const s of this.sessions.values()) if (s.status === "open" && s.expires_at <= now) this.expire(s);
    for (const sub of this.subscriptions.values()) {
      // An unpaid subscription is no longer billed: FastStar stopped retrying.
      for (let guard = 0; guard < 500 && sub.status !== "canceled" && sub.status !== "unpaid" && sub.current_period_end <= now; guard++) {
        if (sub.cancel_at_period_end) {
          this.cancelSubscription(sub, sub.current_period_end);
          break;
        }
        this.renew(sub);
      }
    }
  }

  /** dispute.* data (unconfirmed: the docs give no payload): Stripe's status words, won / lost once closed. */
  private disputeData(d: DisputeRecord, p: Payment): Dict {
    return {
      dispute_id: d.dispute_id,
      payment_id: p.payment_id,
      amount: p.amount,
      currency: p.currency,
      status: d.status,
      reason: d.reason,
      checkout_session_id: p.checkout_session_id,
      client_reference_id: p.client_reference_id,
      subscription_id: p.subscription_id,
      invoice_id: p.invoice_id,
    };
  }

  private refund(p: Payment, amount: number): void {
    p.amount_refunded += amount;
    p.status = p.amount_refunded >= p.amount ? "refunded" : "partially_refunded";
    // Unconfirmed payload: this refund (its own id and amount) and the payment's references.
    this.emit("refund.succeeded", {
      refund_id: newId("re", 24),
      payment_id: p.payment_id,
      amount,
      currency: p.currency,
      status: "succeeded",
      checkout_session_id: p.checkout_session_id,
      client_reference_id: p.client_reference_id,
      subscription_id: p.subscription_id,
      invoice_id: p.invoice_id,
    });
    this.emit("payment.refunded", { ...this.paymentData(p), refunded: p.status === "refunded" });
  }

  // ── hosted cashier page ──

  private async handlePage(r: ProviderRequest): Promise<boolean> {
    const m = match("/pay/faststar/:id", r.path);
    if (!m) return false;
    const s = this.sessions.get(m.id);
    if (s && r.url.searchParams.get("token") !== s.session_token) {
      sendHtml(r.res, 403, messagePage(LABEL, "This checkout link is not valid", ["The link is missing its session token or the token does not match. Open the checkout again from the merchant's site."]));
      return true;
    }
    if (r.method === "GET" || r.method === "HEAD") {
      if (!this.pageForClosed(r, s, m.id) && s) sendHtml(r.res, 200, this.renderPay(s, {}));
    } else if (r.method === "POST") {
      await this.pageSubmit(r, s, m.id);
    } else {
      r.res.writeHead(405, { Allow: "GET, POST" });
      r.res.end();
    }
    return true;
  }

  private frame(s: Session, extra: Partial<FrameConfig> = {}): FrameConfig {
    return { provider: "faststar", sessionId: s.id, ...extra };
  }

  private pageForClosed(r: ProviderRequest, s: Session | undefined, id: string): boolean {
    if (!s) {
      sendHtml(
        r.res,
        404,
        messagePage(LABEL, "Checkout session not found", [
          `There is no checkout session “${id}”.`,
          "The sandbox keeps its state in memory, so sessions from an earlier run are gone. Start a new checkout from the merchant's site.",
        ]),
      );
      return true;
    }
    if (s.status === "expired" || s.status === "canceled") {
      sendHtml(
        r.res,
        410,
        messagePage(
          LABEL,
          s.status === "expired" ? "This checkout session has expired" : "This checkout session was canceled",
          ["No payment was taken. Go back to the merchant's site to start a new checkout."],
          { href: s.cancel_url, text: "Back to the merchant", cancel: true },
          this.frame(s),
        ),
      );
      return true;
    }
    if (s.status === "complete") {
      sendHtml(
        r.res,
        200,
        messagePage(
          LABEL,
          "This checkout session is already complete",
          [s.mode === "setup" ? "Your card was saved. There is nothing more to do here." : "The payment went through. There is nothing more to do here."],
          { href: this.redirectTarget(s), text: "Return to the merchant" },
          this.frame(s),
        ),
      );
      return true;
    }
    return false;
  }

  private async pageSubmit(r: ProviderRequest, s: Session | undefined, id: string): Promise<void> {
    if (this.pageForClosed(r, s, id) || !s) return;
    const form = flatForm(await r.body());
    const embedded = form.embedded === "1";
    const email = (s.customer_email ?? form.email ?? "").trim();
    const values = { email, name: form.name ?? "", card_number: form.card_number ?? "", card_expiry: form.card_expiry ?? "", card_cvc: form.card_cvc ?? "" };
    const errors: PayView["errors"] = {};
    if (!email) errors.email = "Your email is incomplete.";
    else if (!isEmail(email)) errors.email = "Your email address is invalid.";
    const parsed = parseCard({ number: values.card_number, expiry: values.card_expiry, cvc: values.card_cvc }, this.ctx.clock.now());
    Object.assign(errors, parsed.errors);
    if (Object.keys(errors).length > 0 || !parsed.card) {
      sendHtml(r.res, 400, this.renderPay(s, { errors, values, alert: "Please check the highlighted fields." }));
      return;
    }
    const result = this.pay(s, email, parsed.card);
    if (result.outcome.kind === "declined") {
      sendHtml(r.res, 402, this.renderPay(s, { alert: result.outcome.message, values }));
      return;
    }
    if (!embedded) {
      redirect(r.res, result.redirectUrl!, 303);
      return;
    }
    sendHtml(
      r.res,
      200,
      messagePage(
        LABEL,
        s.mode === "setup" ? "Card saved" : "Payment complete",
        ["Thank you — returning you to the merchant…"],
        { href: result.redirectUrl!, text: "Continue" },
        this.frame(s, { completed: { redirectUrl: result.redirectUrl! } }),
      ),
    );
  }

  private renderPay(s: Session, view: PayView): string {
    const cur = s.currency ?? "USD";
    const fmt = (n: number) => money(n, cur);
    const errors = view.errors ?? {};
    const values = view.values ?? {};
    const trial = s.trialDays;
    const recurring = s.line_items.filter((l) => l.recurring);
    const recurringTotal = recurring.reduce((sum, l) => sum + l.amount_subtotal, 0);
    const r0 = recurring[0]?.recurring ?? null;
    const per = r0 ? (r0.interval_count === 1 ? `per ${r0.interval}` : `every ${r0.interval_count} ${r0.interval}s`) : "";
    const rows = s.line_items
      .map((l) => {
        const detail = [`Qty ${l.quantity}`, `${fmt(l.unit_amount)} each`];
        if (l.recurring) detail.push(`billed ${per}`);
        return `<tr><th scope="row">${esc(l.description)}<div class="muted">${esc(detail.join(" · "))}</div></th><td class="num">${esc(fmt(l.amount_subtotal))}</td></tr>`;
      })
      .join("");
    // Inclusive VAT is part of the subtotal (shown, not added); exclusive sales tax is added to it.
    const taxRow = `<tr><th scope="row">${esc(s.tax.label)}</th><td class="num" id="amount-tax">${esc(fmt(s.amount_tax))}</td></tr>`;
    const table =
      s.mode === "setup"
        ? ""
        : `<table><caption>Order summary</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead><tbody>${rows}</tbody><tfoot>
<tr><th scope="row">Subtotal</th><td class="num" id="amount-subtotal">${esc(fmt(s.amount_subtotal))}</td></tr>
${taxRow}
<tr class="total"><th scope="row">Total due today</th><td class="num" id="amount-due">${esc(fmt(s.amount_total))}</td></tr>
</tfoot></table>`;
    const trialText = trial && r0 ? `<p><strong>${trial} days free</strong>, then ${esc(fmt(recurringTotal))} ${esc(per)}.</p>` : "";
    const subText = !trial && r0 ? `<p class="muted">Then ${esc(fmt(recurringTotal))} ${esc(per)} until you cancel.</p>` : "";
    const heading = s.mode === "setup" ? "Save your card" : s.mode === "subscription" ? (trial ? "Start your trial" : "Subscribe") : "Checkout";
    const cta = s.mode === "setup" ? "Save card" : s.mode === "subscription" ? (trial ? "Start trial" : "Subscribe") : s.amount_total > 0 ? `Pay ${fmt(s.amount_total)}` : "Complete order";
    const back = `<a class="back" href="${esc(s.cancel_url)}" data-sandbox-cancel><span aria-hidden="true">← </span>Back</a>`;
    const locked = s.customer_email;
    const field = (name: "email" | "card_number" | "card_expiry" | "card_cvc" | "name", label: string, attrs: string, errKey?: "email" | "number" | "expiry" | "cvc") => {
      const err = errKey ? errors[errKey] : undefined;
      const value = name === "email" && locked ? locked : (values[name] ?? "");
      return `<label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${name}-error"` : ""}>${err ? `<p class="field-error" id="${name}-error">${esc(err)}</p>` : ""}`;
    };
    const action = `/pay/faststar/${encodeURIComponent(s.id)}?token=${encodeURIComponent(s.session_token)}`;
    const body = `<div class="grid">
<section class="card" aria-labelledby="summary-heading">
${back}
<h1 id="summary-heading">${esc(heading)}</h1>
${s.mode === "setup" ? `<p>The merchant will save your card to charge it later. Nothing is charged now.</p>` : ""}
${trialText}${subText}
${table}
${s.buyer_country ? `<p class="muted">Tax calculated for ${esc(s.buyer_country)}.</p>` : ""}
</section>
<section class="card" aria-labelledby="pay-heading">
<h2 id="pay-heading">${s.mode === "setup" ? "Card details" : "Payment details"}</h2>
${view.alert ? `<div class="alert" role="alert" id="form-error">${esc(view.alert)}</div>` : ""}
<form method="post" action="${esc(action)}" novalidate>
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
<li><code>4000 0000 0000 0002</code> — declined</li>
<li><code>4000 0000 0000 9995</code> — insufficient funds</li>
</ul><p>Use any future expiry date and any 3-digit CVC.</p></details>
</section>
</div>`;
    return page({ label: LABEL, title: heading, body, frame: this.frame(s, { ready: true }) });
  }

  // ── control API (/_sandbox/faststar/…) ──

  async control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined> {
    const [a, b, c] = rest;
    if (method === "GET" && a === "sessions" && !b) {
      return { body: { sessions: [...this.sessions.values()].map((s) => this.publicSession(s)) } };
    }
    if (a === "sessions" && b) {
      const s = this.sessions.get(b);
      if (!s) return { status: 404, body: { error: `no session ${b}` } };
      if (method === "GET" && !c) return { body: { session: this.publicSession(s), url: this.payUrl(s) } };
      if (method === "POST" && (c === "expire" || c === "cancel")) {
        if (s.status !== "open") return { status: 409, body: { error: `session is ${s.status}`, session: this.publicSession(s) } };
        if (c === "expire") this.expire(s);
        else {
          // unconfirmed: a canceled session reports status "canceled" and sends payment.canceled.
          s.status = "canceled";
          this.emit("payment.canceled", { payment_id: null, status: "canceled", amount: s.amount_total, currency: s.currency, checkout_session_id: s.id, client_reference_id: s.client_reference_id, mode: s.mode });
        }
        return { body: { session: this.publicSession(s) } };
      }
      if (method === "POST" && c === "complete") return this.controlComplete(s, body);
    }
    if (a === "subscriptions" && b) {
      const sub = this.subscriptions.get(b);
      if (!sub) return { status: 404, body: { error: `no subscription ${b}` } };
      if (method === "GET" && !c) return { body: { subscription: this.subscriptionData(sub) } };
      if (method === "POST" && c === "advance") return this.controlAdvance(sub, body);
    }
    if (a === "payments" && b) {
      const p = this.payments.get(b);
      if (!p) return { status: 404, body: { error: `no payment ${b}` } };
      if (method === "GET" && !c) return { body: { payment: this.paymentData(p) } };
      if (method === "POST" && c === "refund") {
        const amount = body.amount === undefined ? p.amount - p.amount_refunded : Number(body.amount);
        if (!Number.isSafeInteger(amount) || amount < 1 || amount > p.amount - p.amount_refunded) {
          return { status: 400, body: { error: `amount must be 1…${p.amount - p.amount_refunded}` } };
        }
        this.refund(p, amount);
        return { body: { payment: this.paymentData(p) } };
      }
      if (method === "POST" && c === "dispute") {
        // outcome "open" (default) opens one; "won" / "lost" closes the payment's open dispute.
        const outcome = body.outcome ?? "open";
        if (outcome !== "open" && outcome !== "won" && outcome !== "lost") return { status: 400, body: { error: 'outcome must be "open", "won" or "lost"' } };
        const open = [...this.disputes.values()].find((d) => d.payment_id === p.payment_id && d.status === "needs_response");
        if (outcome === "open") {
          if (open) return { status: 409, body: { error: `payment ${p.payment_id} already has an open dispute ${open.dispute_id}` } };
          const dispute: DisputeRecord = { dispute_id: newId("dp", 24), payment_id: p.payment_id, status: "needs_response", reason: typeof body.reason === "string" ? body.reason : "fraudulent" };
          this.disputes.set(dispute.dispute_id, dispute);
          this.emit("dispute.created", this.disputeData(dispute, p));
          return { body: { payment: this.paymentData(p), dispute: this.disputeData(dispute, p) } };
        }
        if (!open) return { status: 409, body: { error: `payment ${p.payment_id} has no open dispute` } };
        open.status = outcome;
        this.emit("dispute.closed", this.disputeData(open, p));
        return { body: { payment: this.paymentData(p), dispute: this.disputeData(open, p) } };
      }
    }
    if (method === "GET" && a === "events" && !b) return { body: { events: structuredClone(this.events) } };
    return undefined;
  }

  private controlComplete(s: Session, body: Dict): ControlResult {
    if (s.status !== "open") return { status: 409, body: { error: `session is ${s.status}`, session: this.publicSession(s) } };
    const number = normalizeNumber(typeof body.card === "string" ? body.card : "4242424242424242");
    const year = new Date(this.ctx.clock.now()).getUTCFullYear() + 3;
    const email = s.customer_email ?? (typeof body.email === "string" ? body.email : "sandbox@example.com");
    const card: ParsedCard = { number, last4: number.slice(-4), brand: brandOf(number), expMonth: 12, expYear: year };
    let paid: PaidOverride | undefined;
    if (body.amount !== undefined || body.currency !== undefined) {
      const amount = Number(body.amount);
      if (!Number.isSafeInteger(amount) || amount < 0) return { status: 400, body: { error: "amount must be a non-negative integer (minor units)" } };
      if (body.currency !== undefined && (typeof body.currency !== "string" || !/^[A-Za-z]{3}$/.test(body.currency))) return { status: 400, body: { error: "currency must be an ISO 4217 code" } };
      paid = { amount, ...(typeof body.currency === "string" ? { currency: body.currency } : {}) };
    }
    const result = this.pay(s, email, card, paid);
    if (result.outcome.kind === "declined") {
      return { status: 402, body: { outcome: "declined", error: { code: result.outcome.code, message: result.outcome.message }, session: this.publicSession(s) } };
    }
    return { body: { outcome: "succeeded", redirectUrl: result.redirectUrl, session: this.publicSession(s) } };
  }

  private controlAdvance(sub: Subscription, body: Dict): ControlResult {
    if (sub.status === "canceled") return { status: 409, body: { error: "subscription is canceled", subscription: this.subscriptionData(sub) } };
    switch (body.action) {
      case "renew":
        this.renew(sub);
        break;
      case "payment_failed":
        this.renew(sub, true);
        break;
      case "end_trial":
        if (sub.status !== "trialing") return { status: 409, body: { error: "subscription is not trialing" } };
        sub.current_period_end = this.now();
        this.renew(sub);
        break;
      case "unpaid":
        // Renewal retries are over (unconfirmed word: FastStar documents no status list; Stripe's `unpaid`).
        sub.status = "unpaid";
        this.emit("subscription.updated", this.subscriptionData(sub));
        break;
      case "cancel_at_period_end":
        sub.cancel_at_period_end = true;
        this.emit("subscription.updated", this.subscriptionData(sub));
        break;
      case "cancel":
        this.cancelSubscription(sub, this.now());
        break;
      default:
        return { status: 400, body: { error: 'action must be "renew", "payment_failed", "unpaid", "end_trial", "cancel_at_period_end" or "cancel"' } };
    }
    return { body: { subscription: this.subscriptionData(sub) } };
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

const faststar: ProviderModule = {
  name: "faststar",
  label: LABEL,
  portOffset: 4,
  webhook: {
    urlEnv: "SANDBOX_FASTSTAR_WEBHOOK_URL",
    defaultUrl: "http://127.0.0.1:3000/api/webhooks/faststar",
    secretEnv: "FASTSTAR_WEBHOOK_SECRET",
    defaultSecret: "faststar_whsec_sandbox_secret",
    // X-Webhook-Timestamp is the event's creation time (docs); `t` is the signing time, fresh on every attempt.
    sign: ({ body, eventId, timestamp, secret }) => {
      let created = timestamp;
      try {
        const parsed = JSON.parse(body) as { created?: unknown };
        if (typeof parsed.created === "number") created = parsed.created;
      } catch {
        // keep the signing time
      }
      return {
        "X-Webhook-Signature": faststarSignatureHeader(body, secret, timestamp),
        "X-Webhook-ID": eventId,
        "X-Webhook-Timestamp": String(created),
        "User-Agent": "FastStar-Webhooks/1.0 (sandbox)",
      };
    },
  },
  apiKeyEnv: "SANDBOX_FASTSTAR_API_KEY",
  api: {
    isApiPath,
    errorBody: (_status, message) => envelope(false, message, null),
  },
  create: (ctx) => new FaststarSandbox(ctx),
};

export default faststar;
