/**
 * Dodo Payments, as dodopayments@2.52.0 and our adapter see it: checkout sessions
 * (`POST /checkouts`, `GET /checkouts/{id}`, no /v1), payments, subscriptions, refunds,
 * products, customers and disputes, with Bearer auth, JSON bodies, `{code, message}` errors,
 * Standard Webhooks signatures and the `{business_id, type, timestamp, data}` envelope; plus
 * a hosted checkout page at `/pay/dodo/<session id>` with the same fields and test cards as
 * the Stripe sandbox page.
 *
 * Contracts: docs/providers.md § Dodo Payments. Where Dodo's exact wording or behaviour was
 * not confirmed, the code says "unconfirmed" next to the choice; the unconfirmed error codes
 * sit together in ERR, the redirect parameters in `returnUrl()`.
 */
import { createHmac } from "node:crypto";
import { sandboxCatalog, type SandboxProduct } from "../catalog";
import { brandOf, isEmail, normalizeNumber, parseCard, type ParsedCard } from "../core/cards";
import { parseForm } from "../core/form";
import { esc, messagePage, money, page, type FrameConfig } from "../core/html";
import { match, redirect, sendHtml, sendJson } from "../core/http";
import { randomId } from "../core/ids";
import { ParamError, S, coerceObject, type Schema } from "../core/params";
import type { ControlResult, ProviderContext, ProviderInstance, ProviderModule, ProviderRequest } from "../core/types";

const LABEL = "Dodo Payments — sandbox";
const BUSINESS_ID = "bus_sandboxDodoBusiness01";
const BRAND_ID = "bus_sandboxDodoBusiness01";
const DAY_MS = 86_400_000;
/** Sessions live 24 h, or 15 min when created with confirm:true (docs). */
const SESSION_MS = 24 * 60 * 60 * 1000;
const CONFIRMED_SESSION_MS = 15 * 60 * 1000;
export const DEFAULT_WEBHOOK_SECRET = "whsec_ZG9kby1zYW5kYm94LXdlYmhvb2stc2VjcmV0LTAwMDE=";

// ───────────────────────────── types ─────────────────────────────

type Dict = Record<string, unknown>;
type Meta = Record<string, string>;
type Interval = "Day" | "Week" | "Month" | "Year";

interface Address {
  country: string;
  state: string | null;
  city: string | null;
  street: string | null;
  zipcode: string | null;
}

interface Customer {
  customer_id: string;
  business_id: string;
  email: string;
  name: string;
  phone_number: string | null;
  created_at: string;
}

interface CartLine {
  product: SandboxProduct;
  quantity: number;
  amount: number; // price × quantity, minor units
}

interface Discount {
  discount_id: string;
  code: string;
  /** basis points (1000 = 10 %), as Dodo's percentage discounts */
  amount: number;
  type: "percentage";
}

interface Session {
  id: string;
  createdMs: number;
  expiresMs: number;
  status: "open" | "complete" | "expired";
  confirm: boolean;
  cart: CartLine[];
  recurring: boolean;
  trialDays: number;
  customer: { customer_id: string | null; email: string | null; name: string | null; phone_number: string | null };
  billing: Address | null;
  returnUrl: string | null;
  cancelUrl: string | null;
  metadata: Meta;
  discount: Discount | null;
  allowDiscountCode: boolean;
  theme: "light" | "dark" | "system" | null;
  showOrderDetails: boolean;
  forceLanguage: string | null;
  allowedPaymentMethodTypes: string[] | null;
  billingCurrency: string | null;
  showSavedPaymentMethods: boolean;
  alwaysCreateNewCustomer: boolean;
  /** the request as received (validated), for the control API */
  request: Dict;
  paymentId: string | null;
  paymentStatus: string | null;
  subscriptionId: string | null;
}

interface RefundListItem {
  refund_id: string;
  amount: number;
  currency: string;
  status: string;
  is_partial: boolean;
  reason: string | null;
  created_at: string;
}

interface Payment {
  payment_id: string;
  business_id: string;
  brand_id: string;
  status: string;
  total_amount: number;
  tax: number;
  currency: string;
  settlement_amount: number;
  settlement_currency: string;
  settlement_tax: number;
  customer: { customer_id: string; email: string; name: string; phone_number: string | null };
  billing: Address;
  metadata: Meta;
  checkout_session_id: string | null;
  subscription_id: string | null;
  subscription_ids: string[];
  is_multi_subscription: boolean;
  is_update_payment_method: boolean;
  product_cart: { product_id: string; quantity: number }[];
  discount_id: string | null;
  discounts: { discount_id: string; code: string; amount: number; type: string }[] | null;
  payment_method: string | null;
  payment_method_type: string | null;
  payment_method_id: string | null;
  card_last_four: string | null;
  card_network: string | null;
  card_type: string | null;
  card_issuing_country: string | null;
  card_holder_name: string | null;
  error_code: string | null;
  error_message: string | null;
  refunds: RefundListItem[];
  refund_status: "partial" | "full" | null;
  disputes: Dict[];
  digital_products_delivered: boolean;
  payment_provider: "dodo";
  payment_link: string | null;
  invoice_id: string | null;
  invoice_url: string | null;
  retry_attempt: number;
  created_at: string;
  updated_at: string;
}

interface Subscription {
  subscription_id: string;
  brand_id: string;
  status: "pending" | "active" | "on_hold" | "paused" | "cancelled" | "failed" | "expired" | "past_due";
  product_id: string;
  quantity: number;
  currency: string;
  recurring_pre_tax_amount: number;
  tax_inclusive: boolean;
  payment_frequency_count: number;
  payment_frequency_interval: Interval;
  subscription_period_count: number;
  subscription_period_interval: Interval;
  trial_period_days: number;
  created_at: string;
  previous_billing_date: string;
  next_billing_date: string;
  expires_at: string | null;
  cancel_at_next_billing_date: boolean;
  cancelled_at: string | null;
  customer: Payment["customer"];
  billing: Address;
  metadata: Meta;
  discount_id: string | null;
  discount_cycles_remaining: number | null;
  on_demand: boolean;
  has_payment_method: boolean;
  payment_method_id: string | null;
  addons: unknown[];
  meters: unknown[];
  credit_entitlement_cart: unknown[];
  meter_credit_entitlement_cart: unknown[];
}

interface Refund {
  refund_id: string;
  business_id: string;
  brand_id: string;
  payment_id: string;
  amount: number;
  currency: string;
  status: "succeeded" | "failed" | "pending" | "review";
  is_partial: boolean;
  reason: string | null;
  metadata: Meta;
  customer: Payment["customer"];
  created_at: string;
}

interface Dispute {
  dispute_id: string;
  business_id: string;
  brand_id: string;
  payment_id: string;
  amount: string;
  currency: string;
  dispute_status: string;
  dispute_stage: "pre_dispute" | "dispute" | "pre_arbitration";
  customer: Payment["customer"];
  payment_provider: "dodo";
  reason: string | null;
  remarks: string | null;
  created_at: string;
}

interface DodoEvent {
  /** the `webhook-id` header: the same on every retry and duplicate of this message */
  id: string;
  type: string;
  timestamp: string;
  payload: Dict;
}

// ───────────────────────────── errors ─────────────────────────────

/** Dodo's error body is `{code, message}` (docs: api-reference/error-codes). */
class DodoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// Status + code for each refusal. Dodo documents the `{code, message}` shape and a list of
// codes, but not which one each of these checks answers with: the choices are unconfirmed.
const ERR = {
  unauthorized: (message = "Invalid or missing API key.") => new DodoApiError(401, "UNAUTHORIZED", message),
  notFound: (message: string) => new DodoApiError(404, "NOT_FOUND", message),
  invalidBody: (message: string) => new DodoApiError(422, "INVALID_REQUEST_BODY", message),
  invalidRequest: (message: string) => new DodoApiError(400, "INVALID_REQUEST", message),
  mixedCart: () =>
    new DodoApiError(400, "INVALID_PRODUCT_CART", "Cannot mix subscription products and one-time products in the same checkout session."),
  discount: (code: string) => new DodoApiError(400, "INVALID_DISCOUNT_CODE", `Discount code ${code} does not exist or is not active.`),
  conflict: (message: string) => new DodoApiError(409, "CONFLICT", message),
};

const validate = (params: Dict, fields: Record<string, Schema>, required: readonly string[] = []): Dict => {
  try {
    return coerceObject(params, fields, required);
  } catch (err) {
    if (err instanceof ParamError) throw ERR.invalidBody(err.message);
    throw err;
  }
};

// ───────────────────────────── schemas ─────────────────────────────

export const PAYMENT_METHOD_TYPES = [
  "credit", "debit", "upi_collect", "upi_intent", "apple_pay", "google_pay", "amazon_pay", "klarna", "affirm",
  "afterpay_clearpay", "sepa", "ach", "cashapp", "multibanco", "bancontact_card", "eps", "ideal", "przelewy24", "paypal",
] as const;

const FLAGS = [
  "allow_currency_selection", "allow_customer_editing_business_name", "allow_customer_editing_city", "allow_customer_editing_country",
  "allow_customer_editing_email", "allow_customer_editing_name", "allow_customer_editing_state", "allow_customer_editing_street",
  "allow_customer_editing_tax_id", "allow_customer_editing_zipcode", "allow_discount_code", "allow_editing_addons",
  "allow_phone_number_collection", "allow_tax_id", "always_create_new_customer", "redirect_immediately", "require_cardholder_name",
  "require_phone_number", "require_tax_id", "single_page",
] as const;

const addressSchema = S.obj({ country: S.str(), state: S.str(), city: S.str(), street: S.str(), zipcode: S.str() }, ["country"]);

const CREATE: Record<string, Schema> = {
  product_cart: S.arr(S.obj({ product_id: S.str(), quantity: S.int({ min: 1, max: 10_000 }), addons: S.any(), amount: S.int({ min: 0 }), credit_entitlements: S.any() }, ["product_id", "quantity"]), 20),
  customer: S.obj({ customer_id: S.str(), email: S.str(), name: S.str(), phone_number: S.str() }),
  billing_address: addressSchema,
  return_url: S.str({ url: true }),
  cancel_url: S.str({ url: true }),
  metadata: S.meta(),
  discount_code: S.str(),
  discount_codes: S.arr(S.str(), 20),
  allowed_payment_method_types: S.arr(S.str({ enum: PAYMENT_METHOD_TYPES })),
  billing_currency: S.str(),
  show_saved_payment_methods: S.bool(),
  confirm: S.bool(),
  force_3ds: S.bool(),
  minimal_address: S.bool(),
  short_link: S.bool(),
  customization: S.obj({ theme: S.str({ enum: ["dark", "light", "system"] }), show_order_details: S.bool(), show_on_demand_tag: S.bool(), force_language: S.str(), theme_config: S.any() }),
  feature_flags: S.obj(Object.fromEntries(FLAGS.map((flag) => [flag, S.bool()]))),
  subscription_data: S.obj({ trial_period_days: S.int({ min: 0, max: 10_000 }), on_demand: S.any() }),
  custom_fields: S.any(),
  customer_business_name: S.str(),
  tax_id: S.str(),
  product_collection_id: S.str(),
  payment_method_id: S.str(),
  mandate_min_amount_inr_paise: S.int({ min: 0 }),
};

const SUBSCRIPTION_UPDATE: Record<string, Schema> = {
  cancel_at_next_billing_date: S.bool(),
  status: S.str({ enum: ["pending", "active", "on_hold", "paused", "cancelled", "failed", "expired"] }),
  metadata: S.meta(),
  billing: addressSchema,
  cancel_reason: S.str(),
  cancellation_comment: S.str(),
  cancellation_feedback: S.str(),
  disable_on_demand: S.any(),
  next_billing_date: S.str(),
  tax_id: S.str(),
  customer_name: S.str(),
  credit_entitlement_cart: S.any(),
};

const REFUND_CREATE: Record<string, Schema> = {
  payment_id: S.str(),
  items: S.arr(S.obj({ item_id: S.str(), amount: S.int({ min: 1 }), tax_inclusive: S.bool() }, ["item_id"])),
  metadata: S.meta(),
  reason: S.str(),
};

/** Sandbox discount codes (Dodo's own are created in the dashboard or with POST /discounts). */
const DISCOUNTS: Discount[] = [
  { discount_id: "dsc_sandbox10", code: "SANDBOX10", amount: 1000, type: "percentage" },
  { discount_id: "dsc_sandbox50", code: "SANDBOX50", amount: 5000, type: "percentage" },
];

// ───────────────────────────── test cards ─────────────────────────────

interface CardOutcome {
  ok: boolean;
  code?: string;
  message?: string;
}
const OK: CardOutcome = { ok: true };
const decline = (code: string, message: string): CardOutcome => ({ ok: false, code, message });
// Dodo lists 4242 4242 4242 4242 and 5555 5555 5555 4444; the declines mirror the Stripe
// sandbox so one browser journey drives every provider. Error codes: Dodo's transaction
// failure reasons (unconfirmed mapping).
const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": OK,
  "5555555555554444": OK,
  "4000056655665556": OK,
  "5200828282828210": OK,
  "378282246310005": OK,
  "4000000000000002": decline("CARD_DECLINED", "Your card was declined."),
  "4000000000009995": decline("INSUFFICIENT_FUNDS", "Your card has insufficient funds."),
  "4000000000000069": decline("EXPIRED_CARD", "Your card has expired."),
  "4000000000000127": decline("INCORRECT_CVC", "Your card's security code is incorrect."),
  "4000000000000119": decline("PROCESSING_ERROR", "An error occurred while processing your card. Try again in a little bit."),
};

function cardOutcome(number: string, charged: boolean): CardOutcome {
  const known = TEST_CARDS[number];
  if (known) return known.ok || charged || known.code === "CARD_DECLINED" ? known : OK; // nothing charged (trial): only a hard decline fails
  return decline("CARD_DECLINED", "Your card was declined. Your request was in test mode, but used a non test card.");
}

// ───────────────────────────── helpers ─────────────────────────────

function newId(prefix: string, length = 21): string {
  return `${prefix}_${randomId(length)}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function addInterval(ms: number, interval: Interval, count: number): number {
  const d = new Date(ms);
  if (interval === "Day") d.setUTCDate(d.getUTCDate() + count);
  else if (interval === "Week") d.setUTCDate(d.getUTCDate() + 7 * count);
  else if (interval === "Month") d.setUTCMonth(d.getUTCMonth() + count);
  else d.setUTCFullYear(d.getUTCFullYear() + count);
  return d.getTime();
}

function isApiPath(path: string): boolean {
  return /^\/(checkouts|payments|subscriptions|refunds|products|customers|disputes)(\/|$)/.test(path);
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the base64-decoded secret after `whsec_`. */
export function dodoSignature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
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

/**
 * Where the browser goes after a successful payment: `return_url` with Dodo's status
 * parameters appended (unconfirmed: observed `payment_id=pay_…&status=succeeded`, and
 * `subscription_id=sub_…&status=active` for subscriptions). Existing parameters (our
 * checkout_id) are kept.
 */
function returnUrl(session: Session, payment: Payment, subscription: Subscription | null): string | null {
  if (!session.returnUrl) return null;
  const url = new URL(session.returnUrl);
  if (subscription) {
    url.searchParams.set("subscription_id", subscription.subscription_id);
    url.searchParams.set("status", subscription.status);
  } else {
    url.searchParams.set("payment_id", payment.payment_id);
    url.searchParams.set("status", payment.status);
  }
  return url.toString();
}

// ───────────────────────────── the provider ─────────────────────────────

interface PayerInput {
  email: string;
  name: string | null;
  country: string;
  card: ParsedCard;
}

interface PayResult {
  outcome: CardOutcome;
  payment: Payment;
  subscription: Subscription | null;
  redirectUrl: string | null;
}

class DodoSandbox implements ProviderInstance {
  private products = new Map<string, SandboxProduct>();
  private sessions = new Map<string, Session>();
  private payments = new Map<string, Payment>();
  private subscriptions = new Map<string, Subscription>();
  private customers = new Map<string, Customer>();
  private refunds = new Map<string, Refund>();
  private disputes = new Map<string, Dispute>();
  private events: DodoEvent[] = [];

  private readonly routes: Array<[string, string, (params: Record<string, string>, body: Dict) => { status?: number; body: unknown }]> = [
    ["POST", "/checkouts", (_p, body) => this.createSession(body)],
    ["GET", "/checkouts/:id", (p) => ({ body: this.sessionStatus(this.session(p.id)) })],
    ["GET", "/payments/:id", (p) => ({ body: clone(this.payment(p.id)) })],
    ["GET", "/subscriptions/:id", (p) => ({ body: clone(this.subscription(p.id)) })],
    ["PATCH", "/subscriptions/:id", (p, body) => this.updateSubscription(this.subscription(p.id), body)],
    ["POST", "/refunds", (_p, body) => this.createRefund(body)],
    ["GET", "/refunds/:id", (p) => ({ body: clone(this.found(this.refunds.get(p.id), `Refund ${p.id}`)) })],
    ["GET", "/disputes/:id", (p) => ({ body: clone(this.found(this.disputes.get(p.id), `Dispute ${p.id}`)) })],
    ["GET", "/customers/:id", (p) => ({ body: clone(this.found(this.customers.get(p.id), `Customer ${p.id}`)) })],
    ["GET", "/products", () => ({ body: { items: [...this.products.values()].map((product) => this.productJson(product)) } })],
    ["GET", "/products/:id", (p) => ({ body: this.productJson(this.found(this.products.get(p.id), `Product ${p.id}`)) })],
  ];

  constructor(private readonly ctx: ProviderContext) {
    this.loadCatalog();
  }

  private loadCatalog(): void {
    for (const product of sandboxCatalog("dodo")) this.products.set(product.id, product);
  }

  private nowMs(): number {
    return this.ctx.clock.now();
  }

  private iso(ms = this.nowMs()): string {
    return new Date(ms).toISOString();
  }

  // ── plumbing ──

  describe(): Record<string, unknown> {
    return {
      label: LABEL,
      products: this.products.size,
      sessions: this.sessions.size,
      payments: this.payments.size,
      subscriptions: this.subscriptions.size,
      events: this.events.length,
    };
  }

  reset(): void {
    this.products.clear();
    this.loadCatalog();
    this.sessions.clear();
    this.payments.clear();
    this.subscriptions.clear();
    this.customers.clear();
    this.refunds.clear();
    this.disputes.clear();
    this.events = [];
  }

  notFound(r: ProviderRequest): void {
    sendJson(r.res, 404, { code: "NOT_FOUND", message: `No route ${r.method} ${r.path}.` });
  }

  async handle(r: ProviderRequest): Promise<boolean> {
    if (isApiPath(r.path)) {
      await this.handleApi(r);
      return true;
    }
    if (r.path.startsWith("/pay/dodo/")) return this.handlePage(r);
    return false;
  }

  private found<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw ERR.notFound(`${what} not found.`);
    return value;
  }

  private session(id: string): Session {
    return this.found(this.sessions.get(id), `Checkout session ${id}`);
  }

  private payment(id: string): Payment {
    return this.found(this.payments.get(id), `Payment ${id}`);
  }

  private subscription(id: string): Subscription {
    return this.found(this.subscriptions.get(id), `Subscription ${id}`);
  }

  /** Queues one webhook: `{business_id, type, timestamp, data:{payload_type, …}}`, compact JSON. */
  private emit(type: string, payloadType: string, object: object): DodoEvent {
    const timestamp = this.iso();
    const payload = { business_id: BUSINESS_ID, type, timestamp, data: { payload_type: payloadType, ...clone(object) } };
    const event: DodoEvent = { id: newId("msg", 27), type, timestamp, payload };
    this.events.push(event);
    this.ctx.webhooks.enqueue({ id: event.id, type, body: JSON.stringify(payload) });
    return event;
  }

  // ── API entry: auth, JSON, errors ──

  private authenticate(r: ProviderRequest): void {
    const header = r.req.headers.authorization;
    const key = header?.startsWith("Bearer ") ? header.slice(7).trim() : "";
    if (!key) throw ERR.unauthorized("Missing API key: send it as Authorization: Bearer <key>.");
    const ok = this.ctx.apiKey ? key === this.ctx.apiKey : !/\s/.test(key);
    if (!ok) throw ERR.unauthorized();
  }

  private async handleApi(r: ProviderRequest): Promise<void> {
    try {
      this.authenticate(r);
      let found: [(params: Record<string, string>, body: Dict) => { status?: number; body: unknown }, Record<string, string>] | null = null;
      for (const [method, pattern, run] of this.routes) {
        if (method !== r.method) continue;
        const params = match(pattern, r.path);
        if (params) {
          found = [run, params];
          break;
        }
      }
      if (!found) {
        this.notFound(r);
        return;
      }
      let body: Dict = {};
      if (r.method === "POST" || r.method === "PATCH") {
        const text = await r.body();
        try {
          const parsed: unknown = text.trim() ? JSON.parse(text) : {};
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          body = parsed as Dict;
        } catch {
          throw ERR.invalidBody("Json deserialize error: the body must be a JSON object.");
        }
      }
      const result = found[0](found[1], body);
      sendJson(r.res, result.status ?? 200, result.body);
    } catch (err) {
      if (err instanceof DodoApiError) {
        sendJson(r.res, err.status, { code: err.code, message: err.message });
        return;
      }
      throw err;
    }
  }

  // ── checkout sessions ──

  private createSession(raw: Dict): { body: unknown } {
    const params = validate(raw, CREATE, ["product_cart"]);
    const cartIn = params.product_cart as { product_id: string; quantity: number; amount?: number }[];
    if (cartIn.length === 0) {
      if (!params.product_collection_id) throw ERR.invalidRequest("product_cart must not be empty (an empty cart needs product_collection_id).");
      throw ERR.invalidRequest("Product collections are not emulated by the sandbox.");
    }
    const cart: CartLine[] = cartIn.map((line) => {
      const product = this.found(this.products.get(line.product_id), `Product ${line.product_id}`);
      return { product, quantity: line.quantity, amount: product.unitAmount * line.quantity };
    });
    const recurringLines = cart.filter((line) => line.product.billing.type === "recurring");
    if (recurringLines.length > 0 && recurringLines.length < cart.length) throw ERR.mixedCart();
    if (recurringLines.length > 1) throw ERR.invalidRequest("A checkout session can hold only one subscription product.");
    const currencies = new Set(cart.map((line) => line.product.currency));
    if (currencies.size > 1) throw ERR.invalidRequest("All products in the cart must be priced in the same currency.");

    if (params.discount_code && params.discount_codes) throw ERR.invalidRequest("discount_code and discount_codes cannot be used together.");
    const code = (params.discount_code as string | undefined) ?? (params.discount_codes as string[] | undefined)?.[0];
    let discount: Discount | null = null;
    if (code) {
      discount = DISCOUNTS.find((d) => d.code.toLowerCase() === code.toLowerCase()) ?? null;
      if (!discount) throw ERR.discount(code);
    }

    const customerIn = (params.customer as Dict | undefined) ?? {};
    if (customerIn.customer_id && (customerIn.email || customerIn.name)) {
      throw ERR.invalidBody("customer: give either {customer_id} or {email, name, phone_number}, not both.");
    }
    if (customerIn.email && !isEmail(String(customerIn.email))) throw ERR.invalidBody(`customer.email: ${String(customerIn.email)} is not a valid email.`);
    const existing = customerIn.customer_id ? this.found(this.customers.get(String(customerIn.customer_id)), `Customer ${String(customerIn.customer_id)}`) : null;

    const addressIn = params.billing_address as Dict | undefined;
    if (addressIn && !/^[A-Z]{2}$/.test(String(addressIn.country))) throw ERR.invalidBody(`billing_address.country: unknown variant \`${String(addressIn.country)}\`, expected an ISO 3166-1 alpha-2 code.`);
    const billing: Address | null = addressIn
      ? {
          country: String(addressIn.country),
          state: (addressIn.state as string | undefined) ?? null,
          city: (addressIn.city as string | undefined) ?? null,
          street: (addressIn.street as string | undefined) ?? null,
          zipcode: (addressIn.zipcode as string | undefined) ?? null,
        }
      : null;
    if (params.billing_currency !== undefined && !/^[A-Z]{3}$/.test(String(params.billing_currency))) {
      throw ERR.invalidBody(`billing_currency: unknown variant \`${String(params.billing_currency)}\`, expected an ISO 4217 code.`);
    }

    const confirm = params.confirm === true;
    if (params.payment_method_id && !confirm) throw ERR.invalidRequest("payment_method_id is allowed only with confirm: true.");
    if (confirm) {
      const missing: string[] = [];
      if (!existing && !customerIn.email) missing.push("customer");
      if (!billing) missing.push("billing_address");
      else {
        const required = params.minimal_address === true ? (["zipcode"] as const) : (["street", "city", "state", "zipcode"] as const);
        for (const field of required) if (!billing[field]) missing.push(`billing_address.${field}`);
      }
      if (missing.length > 0) throw ERR.invalidRequest(`confirm is true, so these are required: ${missing.join(", ")}.`);
    }

    const flags = (params.feature_flags as Dict | undefined) ?? {};
    const customization = (params.customization as Dict | undefined) ?? {};
    const subscriptionData = (params.subscription_data as Dict | undefined) ?? {};
    const recurringProduct = recurringLines[0]?.product;
    const productTrial = recurringProduct && recurringProduct.billing.type === "recurring" ? (recurringProduct.billing.trialDays ?? 0) : 0;
    const now = this.nowMs();
    const session: Session = {
      id: newId("cks"),
      createdMs: now,
      expiresMs: now + (confirm ? CONFIRMED_SESSION_MS : SESSION_MS),
      status: "open",
      confirm,
      cart,
      recurring: recurringLines.length > 0,
      trialDays: recurringLines.length > 0 ? ((subscriptionData.trial_period_days as number | undefined) ?? productTrial) : 0,
      customer: existing
        ? { customer_id: existing.customer_id, email: existing.email, name: existing.name, phone_number: existing.phone_number }
        : {
            customer_id: null,
            email: (customerIn.email as string | undefined) ?? null,
            name: (customerIn.name as string | undefined) ?? null,
            phone_number: (customerIn.phone_number as string | undefined) ?? null,
          },
      billing,
      returnUrl: (params.return_url as string | undefined) ?? null,
      cancelUrl: (params.cancel_url as string | undefined) ?? null,
      metadata: (params.metadata as Meta | undefined) ?? {},
      discount,
      allowDiscountCode: flags.allow_discount_code !== false, // Dodo's default: true
      theme: (customization.theme as Session["theme"] | undefined) ?? null,
      showOrderDetails: customization.show_order_details !== false,
      forceLanguage: (customization.force_language as string | undefined) ?? null,
      allowedPaymentMethodTypes: (params.allowed_payment_method_types as string[] | undefined) ?? null,
      billingCurrency: (params.billing_currency as string | undefined) ?? null,
      showSavedPaymentMethods: params.show_saved_payment_methods === true,
      alwaysCreateNewCustomer: flags.always_create_new_customer === true,
      request: params,
      paymentId: null,
      paymentStatus: null,
      subscriptionId: null,
    };
    this.sessions.set(session.id, session);
    let paymentId: string | null = null;
    if (confirm) {
      // confirm:true finalises the details and creates the payment at once (awaiting the card).
      const payment = this.newPayment(session, this.customerFor(session, null), "requires_payment_method");
      session.paymentId = payment.payment_id;
      session.paymentStatus = payment.status;
      paymentId = payment.payment_id;
    }
    return {
      body: {
        session_id: session.id,
        checkout_url: `${this.ctx.origin()}/pay/dodo/${session.id}`,
        client_secret: confirm ? `${paymentId}_secret_${randomId(16)}` : null,
        payment_id: paymentId,
        publishable_key: confirm ? "pk_snd_sandbox" : null,
      },
    };
  }

  /** `GET /checkouts/{id}`: the only view Dodo gives of a session. */
  private sessionStatus(session: Session): Dict {
    const payment = session.paymentId ? this.payments.get(session.paymentId) : undefined;
    return {
      id: session.id,
      created_at: this.iso(session.createdMs),
      customer_email: payment?.customer.email ?? session.customer.email,
      customer_name: payment?.customer.name ?? session.customer.name,
      payment_id: session.paymentId,
      payment_status: session.paymentStatus,
    };
  }

  private subtotal(session: Session): number {
    return session.cart.reduce((sum, line) => sum + line.amount, 0);
  }

  private discountAmount(session: Session): number {
    return session.discount ? Math.floor((this.subtotal(session) * session.discount.amount) / 10_000) : 0;
  }

  /** What is charged today: nothing during a free trial. The sandbox charges no tax (unconfirmed: Dodo computes it as merchant of record). */
  private chargedNow(session: Session): number {
    if (session.recurring && session.trialDays > 0) return 0;
    return this.subtotal(session) - this.discountAmount(session);
  }

  private customerFor(session: Session, payer: PayerInput | null): Customer {
    if (session.customer.customer_id) return this.customers.get(session.customer.customer_id)!;
    const email = payer?.email ?? session.customer.email ?? "sandbox@example.com";
    const name = session.customer.name ?? payer?.name ?? email.split("@")[0];
    // By email, unless the session asks for a new customer every time (feature_flags.always_create_new_customer).
    const known = session.alwaysCreateNewCustomer ? undefined : [...this.customers.values()].find((c) => c.email.toLowerCase() === email.toLowerCase());
    if (known) return known;
    const customer: Customer = { customer_id: newId("cus"), business_id: BUSINESS_ID, email, name, phone_number: session.customer.phone_number, created_at: this.iso() };
    this.customers.set(customer.customer_id, customer);
    return customer;
  }

  private newPayment(session: Session | null, customer: Customer, status: string, extra: Partial<Payment> = {}): Payment {
    const currency = (session?.cart[0].product.currency ?? "usd").toUpperCase();
    const total = session ? this.chargedNow(session) : 0;
    const payment: Payment = {
      payment_id: newId("pay"),
      business_id: BUSINESS_ID,
      brand_id: BRAND_ID,
      status,
      total_amount: total,
      tax: 0,
      currency,
      settlement_amount: total,
      settlement_currency: currency,
      settlement_tax: 0,
      customer: { customer_id: customer.customer_id, email: customer.email, name: customer.name, phone_number: customer.phone_number },
      billing: session?.billing ?? { country: "US", state: null, city: null, street: null, zipcode: null },
      metadata: { ...(session?.metadata ?? {}) },
      checkout_session_id: session?.id ?? null,
      subscription_id: null,
      subscription_ids: [],
      is_multi_subscription: false,
      is_update_payment_method: false,
      product_cart: session ? session.cart.map((line) => ({ product_id: line.product.id, quantity: line.quantity })) : [],
      discount_id: session?.discount?.discount_id ?? null,
      discounts: session?.discount ? [{ ...session.discount }] : null,
      payment_method: null,
      payment_method_type: null,
      payment_method_id: null,
      card_last_four: null,
      card_network: null,
      card_type: null,
      card_issuing_country: null,
      card_holder_name: null,
      error_code: null,
      error_message: null,
      refunds: [],
      refund_status: null,
      disputes: [],
      digital_products_delivered: false,
      payment_provider: "dodo",
      payment_link: null,
      invoice_id: null,
      invoice_url: null,
      retry_attempt: 0,
      created_at: this.iso(),
      updated_at: this.iso(),
      ...extra,
    };
    this.payments.set(payment.payment_id, payment);
    return payment;
  }

  private withCard(payment: Payment, payer: PayerInput): void {
    payment.payment_method = "card";
    payment.payment_method_type = "credit";
    payment.payment_method_id = newId("pm");
    payment.card_last_four = payer.card.last4;
    payment.card_network = payer.card.brand.toUpperCase();
    payment.card_type = "CREDIT";
    payment.card_issuing_country = payer.country;
    payment.card_holder_name = payer.name;
    payment.billing = { ...payment.billing, country: payer.country }; // the country the buyer chose on the page
    payment.updated_at = this.iso();
  }

  /** One payment attempt on an open session (hosted page or control API). */
  private pay(session: Session, payer: PayerInput): PayResult {
    const customer = this.customerFor(session, payer);
    const charged = this.chargedNow(session);
    const outcome = cardOutcome(payer.card.number, charged > 0);
    // The payment confirm:true created is used by the first attempt; every other attempt is a new payment.
    const pending = session.paymentId ? this.payments.get(session.paymentId) : undefined;
    const payment = pending && pending.status === "requires_payment_method" ? pending : this.newPayment(session, customer, "processing");
    payment.customer = { customer_id: customer.customer_id, email: customer.email, name: customer.name, phone_number: customer.phone_number };
    payment.billing = session.billing ? { ...session.billing } : { country: payer.country, state: null, city: null, street: null, zipcode: null };
    this.withCard(payment, payer);
    session.paymentId = payment.payment_id;

    if (!outcome.ok) {
      // Unconfirmed: a declined attempt is a failed payment (payment.failed); the page lets the
      // buyer try another card, which makes a new payment on the same session.
      payment.status = "failed";
      payment.error_code = outcome.code ?? "CARD_DECLINED";
      payment.error_message = outcome.message ?? "Your card was declined.";
      session.paymentStatus = "failed";
      this.emit("payment.failed", "Payment", payment);
      return { outcome, payment, subscription: null, redirectUrl: null };
    }

    let subscription: Subscription | null = null;
    if (session.recurring) {
      subscription = this.newSubscription(session, customer, payment);
      payment.subscription_id = subscription.subscription_id;
      payment.subscription_ids = [subscription.subscription_id];
      session.subscriptionId = subscription.subscription_id;
    }
    payment.status = "succeeded";
    payment.total_amount = charged;
    payment.settlement_amount = charged;
    payment.updated_at = this.iso();
    session.paymentStatus = "succeeded";
    session.status = "complete";
    // A new subscription sends both; order between them unconfirmed (our adapter accepts either).
    this.emit("payment.succeeded", "Payment", payment);
    if (subscription) this.emit("subscription.active", "Subscription", subscription);
    return { outcome, payment, subscription, redirectUrl: returnUrl(session, payment, subscription) };
  }

  private newSubscription(session: Session, customer: Customer, payment: Payment): Subscription {
    const line = session.cart[0];
    const billing = line.product.billing;
    const interval: Interval = billing.type === "recurring" && billing.interval === "year" ? "Year" : "Month";
    const now = this.nowMs();
    const next = session.trialDays > 0 ? now + session.trialDays * DAY_MS : addInterval(now, interval, 1);
    const subscription: Subscription = {
      subscription_id: newId("sub"),
      brand_id: BRAND_ID,
      status: "active", // Dodo has no "trialing": a trial is an active subscription whose first billing date is the trial's end
      product_id: line.product.id,
      quantity: line.quantity,
      currency: line.product.currency.toUpperCase(),
      recurring_pre_tax_amount: line.amount - this.discountAmount(session),
      tax_inclusive: false,
      payment_frequency_count: 1,
      payment_frequency_interval: interval,
      subscription_period_count: 10,
      subscription_period_interval: "Year",
      trial_period_days: session.trialDays,
      created_at: this.iso(now),
      previous_billing_date: this.iso(now),
      next_billing_date: this.iso(next),
      expires_at: this.iso(addInterval(now, "Year", 10)),
      cancel_at_next_billing_date: false,
      cancelled_at: null,
      customer: { ...payment.customer },
      billing: { ...payment.billing },
      metadata: { ...session.metadata },
      discount_id: session.discount?.discount_id ?? null,
      discount_cycles_remaining: null,
      on_demand: false,
      has_payment_method: true,
      payment_method_id: payment.payment_method_id,
      addons: [],
      meters: [],
      credit_entitlement_cart: [],
      meter_credit_entitlement_cart: [],
    };
    this.subscriptions.set(subscription.subscription_id, subscription);
    return subscription;
  }

  // ── subscriptions ──

  private updateSubscription(subscription: Subscription, raw: Dict): { body: unknown } {
    const params = validate(raw, SUBSCRIPTION_UPDATE);
    if (subscription.status === "cancelled" || subscription.status === "expired" || subscription.status === "failed") {
      throw ERR.invalidRequest(`Subscription ${subscription.subscription_id} is ${subscription.status}.`);
    }
    if (params.status === "cancelled") {
      this.endSubscription(subscription, "cancelled");
      return { body: clone(subscription) };
    }
    if (params.status !== undefined && params.status !== subscription.status) {
      throw ERR.invalidRequest(`The sandbox changes a subscription's status only to cancelled (got ${String(params.status)}).`);
    }
    if (params.cancel_at_next_billing_date !== undefined) subscription.cancel_at_next_billing_date = params.cancel_at_next_billing_date as boolean;
    if (params.metadata) subscription.metadata = { ...subscription.metadata, ...(params.metadata as Meta) };
    if (params.billing) subscription.billing = { state: null, city: null, street: null, zipcode: null, ...(params.billing as Partial<Address>) } as Address;
    this.emit("subscription.updated", "Subscription", subscription);
    return { body: clone(subscription) };
  }

  private endSubscription(subscription: Subscription, status: "cancelled" | "expired"): void {
    subscription.status = status;
    subscription.cancelled_at = subscription.cancelled_at ?? this.iso();
    this.emit(status === "cancelled" ? "subscription.cancelled" : "subscription.expired", "Subscription", subscription);
  }

  /** The next billing date came (or a test says so): charge, or end a scheduled cancellation. */
  private renew(subscription: Subscription, fail = false): void {
    if (subscription.cancel_at_next_billing_date) {
      this.endSubscription(subscription, "cancelled");
      return;
    }
    const customer = this.customers.get(subscription.customer.customer_id)!;
    const amount = subscription.recurring_pre_tax_amount;
    const payment = this.newPayment(null, customer, fail ? "failed" : "succeeded", {
      total_amount: amount,
      settlement_amount: amount,
      currency: subscription.currency,
      settlement_currency: subscription.currency,
      billing: { ...subscription.billing },
      metadata: { ...subscription.metadata },
      subscription_id: subscription.subscription_id,
      subscription_ids: [subscription.subscription_id],
      product_cart: [{ product_id: subscription.product_id, quantity: subscription.quantity }],
      payment_method: "card",
      payment_method_type: "credit",
      payment_method_id: subscription.payment_method_id,
      ...(fail ? { error_code: "INSUFFICIENT_FUNDS", error_message: "Your card has insufficient funds." } : {}),
    });
    if (fail) {
      subscription.status = "on_hold";
      this.emit("payment.failed", "Payment", payment);
      this.emit("subscription.on_hold", "Subscription", subscription);
      return;
    }
    subscription.previous_billing_date = subscription.next_billing_date;
    subscription.next_billing_date = this.iso(addInterval(Date.parse(subscription.next_billing_date), subscription.payment_frequency_interval, subscription.payment_frequency_count));
    if (subscription.status === "on_hold" || subscription.status === "past_due") subscription.status = "active";
    this.emit("payment.succeeded", "Payment", payment);
    this.emit("subscription.renewed", "Subscription", subscription);
  }

  tick(): void {
    const now = this.nowMs();
    for (const session of this.sessions.values()) {
      if (session.status === "open" && now >= session.expiresMs) session.status = "expired"; // no webhook (unconfirmed)
    }
    for (const subscription of this.subscriptions.values()) {
      for (let guard = 0; guard < 100 && subscription.status === "active" && Date.parse(subscription.next_billing_date) <= now; guard++) {
        this.renew(subscription);
      }
    }
  }

  // ── refunds and disputes ──

  private createRefund(raw: Dict, options: { fail?: boolean } = {}): { body: unknown } {
    const params = validate(raw, REFUND_CREATE, ["payment_id"]);
    const payment = this.payment(params.payment_id as string);
    if (payment.status !== "succeeded") throw ERR.invalidRequest(`Payment ${payment.payment_id} is ${payment.status}; only succeeded payments can be refunded.`);
    const refunded = payment.refunds.filter((r) => r.status === "succeeded").reduce((sum, r) => sum + r.amount, 0);
    const remaining = payment.total_amount - refunded;
    const items = params.items as { item_id: string; amount?: number }[] | undefined;
    const asked = items && items.every((item) => item.amount !== undefined) ? items.reduce((sum, item) => sum + (item.amount ?? 0), 0) : remaining;
    if (remaining <= 0) throw ERR.invalidRequest(`Payment ${payment.payment_id} is already fully refunded.`);
    if (asked > remaining) throw ERR.invalidRequest(`Refund amount ${asked} exceeds the refundable amount ${remaining}.`);
    const refund: Refund = {
      refund_id: newId("ref"),
      business_id: BUSINESS_ID,
      brand_id: BRAND_ID,
      payment_id: payment.payment_id,
      amount: asked,
      currency: payment.currency,
      status: options.fail ? "failed" : "succeeded",
      is_partial: refunded + asked < payment.total_amount,
      reason: (params.reason as string | undefined) ?? null,
      metadata: (params.metadata as Meta | undefined) ?? {},
      customer: { ...payment.customer },
      created_at: this.iso(),
    };
    this.refunds.set(refund.refund_id, refund);
    payment.refunds.push({ refund_id: refund.refund_id, amount: refund.amount, currency: refund.currency, status: refund.status, is_partial: refund.is_partial, reason: refund.reason, created_at: refund.created_at });
    if (!options.fail) payment.refund_status = refund.is_partial ? "partial" : "full";
    payment.updated_at = this.iso();
    this.emit(options.fail ? "refund.failed" : "refund.succeeded", "Refund", refund);
    return { body: clone(refund) };
  }

  private dispute(payment: Payment, status: string): Dispute {
    let dispute = [...this.disputes.values()].find((d) => d.payment_id === payment.payment_id);
    if (!dispute) {
      dispute = {
        dispute_id: newId("dsp"),
        business_id: BUSINESS_ID,
        brand_id: BRAND_ID,
        payment_id: payment.payment_id,
        amount: String(payment.total_amount),
        currency: payment.currency,
        dispute_status: status,
        dispute_stage: "dispute",
        customer: { ...payment.customer },
        payment_provider: "dodo",
        reason: "fraudulent",
        remarks: null,
        created_at: this.iso(),
      };
      this.disputes.set(dispute.dispute_id, dispute);
      payment.disputes.push({ dispute_id: dispute.dispute_id, amount: dispute.amount, currency: dispute.currency, dispute_status: status, dispute_stage: "dispute", payment_id: payment.payment_id, created_at: dispute.created_at, business_id: BUSINESS_ID });
    }
    dispute.dispute_status = status;
    this.emit(`dispute.${status.replace(/^dispute_/, "")}`, "Dispute", dispute);
    return dispute;
  }

  private productJson(product: SandboxProduct): Dict {
    const recurring = product.billing.type === "recurring" ? product.billing : null;
    return {
      product_id: product.id,
      business_id: BUSINESS_ID,
      brand_id: BRAND_ID,
      name: product.name,
      description: product.description,
      is_recurring: recurring !== null,
      tax_category: "saas",
      price: recurring
        ? {
            type: "recurring_price",
            price: product.unitAmount,
            currency: product.currency.toUpperCase(),
            discount: 0,
            purchasing_power_parity: false,
            payment_frequency_count: 1,
            payment_frequency_interval: recurring.interval === "year" ? "Year" : "Month",
            subscription_period_count: 10,
            subscription_period_interval: "Year",
            trial_period_days: recurring.trialDays ?? 0,
            tax_inclusive: false,
          }
        : { type: "one_time_price", price: product.unitAmount, currency: product.currency.toUpperCase(), discount: 0, purchasing_power_parity: false, tax_inclusive: false },
      metadata: product.credits ? { credits: String(product.credits) } : {},
      created_at: "2025-01-01T00:00:00.000Z",
      updated_at: "2025-01-01T00:00:00.000Z",
    };
  }

  // ── hosted checkout page ──

  private async handlePage(r: ProviderRequest): Promise<boolean> {
    const m = match("/pay/dodo/:id", r.path);
    if (!m) return false;
    if (r.method === "GET" || r.method === "HEAD") this.pageShow(r, m.id);
    else if (r.method === "POST") await this.pageSubmit(r, m.id);
    else {
      r.res.writeHead(405, { Allow: "GET, POST" });
      r.res.end();
    }
    return true;
  }

  private frame(session: Session, extra: Partial<FrameConfig> = {}): FrameConfig {
    return { provider: "dodo", sessionId: session.id, ...extra };
  }

  /** Not payable → an explanatory page. Returns true when it answered. */
  private pageForClosed(r: ProviderRequest, session: Session | undefined, id: string): session is undefined {
    if (!session) {
      sendHtml(r.res, 404, messagePage(LABEL, "Checkout session not found", [`There is no checkout session “${id}”.`, "The sandbox keeps its state in memory, so sessions from an earlier run are gone. Start a new checkout from the merchant's site."]));
      return true;
    }
    if (session.status === "expired") {
      sendHtml(
        r.res,
        410,
        messagePage(
          LABEL,
          "This checkout session has expired",
          [`Checkout sessions expire ${session.confirm ? "15 minutes" : "24 hours"} after they are created. No payment was taken.`, "Go back to the merchant's site to start a new checkout."],
          session.cancelUrl ? { href: session.cancelUrl, text: "Back to the merchant", cancel: true } : undefined,
          this.frame(session),
          session.forceLanguage ?? undefined,
        ),
      );
      return true;
    }
    if (session.status === "complete") {
      const payment = session.paymentId ? this.payments.get(session.paymentId) : undefined;
      const subscription = session.subscriptionId ? (this.subscriptions.get(session.subscriptionId) ?? null) : null;
      const target = payment ? returnUrl(session, payment, subscription) : null;
      sendHtml(
        r.res,
        200,
        messagePage(LABEL, "This checkout session is already complete", ["The payment went through. There is nothing more to do here."], target ? { href: target, text: "Return to the merchant" } : undefined, this.frame(session), session.forceLanguage ?? undefined),
      );
      return true;
    }
    return false;
  }

  private pageShow(r: ProviderRequest, id: string): void {
    const session = this.sessions.get(id);
    if (this.pageForClosed(r, session, id) || !session) return;
    sendHtml(r.res, 200, this.renderPay(session, {}));
  }

  private async pageSubmit(r: ProviderRequest, id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (this.pageForClosed(r, session, id) || !session) return;
    const form = flatForm(await r.body());
    const embedded = form.embedded === "1";
    const intent = form.intent ?? "pay";

    if (intent === "apply_discount" || intent === "remove_discount") {
      if (!session.allowDiscountCode) {
        sendHtml(r.res, 400, this.renderPay(session, { alert: "Discount codes are not enabled for this checkout." }));
        return;
      }
      if (intent === "remove_discount") {
        session.discount = null;
        sendHtml(r.res, 200, this.renderPay(session, { notice: "Discount code removed." }));
        return;
      }
      const code = (form.discount_code ?? "").trim();
      const discount = DISCOUNTS.find((d) => d.code.toLowerCase() === code.toLowerCase());
      if (!discount) {
        sendHtml(r.res, 400, this.renderPay(session, { errors: { discount: code ? "This code is invalid." : "Enter a discount code." }, values: { discount_code: code } }));
        return;
      }
      session.discount = discount;
      sendHtml(r.res, 200, this.renderPay(session, { notice: `Discount code ${discount.code} applied.` }));
      return;
    }

    const locked = session.customer.email;
    const email = (locked ?? form.email ?? "").trim();
    const country = (form.country ?? session.billing?.country ?? "US").trim().toUpperCase(); // the field is prefilled
    const values = { email, name: form.name ?? "", country, card_number: form.card_number ?? "", card_expiry: form.card_expiry ?? "", card_cvc: form.card_cvc ?? "" };
    const errors: PayView["errors"] = {};
    if (!email) errors.email = "Your email is incomplete.";
    else if (!isEmail(email)) errors.email = "Your email address is invalid.";
    if (!/^[A-Z]{2}$/.test(country)) errors.country = "Choose your country (two letters, e.g. US).";
    const parsed = parseCard({ number: values.card_number, expiry: values.card_expiry, cvc: values.card_cvc }, this.ctx.clock.now());
    Object.assign(errors, parsed.errors);
    if (Object.keys(errors).length > 0 || !parsed.card) {
      sendHtml(r.res, 400, this.renderPay(session, { errors, values, alert: "Please check the highlighted fields." }));
      return;
    }
    const result = this.pay(session, { email, name: values.name.trim() || null, country, card: parsed.card });
    if (!result.outcome.ok) {
      sendHtml(r.res, 402, this.renderPay(session, { alert: result.outcome.message ?? "Your card was declined.", values }));
      return;
    }
    this.respondCompleted(r, session, result.redirectUrl, embedded);
  }

  /** Top level: 303 to return_url. Inside the overlay iframe: a page that posts "checkout.completed". */
  private respondCompleted(r: ProviderRequest, session: Session, redirectUrl: string | null, embedded: boolean): void {
    if (!redirectUrl) {
      sendHtml(r.res, 200, messagePage(LABEL, "Payment complete", ["Thank you — the payment went through. You can close this page."], undefined, this.frame(session), session.forceLanguage ?? undefined));
      return;
    }
    if (!embedded) {
      redirect(r.res, redirectUrl, 303);
      return;
    }
    sendHtml(r.res, 200, messagePage(LABEL, "Payment complete", ["Thank you — returning you to the merchant…"], { href: redirectUrl, text: "Continue" }, this.frame(session, { completed: { redirectUrl } }), session.forceLanguage ?? undefined));
  }

  private renderPay(session: Session, view: PayView): string {
    const currency = session.cart[0].product.currency;
    const fmt = (n: number) => money(n, currency);
    const errors = view.errors ?? {};
    const values = view.values ?? {};
    const recurring = session.recurring ? session.cart[0] : null;
    const recurringBilling = recurring && recurring.product.billing.type === "recurring" ? recurring.product.billing : null;
    const per = recurringBilling?.interval === "year" ? "per year" : "per month";
    const subtotal = this.subtotal(session);
    const discount = this.discountAmount(session);
    const due = this.chargedNow(session);

    const rows = session.cart
      .map((line) => {
        const detail = [`Qty ${line.quantity}`, `${fmt(line.product.unitAmount)} each`];
        if (line.product.billing.type === "recurring") detail.push(`billed ${per}`);
        return `<tr><th scope="row">${esc(line.product.name)}<div class="muted">${esc(detail.join(" · "))}</div></th><td class="num">${esc(fmt(line.amount))}</td></tr>`;
      })
      .join("");
    const table = `<table><caption>Order summary</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead><tbody>${rows}</tbody><tfoot>
<tr><th scope="row">Subtotal</th><td class="num">${esc(fmt(subtotal))}</td></tr>
${discount > 0 ? `<tr><th scope="row">Discount (${esc(session.discount!.code)})</th><td class="num">−${esc(fmt(discount))}</td></tr>` : ""}
<tr class="total"><th scope="row">Total due today</th><td class="num" id="amount-due">${esc(fmt(due))}</td></tr>
</tfoot></table>`;
    // customization.show_order_details=false: the summary starts collapsed.
    const summary = session.showOrderDetails ? table : `<details><summary>Order details</summary>${table}</details>`;
    const trial = recurring && session.trialDays > 0;
    const trialText = trial ? `<p><strong>${session.trialDays} days free</strong>, then ${esc(fmt(subtotal - discount))} ${per}.</p>` : "";
    const subText = recurring && !trial ? `<p class="muted">Then ${esc(fmt(subtotal - discount))} ${per} until you cancel.</p>` : "";

    let discountForm = "";
    if (session.allowDiscountCode) {
      discountForm = session.discount
        ? `<form method="post" action="/pay/dodo/${esc(session.id)}" class="promo"><input type="hidden" name="intent" value="remove_discount"><p>Code <strong>${esc(session.discount.code)}</strong> applied.</p><button type="submit" class="secondary">Remove code</button></form>`
        : `<form method="post" action="/pay/dodo/${esc(session.id)}" novalidate><input type="hidden" name="intent" value="apply_discount"><div class="promo"><div><label for="discount_code">Discount code</label><input type="text" id="discount_code" name="discount_code" autocomplete="off" value="${esc(values.discount_code ?? "")}"${errors.discount ? ' aria-invalid="true" aria-describedby="discount_code-error"' : ""}></div><button type="submit" class="secondary">Apply</button></div>${errors.discount ? `<p class="field-error" id="discount_code-error">${esc(errors.discount)}</p>` : ""}</form>`;
    }

    const heading = recurring ? (trial ? "Start your trial" : "Subscribe") : "Checkout";
    const back = session.cancelUrl ? `<a class="back" href="${esc(session.cancelUrl)}" data-sandbox-cancel><span aria-hidden="true">← </span>Back</a>` : "";
    const lockedEmail = session.customer.email;
    const field = (name: "email" | "card_number" | "card_expiry" | "card_cvc" | "name" | "country", label: string, attrs: string, errKey?: "email" | "number" | "expiry" | "cvc" | "country") => {
      const err = errKey ? errors[errKey] : undefined;
      const value = name === "email" && lockedEmail ? lockedEmail : name === "country" ? (values.country ?? session.billing?.country ?? "US") : (values[name] ?? "");
      return `<label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${name}-error"` : ""}>${err ? `<p class="field-error" id="${name}-error">${esc(err)}</p>` : ""}`;
    };
    const cta = recurring ? (trial ? "Start trial" : "Subscribe") : due > 0 ? `Pay ${fmt(due)}` : "Complete order";
    const methods = session.allowedPaymentMethodTypes ? `<p class="muted" id="payment-methods">Accepted here: ${esc(session.allowedPaymentMethodTypes.join(", "))}.</p>` : "";
    const dark = session.theme === "dark";

    const body = `${dark ? `<style>.theme-dark .card{background:#1f2330;color:#f4f5f8;border-color:#394055}.theme-dark .muted{color:#c0c5d2}</style>` : ""}<div class="grid theme-${esc(session.theme ?? "default")}" data-theme="${esc(session.theme ?? "default")}">
<section class="card" aria-labelledby="summary-heading">
${back}
<h1 id="summary-heading">${esc(heading)}</h1>
${trialText}${subText}
${summary}
${discountForm}
</section>
<section class="card" aria-labelledby="pay-heading">
<h2 id="pay-heading">Payment details</h2>
${methods}
${view.notice ? `<p class="notice" role="status">${esc(view.notice)}</p>` : ""}
${view.alert ? `<div class="alert" role="alert" id="form-error">${esc(view.alert)}</div>` : ""}
<form method="post" action="/pay/dodo/${esc(session.id)}" novalidate>
<input type="hidden" name="intent" value="pay">
<input type="hidden" name="embedded" value="0">
${field("email", "Email", `type="email" autocomplete="email" required${lockedEmail ? " readonly" : ""}`, "email")}
${field("card_number", "Card number", 'type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required', "number")}
<div class="row"><div>${field("card_expiry", 'Expiration date <span class="sr-only">(MM / YY)</span>', 'type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" required', "expiry")}</div>
<div>${field("card_cvc", 'Security code <span class="sr-only">(CVC)</span>', 'type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required', "cvc")}</div></div>
${field("name", "Name on card", 'type="text" autocomplete="cc-name"')}
${field("country", 'Country <span class="sr-only">(two-letter code)</span>', 'type="text" autocomplete="country" maxlength="2" required', "country")}
<button type="submit" class="primary">${esc(cta)}</button>
</form>
<details><summary>Test cards</summary><ul>
<li><code>4242 4242 4242 4242</code> or <code>5555 5555 5555 4444</code> — succeeds</li>
<li><code>4000 0000 0000 0002</code> — declined</li>
<li><code>4000 0000 0000 9995</code> — insufficient funds</li>
</ul><p>Use any future expiry date and any 3-digit CVC. Discount codes: <code>SANDBOX10</code>, <code>SANDBOX50</code>.</p></details>
</section>
</div>`;
    return page({ label: LABEL, title: heading, lang: session.forceLanguage ?? undefined, body, frame: this.frame(session, { ready: true }) });
  }

  // ── control API (/_sandbox/dodo/…) ──

  async control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined> {
    const [a, b, c] = rest;
    try {
      if (method === "GET" && a === "sessions" && !b) {
        return { body: { sessions: [...this.sessions.values()].map((s) => ({ ...this.sessionStatus(s), status: s.status, expires_at: this.iso(s.expiresMs), metadata: s.metadata, subscription_id: s.subscriptionId })) } };
      }
      if (a === "sessions" && b) {
        const session = this.sessions.get(b);
        if (!session) return { status: 404, body: { error: `no session ${b}` } };
        if (method === "GET" && !c) return { body: this.sessionDetails(session) };
        if (method === "POST" && c === "expire") {
          if (session.status !== "open") return { status: 409, body: { error: `session is ${session.status}` } };
          session.status = "expired";
          return { body: this.sessionDetails(session) };
        }
        if (method === "POST" && c === "complete") return this.controlComplete(session, body);
      }
      if (a === "payments" && b) {
        const payment = this.payments.get(b);
        if (!payment) return { status: 404, body: { error: `no payment ${b}` } };
        if (method === "GET" && !c) return { body: { payment: clone(payment) } };
        if (method === "POST" && c === "refund") {
          const amount = body.amount === undefined ? undefined : Number(body.amount);
          const refund = this.createRefund({ payment_id: payment.payment_id, ...(amount !== undefined ? { items: [{ item_id: payment.product_cart[0]?.product_id ?? "item", amount }] } : {}), reason: "requested_by_customer" }, { fail: body.fail === true });
          return { body: { refund: refund.body } };
        }
        if (method === "POST" && c === "dispute") {
          const status = typeof body.status === "string" ? body.status : "dispute_opened";
          const allowed = ["dispute_opened", "dispute_expired", "dispute_accepted", "dispute_cancelled", "dispute_challenged", "dispute_won", "dispute_lost"];
          if (!allowed.includes(status)) return { status: 400, body: { error: `status must be one of ${allowed.join(", ")}` } };
          return { body: { dispute: clone(this.dispute(payment, status)) } };
        }
      }
      if (a === "subscriptions" && b) {
        const subscription = this.subscriptions.get(b);
        if (!subscription) return { status: 404, body: { error: `no subscription ${b}` } };
        if (method === "GET" && !c) return { body: { subscription: clone(subscription) } };
        if (method === "POST" && c === "advance") return this.controlAdvance(subscription, body);
      }
      if (method === "GET" && a === "events" && !b) return { body: { events: clone(this.events) } };
      if (method === "GET" && a === "products" && !b) return { body: { products: [...this.products.values()].map((p) => this.productJson(p)) } };
      return undefined;
    } catch (err) {
      if (err instanceof DodoApiError) return { status: err.status, body: { error: err.message, code: err.code } };
      throw err;
    }
  }

  private sessionDetails(session: Session): Dict {
    return {
      session: this.sessionStatus(session),
      status: session.status,
      expires_at: this.iso(session.expiresMs),
      request: clone(session.request),
      payment: session.paymentId ? clone(this.payments.get(session.paymentId) ?? null) : null,
      subscription: session.subscriptionId ? clone(this.subscriptions.get(session.subscriptionId) ?? null) : null,
    };
  }

  private controlComplete(session: Session, body: Dict): ControlResult {
    if (session.status !== "open") return { status: 409, body: { error: `session is ${session.status}`, ...this.sessionDetails(session) } };
    const number = normalizeNumber(typeof body.card === "string" ? body.card : "4242424242424242");
    const card: ParsedCard = { number, last4: number.slice(-4), brand: brandOf(number), expMonth: 12, expYear: new Date(this.nowMs()).getUTCFullYear() + 3 };
    const email = session.customer.email ?? (typeof body.email === "string" ? body.email : "sandbox@example.com");
    const country = typeof body.country === "string" ? body.country : (session.billing?.country ?? "US");
    const result = this.pay(session, { email, name: typeof body.name === "string" ? body.name : null, country, card });
    if (!result.outcome.ok) {
      return { status: 402, body: { outcome: "declined", error: { code: result.outcome.code, message: result.outcome.message }, payment: clone(result.payment) } };
    }
    return { body: { outcome: "succeeded", redirectUrl: result.redirectUrl, payment: clone(result.payment), subscription: clone(result.subscription) } };
  }

  private controlAdvance(subscription: Subscription, body: Dict): ControlResult {
    if (subscription.status === "cancelled" || subscription.status === "expired") return { status: 409, body: { error: `subscription is ${subscription.status}` } };
    switch (body.action) {
      case "renew":
        this.renew(subscription);
        break;
      case "payment_failed":
        this.renew(subscription, true);
        break;
      case "cancel":
        this.endSubscription(subscription, "cancelled");
        break;
      case "expire":
        this.endSubscription(subscription, "expired");
        break;
      case "plan_changed":
        this.emit("subscription.plan_changed", "Subscription", subscription);
        break;
      default:
        return { status: 400, body: { error: 'action must be "renew", "payment_failed", "cancel", "expire" or "plan_changed"' } };
    }
    return { body: { subscription: clone(subscription) } };
  }
}

interface PayView {
  alert?: string;
  notice?: string;
  errors?: Partial<Record<"email" | "number" | "expiry" | "cvc" | "country" | "discount", string>>;
  values?: Partial<Record<"email" | "name" | "country" | "card_number" | "card_expiry" | "card_cvc" | "discount_code", string>>;
}

const dodo: ProviderModule = {
  name: "dodo",
  label: LABEL,
  portOffset: 2,
  webhook: {
    urlEnv: "SANDBOX_DODO_WEBHOOK_URL",
    defaultUrl: "http://127.0.0.1:3000/api/webhooks/dodo",
    secretEnv: "DODO_PAYMENTS_WEBHOOK_KEY",
    defaultSecret: DEFAULT_WEBHOOK_SECRET,
    // Standard Webhooks headers; webhook-id = the event id, identical on retries and duplicates.
    sign: ({ body, eventId, timestamp, secret }) => ({
      "webhook-id": eventId,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": dodoSignature(secret, eventId, timestamp, body),
      "User-Agent": "Dodo-Payments-Webhooks/1.0 (sandbox)",
    }),
  },
  apiKeyEnv: "SANDBOX_DODO_API_KEY",
  api: {
    isApiPath,
    errorBody: (status, message) => ({
      code: status >= 500 ? "INTERNAL_SERVER_ERROR" : status === 429 ? "TOO_MANY_REQUESTS" : status === 401 ? "UNAUTHORIZED" : status === 404 ? "NOT_FOUND" : "INVALID_REQUEST",
      message,
    }),
  },
  create: (ctx) => new DodoSandbox(ctx),
};

export default dodo;
