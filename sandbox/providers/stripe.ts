/**
 * Stripe, as stripe-node 23.1.0 (API version 2026-10-28.endive) and our adapter see it:
 * Checkout Sessions (hosted and embedded), products, prices, coupons, promotion codes,
 * customers, subscriptions, payment intents, charges, invoices, refunds and events, with
 * Stripe's auth, form encoding, idempotency, error shapes and webhook signatures.
 *
 * Money on this API version: an invoice's payment is an InvoicePayment (GET /v1/invoice_payments,
 * includable `payments`; no `payment_intent` on the Invoice since 2025-03-31), a charge's
 * `refunds` only when expanded (since 2022-11-15) beside the running `amount_refunded`, one
 * refund.created per refund, disputes with their outcome. Control routes for the money tests:
 * sessions/:id/complete {amount, currency} (a reported amount, adaptive pricing),
 * payment_intents|charges/:id/dispute {outcome}, refunds/:id/fail, subscriptions/:id/advance
 * {action: payment_failed | unpaid}.
 *
 * Contracts: docs/providers.md § Stripe. Where the exact Stripe wording or behaviour was
 * not confirmed, the code says "unconfirmed" next to the choice.
 */
import { createHmac, randomUUID } from "node:crypto";
import type StripeSdk from "stripe";
import { brandOf, isEmail, normalizeNumber, parseCard, type ParsedCard } from "../core/cards";
import { FormParseError, canonical, parseForm, type FormTree } from "../core/form";
import { esc, messagePage, money, page, type FrameConfig } from "../core/html";
import { match, redirect, sendHtml, sendJson } from "../core/http";
import { id as newId, randomId } from "../core/ids";
import { ParamError, S, coerceObject, type Schema } from "../core/params";
import type { ControlResult, ProviderContext, ProviderInstance, ProviderModule, ProviderRequest } from "../core/types";

export const API_VERSION = "2026-10-28.endive";
const LABEL = "Stripe — sandbox";
const DAY = 86_400;

// ───────────────────────────── types ─────────────────────────────

type Dict = Record<string, unknown>;
type Meta = Record<string, string>;
type Interval = "day" | "week" | "month" | "year";

interface SObj {
  id: string;
  object: string;
  [k: string]: unknown;
}
interface Recurring {
  interval: Interval;
  interval_count: number;
  meter: null;
  trial_period_days: number | null;
  usage_type: "licensed";
}
interface Price extends SObj {
  object: "price";
  active: boolean;
  currency: string;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  product: string;
  recurring: Recurring | null;
  type: "one_time" | "recurring";
  lookup_key: string | null;
  metadata: Meta;
  created: number;
}
interface Product extends SObj {
  object: "product";
  name: string;
  active: boolean;
  metadata: Meta;
  default_price: string | null;
  created: number;
}
interface Coupon extends SObj {
  object: "coupon";
  amount_off: number | null;
  percent_off: number | null;
  currency: string | null;
  duration: "once" | "repeating" | "forever";
  duration_in_months: number | null;
  max_redemptions: number | null;
  times_redeemed: number;
  valid: boolean;
  name: string | null;
  created: number;
}
interface PromotionCode extends SObj {
  object: "promotion_code";
  active: boolean;
  code: string;
  max_redemptions: number | null;
  times_redeemed: number;
  expires_at: number | null;
  promotion: { coupon: string; type: "coupon" };
  created: number;
}
interface Customer extends SObj {
  object: "customer";
  email: string | null;
  name: string | null;
  metadata: Meta;
  invoice_prefix: string;
  created: number;
}
interface LineItem extends SObj {
  object: "item";
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: Price;
  quantity: number;
}
interface Session extends SObj {
  object: "checkout.session";
  status: "open" | "complete" | "expired";
  payment_status: "paid" | "unpaid" | "no_payment_required";
  mode: "payment" | "setup" | "subscription";
  amount_subtotal: number | null;
  amount_total: number | null;
  currency: string | null;
  customer: string | null;
  customer_email: string | null;
  customer_details: Dict | null;
  client_reference_id: string | null;
  metadata: Meta;
  success_url: string | null;
  cancel_url: string | null;
  return_url?: string;
  url: string | null;
  ui_mode: "hosted_page" | "embedded_page";
  expires_at: number;
  created: number;
  locale: string | null;
  payment_intent: string | null;
  subscription: string | null;
  invoice: string | null;
  setup_intent: string | null;
  discounts: Array<{ coupon: string | null; promotion_code: string | null }>;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  allow_promotion_codes: boolean | null;
}
interface SubscriptionItem extends SObj {
  object: "subscription_item";
  current_period_start: number;
  current_period_end: number;
  price: Price;
  quantity: number;
}
interface Subscription extends SObj {
  object: "subscription";
  status: "active" | "trialing" | "past_due" | "canceled" | "incomplete" | "unpaid";
  customer: string;
  currency: string;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  ended_at: number | null;
  cancellation_details: { comment: string | null; feedback: string | null; reason: string | null };
  items: { object: "list"; data: SubscriptionItem[]; has_more: false; total_count: number; url: string };
  latest_invoice: string | null;
  metadata: Meta;
  trial_start: number | null;
  trial_end: number | null;
  start_date: number;
  created: number;
  discounts: string[];
}
interface PaymentIntent extends SObj {
  object: "payment_intent";
  amount: number;
  currency: string;
  latest_charge: string | null;
  status: string;
  customer: string | null;
  metadata: Meta;
}
interface Charge extends SObj {
  object: "charge";
  amount: number;
  amount_refunded: number;
  refunded: boolean;
  currency: string;
  payment_intent: string;
  customer: string | null;
  created: number;
}
interface Invoice extends SObj {
  object: "invoice";
  status: "draft" | "open" | "paid" | "uncollectible" | "void";
  total: number;
}
interface StripeEvent extends SObj {
  object: "event";
  type: string;
  created: number;
  data: { object: unknown; previous_attributes?: Dict };
}

interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

interface CardOutcome {
  kind: "succeeded" | "declined" | "requires_action";
  code?: string;
  decline_code?: string;
  message?: string;
}

interface PayerDetails {
  email: string;
  name: string | null;
  card: ParsedCard;
}

interface SessionInternal {
  lineItems: LineItem[];
  trialDays: number | null;
  subscriptionMetadata: Meta;
  subscriptionDescription: string | null;
  paymentIntentMetadata: Meta;
  paymentIntentDescription: string | null;
  setupIntentMetadata: Meta;
  customerCreation: "always" | "if_required" | null;
  coupon: Coupon | null;
  promotionCode: PromotionCode | null;
  pendingAuth: Map<string, { details: PayerDetails; embedded: boolean }>;
  /** Test control: the completion reported another amount/currency than priced (the first invoice charges it too). */
  reported?: boolean;
}

interface SubscriptionInternal {
  coupon: Coupon | null;
  invoicesBilled: number;
  failNextRenewal: boolean;
  trialWillEndSent: boolean;
}

interface IdempotencyEntry {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: unknown;
  requestId: string;
  createdAt: number;
}

interface ApiCall {
  params: Dict;
  path: Record<string, string>;
  request: RequestInfo;
}
interface ApiResult {
  status?: number;
  body: unknown;
}

// ───────────────────────────── errors ─────────────────────────────

interface StripeErrorBody {
  type: "invalid_request_error" | "card_error" | "idempotency_error" | "api_error";
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

function errorJson(e: StripeErrorBody): { error: Dict } {
  const out: Dict = {};
  if (e.code) out.code = e.code;
  if (e.decline_code) out.decline_code = e.decline_code;
  if (e.code) out.doc_url = `https://stripe.com/docs/error-codes/${e.code.replace(/_/g, "-")}`;
  out.message = e.message;
  if (e.param) out.param = e.param;
  out.type = e.type;
  return { error: out };
}

const invalid = (message: string, param?: string, code?: string, status = 400) =>
  new StripeApiError(status, { type: "invalid_request_error", message, param, code });

const missingResource = (noun: string, id: string, param: string, status: number) =>
  invalid(`No such ${noun}: '${id}'`, param, "resource_missing", status);

function validate(params: Dict, fields: Record<string, Schema>, required: readonly string[] = []): Dict {
  try {
    return coerceObject(params, fields, required);
  } catch (err) {
    if (err instanceof ParamError) throw invalid(err.message, err.param, err.code);
    throw err;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

const INTERVALS = ["day", "week", "month", "year"] as const;
/** The literals of an SDK enum, without its open-ended `OtherString` member. */
type Known<T> = T extends string ? (string extends T ? never : T) : never;
// Checkout's locales as the pinned SDK types them (SessionCreateParams.Locale): the table must
// name each literal and no other, or `tsc` fails.
const LOCALE_TABLE = {
  auto: true, bg: true, cs: true, da: true, de: true, el: true, en: true, "en-GB": true, es: true, "es-419": true, et: true,
  fi: true, fil: true, fr: true, "fr-CA": true, "hi-IN": true, hr: true, hu: true, id: true, it: true, ja: true, ko: true,
  lt: true, lv: true, ms: true, mt: true, nb: true, nl: true, pl: true, pt: true, "pt-BR": true, ro: true, ru: true,
  sk: true, sl: true, sv: true, th: true, tr: true, vi: true, zh: true, "zh-HK": true, "zh-TW": true,
} as const satisfies Record<Known<StripeSdk.Checkout.SessionCreateParams.Locale>, true>;
const LOCALES = Object.keys(LOCALE_TABLE);

function clone<T>(v: T): T {
  return structuredClone(v);
}

function isDict(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

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

function intervalPhrase(r: Recurring): string {
  return r.interval_count === 1 ? `per ${r.interval}` : `every ${r.interval_count} ${r.interval}s`;
}

/** What Checkout's card form collects: the country (the sandbox's page does not ask; its cards are US). */
function cardAddress(): Dict {
  return { city: null, country: "US", line1: null, line2: null, postal_code: null, state: null };
}

/** Stripe's Address: every field present, null when not given. */
function addressOf(given: Dict): Dict {
  const field = (k: string) => (typeof given[k] === "string" && given[k] !== "" ? given[k] : null);
  return { city: field("city"), country: field("country"), line1: field("line1"), line2: field("line2"), postal_code: field("postal_code"), state: field("state") };
}

/** A customer Stripe Tax can place: an address (or shipping address) with a country. unconfirmed: Stripe also validates the postal code per country. */
function hasTaxLocation(customer: Customer): boolean {
  const address = isDict(customer.address) ? customer.address : null;
  const shipping = isDict(customer.shipping) && isDict(customer.shipping.address) ? customer.shipping.address : null;
  return Boolean(address?.country || shipping?.country);
}

function redact(key: string): string {
  const m = /^([a-z]+_(?:test|live)_)/.exec(key);
  const prefix = m ? m[1] : key.slice(0, 3);
  return `${prefix}****${key.slice(-4)}`;
}

function discountFor(coupon: Coupon | null, subtotal: number): number {
  if (!coupon || subtotal <= 0) return 0;
  if (coupon.percent_off !== null) return Math.min(subtotal, Math.round((subtotal * coupon.percent_off) / 100));
  if (coupon.amount_off !== null) return Math.min(subtotal, coupon.amount_off);
  return 0;
}

/** Spreads a discount over line amounts in proportion (last line takes the rounding rest). */
function spread(total: number, amounts: number[]): number[] {
  const sum = amounts.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return amounts.map(() => 0);
  let left = total;
  return amounts.map((a, i) => {
    if (i === amounts.length - 1) return left;
    const share = Math.floor((total * a) / sum);
    left -= share;
    return share;
  });
}

// Test cards (docs.stripe.com/testing). Anything else Luhn-valid is a "live card in test mode".
const OK: CardOutcome = { kind: "succeeded" };
const AUTH: CardOutcome = { kind: "requires_action" };
const decline = (decline_code: string, message: string, code = "card_declined"): CardOutcome => ({ kind: "declined", code, decline_code, message });
const TEST_CARDS: Record<string, CardOutcome> = {
  "4242424242424242": OK,
  "4000056655665556": OK,
  "5555555555554444": OK,
  "2223003122003222": OK,
  "5200828282828210": OK,
  "378282246310005": OK,
  "6011111111111117": OK,
  "3056930009020004": OK,
  "3566002020360505": OK,
  "4000000000000002": decline("generic_decline", "Your card was declined."),
  "4000000000009995": decline("insufficient_funds", "Your card has insufficient funds."),
  "4000000000009987": decline("lost_card", "Your card was declined."),
  "4000000000009979": decline("stolen_card", "Your card was declined."),
  "4000000000000069": { kind: "declined", code: "expired_card", message: "Your card has expired." },
  "4000000000000127": { kind: "declined", code: "incorrect_cvc", message: "Your card's security code is incorrect." },
  "4000000000000119": { kind: "declined", code: "processing_error", message: "An error occurred while processing your card. Try again in a little bit." },
  "4000002500003155": AUTH,
  "4000002760003184": AUTH,
  "4000000000003220": AUTH,
};
const LIVE_CARD_IN_TEST_MODE = decline(
  "test_mode_live_card",
  "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
);
const AUTH_FAILED_MESSAGE = "We are unable to authenticate your payment method. Please choose a different payment method and try again.";

function cardOutcome(number: string, charged: boolean): CardOutcome {
  const o = TEST_CARDS[number] ?? LIVE_CARD_IN_TEST_MODE;
  // Nothing is charged (setup mode, trials, 100 % off): "insufficient funds" cards attach fine.
  if (!charged && o.decline_code === "insufficient_funds") return OK;
  return o;
}

/** Dispute statuses before an outcome (Dispute.Status, node_modules/stripe/cjs/resources/Disputes.d.ts). */
const OPEN_DISPUTE_STATUSES = new Set(["warning_needs_response", "warning_under_review", "needs_response", "under_review", "appeal_needs_response", "appeal_under_review"]);
const DISPUTE_EVIDENCE = (): Dict => ({
  access_activity_log: null, billing_address: null, cancellation_policy: null, cancellation_policy_disclosure: null, cancellation_rebuttal: null,
  customer_communication: null, customer_email_address: null, customer_name: null, customer_purchase_ip: null, customer_signature: null,
  duplicate_charge_documentation: null, duplicate_charge_explanation: null, duplicate_charge_id: null, enhanced_evidence: {}, product_description: null,
  receipt: null, refund_policy: null, refund_policy_disclosure: null, refund_refusal_explanation: null, service_date: null, service_documentation: null,
  shipping_address: null, shipping_carrier: null, shipping_date: null, shipping_documentation: null, shipping_tracking_number: null,
  uncategorized_file: null, uncategorized_text: null,
});

// ───────────────────────────── parameter schemas ─────────────────────────────

const expandSchema = S.arr(S.str());
const recurringSchema = S.obj({ interval: S.str({ enum: INTERVALS }), interval_count: S.int({ min: 1, max: 365 }), usage_type: S.str({ enum: ["licensed", "metered"] }), meter: S.str(), trial_period_days: S.int({ min: 0 }) }, ["interval"]);
const productDataSchema = S.obj(
  { name: S.str({ max: 250 }), description: S.str({ max: 40000 }), images: S.arr(S.str(), 8), metadata: S.meta(), tax_code: S.str(), unit_label: S.str({ max: 12 }) },
  ["name"],
);
const priceDataSchema = S.obj(
  {
    currency: S.str(),
    product: S.str(),
    product_data: productDataSchema,
    unit_amount: S.int({ min: 0 }),
    unit_amount_decimal: S.dec(),
    recurring: S.obj({ interval: S.str({ enum: INTERVALS }), interval_count: S.int({ min: 1, max: 365 }) }, ["interval"]),
    tax_behavior: S.str({ enum: ["exclusive", "inclusive", "unspecified"] }),
  },
  ["currency"],
);
const lineItemSchema = S.obj({
  price: S.str(),
  price_data: priceDataSchema,
  quantity: S.int({ min: 0, max: 999999 }),
  adjustable_quantity: S.any(),
  dynamic_tax_rates: S.any(),
  tax_rates: S.any(),
  metadata: S.meta(),
});

const SESSION_CREATE: Record<string, Schema> = {
  mode: S.str({ enum: ["payment", "setup", "subscription"] }),
  line_items: S.arr(lineItemSchema, 100),
  success_url: S.str({ max: 5000, url: true }),
  cancel_url: S.str({ max: 5000, url: true }),
  return_url: S.str({ max: 5000, url: true }),
  redirect_on_completion: S.str({ enum: ["always", "if_required", "never"] }),
  customer: S.str(),
  customer_email: S.str({ max: 800 }),
  customer_creation: S.str({ enum: ["always", "if_required"] }),
  client_reference_id: S.str({ max: 200 }),
  metadata: S.meta(),
  discounts: S.arr(S.obj({ coupon: S.str(), promotion_code: S.str() })),
  allow_promotion_codes: S.bool(),
  locale: S.str({ enum: LOCALES }),
  currency: S.str(),
  subscription_data: S.obj({
    trial_period_days: S.int({ min: 1, max: 730 }),
    trial_end: S.int(),
    metadata: S.meta(),
    description: S.str({ max: 500 }),
    billing_cycle_anchor: S.any(),
    default_tax_rates: S.any(),
    application_fee_percent: S.any(),
    billing_mode: S.any(),
    invoice_settings: S.any(),
    on_behalf_of: S.any(),
    proration_behavior: S.any(),
    transfer_data: S.any(),
    trial_settings: S.any(),
    pending_invoice_item_interval: S.any(),
  }),
  payment_intent_data: S.obj({
    metadata: S.meta(),
    description: S.str({ max: 1000 }),
    capture_method: S.str({ enum: ["automatic", "automatic_async", "manual"] }),
    receipt_email: S.str(),
    setup_future_usage: S.str({ enum: ["off_session", "on_session"] }),
    statement_descriptor: S.str({ max: 22 }),
    statement_descriptor_suffix: S.str({ max: 22 }),
    application_fee_amount: S.any(),
    on_behalf_of: S.any(),
    shipping: S.any(),
    transfer_data: S.any(),
    transfer_group: S.any(),
  }),
  setup_intent_data: S.obj({ metadata: S.meta(), description: S.str(), on_behalf_of: S.any() }),
  expires_at: S.int(),
  ui_mode: S.str(),
  billing_address_collection: S.str({ enum: ["auto", "required"] }),
  payment_method_types: S.arr(S.str()),
  submit_type: S.str({ enum: ["auto", "book", "donate", "pay", "subscribe"] }),
  automatic_tax: S.obj({ enabled: S.bool(), liability: S.any() }),
  customer_update: S.obj({ address: S.str({ enum: ["auto", "never"] }), name: S.str({ enum: ["auto", "never"] }), shipping: S.str({ enum: ["auto", "never"] }) }),
  expand: expandSchema,
  // Accepted and echoed where Stripe echoes them, but not emulated further:
  adaptive_pricing: S.any(),
  after_expiration: S.any(),
  allowed_payment_method_types: S.any(),
  branding_settings: S.any(),
  consent_collection: S.any(),
  custom_fields: S.any(),
  custom_text: S.any(),
  customer_account: S.any(),
  excluded_payment_method_types: S.any(),
  integration_identifier: S.any(),
  invoice_creation: S.any(),
  managed_payments: S.any(),
  name_collection: S.any(),
  optional_items: S.any(),
  origin_context: S.any(),
  payment_method_collection: S.any(),
  payment_method_configuration: S.any(),
  payment_method_data: S.any(),
  payment_method_options: S.any(),
  permissions: S.any(),
  phone_number_collection: S.any(),
  saved_payment_method_options: S.any(),
  shipping_address_collection: S.any(),
  shipping_options: S.any(),
  tax_id_collection: S.any(),
  wallet_options: S.any(),
};

const LIST_PARAMS: Record<string, Schema> = {
  limit: S.int({ min: 1, max: 100 }),
  starting_after: S.str(),
  ending_before: S.str(),
  expand: expandSchema,
  created: S.any(),
};

/** Stripe's API lives under `/v1`; everything else on the port is hosted pages (or control). */
function isApiPath(path: string): boolean {
  return path === "/v1" || path.startsWith("/v1/");
}

// ───────────────────────────── webhook signature ─────────────────────────────

/** `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256("t.body") keyed by the whole whsec_ string>`. */
export function stripeSignatureHeader(body: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}

// ───────────────────────────── the provider ─────────────────────────────

class StripeSandbox implements ProviderInstance {
  private objects = new Map<string, SObj>();
  private sessions = new Map<string, SessionInternal>();
  private subs = new Map<string, SubscriptionInternal>();
  private events: StripeEvent[] = [];
  private idempotency = new Map<string, IdempotencyEntry>();
  private invoiceSeq = 0;

  private readonly routes: Array<[string, string, (c: ApiCall) => ApiResult]> = [
    ["POST", "/v1/checkout/sessions", (c) => this.createSession(c)],
    ["GET", "/v1/checkout/sessions", (c) => this.listSessions(c)],
    ["GET", "/v1/checkout/sessions/:id", (c) => this.retrieve(c, "checkout.session", "checkout.session")],
    ["POST", "/v1/checkout/sessions/:id", (c) => this.updateSession(c)],
    ["POST", "/v1/checkout/sessions/:id/expire", (c) => this.expireSessionApi(c)],
    ["GET", "/v1/checkout/sessions/:id/line_items", (c) => this.sessionLineItems(c)],
    ["POST", "/v1/products", (c) => this.createProduct(c)],
    ["GET", "/v1/products", (c) => this.listSimple(c, "product", "/v1/products", { active: S.bool(), ids: S.arr(S.str()) })],
    ["GET", "/v1/products/:id", (c) => this.retrieve(c, "product", "product")],
    ["POST", "/v1/prices", (c) => this.createPrice(c)],
    ["GET", "/v1/prices", (c) => this.listSimple(c, "price", "/v1/prices", { active: S.bool(), product: S.str(), type: S.str({ enum: ["one_time", "recurring"] }), currency: S.str(), lookup_keys: S.arr(S.str(), 10) })],
    ["GET", "/v1/prices/:id", (c) => this.retrieve(c, "price", "price")],
    ["POST", "/v1/coupons", (c) => this.createCoupon(c)],
    ["GET", "/v1/coupons/:id", (c) => this.retrieve(c, "coupon", "coupon")],
    ["POST", "/v1/promotion_codes", (c) => this.createPromotionCode(c)],
    ["GET", "/v1/promotion_codes", (c) => this.listSimple(c, "promotion_code", "/v1/promotion_codes", { code: S.str(), active: S.bool() })],
    ["GET", "/v1/promotion_codes/:id", (c) => this.retrieve(c, "promotion_code", "promotion_code")],
    ["POST", "/v1/customers", (c) => this.createCustomerApi(c)],
    ["GET", "/v1/customers", (c) => this.listSimple(c, "customer", "/v1/customers", { email: S.str() })],
    ["GET", "/v1/customers/:id", (c) => this.retrieve(c, "customer", "customer")],
    ["GET", "/v1/subscriptions", (c) => this.listSimple(c, "subscription", "/v1/subscriptions", { customer: S.str(), price: S.str(), status: S.str() })],
    ["GET", "/v1/subscriptions/:id", (c) => this.retrieve(c, "subscription", "subscription")],
    ["POST", "/v1/subscriptions/:id", (c) => this.updateSubscription(c)],
    ["DELETE", "/v1/subscriptions/:id", (c) => this.cancelSubscriptionApi(c)],
    ["GET", "/v1/payment_intents/:id", (c) => this.retrieve(c, "payment_intent", "payment_intent")],
    ["GET", "/v1/setup_intents/:id", (c) => this.retrieve(c, "setup_intent", "setup_intent")],
    ["GET", "/v1/charges/:id", (c) => this.retrieve(c, "charge", "charge")],
    ["GET", "/v1/invoices/:id", (c) => this.retrieve(c, "invoice", "invoice")],
    ["GET", "/v1/invoice_payments", (c) => this.listInvoicePayments(c)],
    ["GET", "/v1/invoice_payments/:id", (c) => this.retrieve(c, "invoice_payment", "invoice_payment")],
    ["GET", "/v1/disputes/:id", (c) => this.retrieve(c, "dispute", "dispute")],
    ["POST", "/v1/refunds", (c) => this.createRefund(c)],
    ["GET", "/v1/refunds/:id", (c) => this.retrieve(c, "refund", "refund")],
    ["GET", "/v1/events", (c) => this.listEvents(c)],
    ["GET", "/v1/events/:id", (c) => this.retrieveEvent(c)],
  ];

  constructor(private readonly ctx: ProviderContext) {}

  private now(): number {
    return this.ctx.clock.nowSeconds();
  }

  // ── plumbing ──

  describe(): Record<string, unknown> {
    return {
      label: LABEL,
      apiVersion: API_VERSION,
      sessions: this.sessions.size,
      subscriptions: this.subs.size,
      events: this.events.length,
    };
  }

  reset(): void {
    this.objects.clear();
    this.sessions.clear();
    this.subs.clear();
    this.events = [];
    this.idempotency.clear();
    this.invoiceSeq = 0;
  }

  notFound(r: ProviderRequest): void {
    sendJson(r.res, 404, errorJson({
      type: "invalid_request_error",
      message: `Unrecognized request URL (${r.method}: ${r.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    }));
  }

  async handle(r: ProviderRequest): Promise<boolean> {
    if (isApiPath(r.path)) {
      await this.handleApi(r);
      return true;
    }
    if (r.path.startsWith("/pay/stripe/")) return this.handlePage(r);
    return false;
  }

  private get<T extends SObj>(id: string | null | undefined, object: string): T | undefined {
    if (!id) return undefined;
    const o = this.objects.get(id);
    return o && o.object === object ? (o as T) : undefined;
  }

  private put<T extends SObj>(o: T): T {
    this.objects.set(o.id, o);
    return o;
  }

  private emit(type: string, object: SObj, request: RequestInfo | null, previous?: Dict): StripeEvent {
    const data: StripeEvent["data"] = { object: clone(object) };
    if (previous && Object.keys(previous).length > 0) data.previous_attributes = clone(previous);
    const event: StripeEvent = {
      id: newId("evt", 24),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      data,
      livemode: false,
      pending_webhooks: 1,
      request: request ?? { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    // Stripe sends pretty-printed JSON; receivers must verify the raw bytes.
    this.ctx.webhooks.enqueue({ id: event.id, type, body: JSON.stringify(event, null, 2) });
    return event;
  }

  // ── API entry: auth, parsing, idempotency, errors ──

  private authenticate(r: ProviderRequest): void {
    const header = r.req.headers.authorization;
    let key = "";
    if (header?.startsWith("Bearer ")) key = header.slice(7).trim();
    else if (header?.startsWith("Basic ")) key = Buffer.from(header.slice(6), "base64").toString("utf8").split(":")[0];
    if (!key) {
      throw invalid(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        undefined,
        undefined,
        401,
      );
    }
    const ok = this.ctx.apiKey ? key === this.ctx.apiKey : /^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key);
    if (!ok) throw invalid(`Invalid API Key provided: ${redact(key)}`, undefined, undefined, 401);
  }

  private async handleApi(r: ProviderRequest): Promise<void> {
    const requestId = newId("req", 14);
    const idemKey = (r.req.headers["idempotency-key"] as string | undefined) ?? null;
    const headers: Record<string, string> = { "Request-Id": requestId, "Stripe-Version": (r.req.headers["stripe-version"] as string | undefined) ?? API_VERSION };
    if (idemKey) headers["Idempotency-Key"] = idemKey;
    try {
      this.authenticate(r);
      let route: [string, string, (c: ApiCall) => ApiResult] | undefined;
      let pathParams: Record<string, string> | null = null;
      for (const candidate of this.routes) {
        if (candidate[0] !== r.method) continue;
        pathParams = match(candidate[1], r.path);
        if (pathParams) {
          route = candidate;
          break;
        }
      }
      if (!route || !pathParams) {
        this.notFound(r);
        return;
      }
      let params: FormTree;
      try {
        const raw = r.method === "GET" || r.method === "DELETE" ? r.url.search.slice(1) : await r.body();
        params = parseForm(raw);
        if (r.method === "DELETE") {
          const body = await r.body(); // stripe-node sends DELETE params in the query; accept a body too
          if (body) Object.assign(params, parseForm(body));
        }
      } catch (err) {
        if (err instanceof FormParseError) throw invalid(err.message, err.param);
        throw err;
      }

      const fingerprint = canonical(params);
      if (idemKey && r.method === "POST") {
        this.sweepIdempotency();
        const prior = this.idempotency.get(idemKey);
        if (prior) {
          if (prior.method !== r.method || prior.path !== r.path) {
            throw new StripeApiError(400, {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${r.path}' vs '${prior.path}'). Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            });
          }
          if (prior.fingerprint !== fingerprint) {
            throw new StripeApiError(400, {
              type: "idempotency_error",
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
            });
          }
          sendJson(r.res, prior.status, prior.body, { ...headers, "Idempotent-Replayed": "true", "Original-Request": prior.requestId });
          return;
        }
      }

      const call: ApiCall = { params, path: pathParams, request: { id: requestId, idempotency_key: idemKey } };
      let status: number;
      let body: unknown;
      try {
        const result = route[2](call);
        status = result.status ?? 200;
        body = result.body;
      } catch (err) {
        // Stripe saves the outcome of any request that began executing; requests that
        // fail parameter validation are not saved (docs: Idempotent requests).
        if (err instanceof StripeApiError && err.status !== 400 && err.status !== 404 && idemKey && r.method === "POST") {
          this.idempotency.set(idemKey, { method: r.method, path: r.path, fingerprint, status: err.status, body: errorJson(err.error), requestId, createdAt: this.now() });
        }
        throw err;
      }
      if (idemKey && r.method === "POST") {
        this.idempotency.set(idemKey, { method: r.method, path: r.path, fingerprint, status, body, requestId, createdAt: this.now() });
      }
      sendJson(r.res, status, body, headers);
    } catch (err) {
      if (err instanceof StripeApiError) {
        sendJson(r.res, err.status, errorJson(err.error), { ...headers, "Stripe-Should-Retry": "false" });
        return;
      }
      throw err;
    }
  }

  private sweepIdempotency(): void {
    const cutoff = this.now() - DAY; // keys expire after 24 hours
    for (const [k, v] of this.idempotency) if (v.createdAt < cutoff) this.idempotency.delete(k);
  }

  // ── expansion and lists ──

  private expand(obj: SObj, paths: unknown): SObj {
    const out = clone(obj);
    const list = Array.isArray(paths) ? (paths as string[]) : [];
    for (const path of list) {
      const segs = path.split(".");
      if (segs.length > 4) throw invalid(`You cannot expand more than 4 levels of a property. Property: ${path}`, "expand");
      this.expandInto(out, segs, path);
    }
    return out;
  }

  private expandInto(target: Dict, segs: string[], full: string): void {
    if (segs.length === 0) return;
    const [head, ...rest] = segs;
    if (target.object === "list" && head === "data" && Array.isArray(target.data)) {
      for (const item of target.data as Dict[]) this.expandInto(item, rest, full);
      return;
    }
    // Includable fields (absent unless expanded, never in event payloads on this API version):
    // Invoice.payments, Charge.refunds, Checkout.Session.total_details.breakdown.
    if (head === "payments" && target.object === "invoice") {
      target.payments = this.listOf(this.invoicePaymentsOf(target.id as string), `/v1/invoice_payments?invoice=${target.id as string}`);
      this.expandInto(target.payments as Dict, rest, full);
      return;
    }
    if (head === "refunds" && target.object === "charge") {
      target.refunds = this.listOf(this.allOf("refund").filter((r) => r.charge === target.id), `/v1/charges/${target.id as string}/refunds`);
      this.expandInto(target.refunds as Dict, rest, full);
      return;
    }
    if (head === "total_details" && target.object === "checkout.session" && rest[0] === "breakdown" && isDict(target.total_details)) {
      const internal = this.sessions.get(target.id as string);
      const details = target.total_details;
      const discount = Number(details.amount_discount ?? 0);
      details.breakdown = {
        discounts: internal?.coupon && discount > 0 ? [{ amount: discount, discount: { id: `di_${randomId(14)}`, object: "discount", coupon: clone(internal.coupon), promotion_code: internal.promotionCode?.id ?? null } }] : [],
        taxes: [], // the sandbox computes no tax
      };
      this.expandInto(details.breakdown as Dict, rest.slice(1), full);
      return;
    }
    if (head === "line_items" && target.object === "checkout.session") {
      const internal = this.sessions.get(target.id as string);
      target.line_items = this.listOf(internal ? internal.lineItems : [], `/v1/checkout/sessions/${target.id as string}/line_items`);
      this.expandInto(target.line_items as Dict, rest, full);
      return;
    }
    const value = target[head];
    if (typeof value === "string" && this.objects.has(value)) {
      target[head] = clone(this.objects.get(value)!);
      this.expandInto(target[head] as Dict, rest, full);
      return;
    }
    if (value === null) return;
    if (typeof value === "object" && value !== undefined) {
      this.expandInto(value as Dict, rest, full);
      return;
    }
    throw invalid(`This property cannot be expanded (${head}).`, "expand");
  }

  private listOf<T>(data: T[], url: string, hasMore = false): Dict {
    return { object: "list", data: clone(data), has_more: hasMore, url };
  }

  private paginate(all: SObj[], p: Dict, url: string): Dict {
    let items = all;
    if (typeof p.starting_after === "string") {
      const i = items.findIndex((o) => o.id === p.starting_after);
      if (i === -1) throw invalid(`No such object: '${p.starting_after}'`, "starting_after", "resource_missing");
      items = items.slice(i + 1);
    } else if (typeof p.ending_before === "string") {
      const i = items.findIndex((o) => o.id === p.ending_before);
      if (i === -1) throw invalid(`No such object: '${p.ending_before}'`, "ending_before", "resource_missing");
      items = items.slice(0, i);
    }
    const limit = (p.limit as number | undefined) ?? 10;
    const page = items.slice(0, limit).map((o) => this.expand(o, (p.expand as string[] | undefined)?.map((e) => e.replace(/^data\./, ""))));
    return { object: "list", data: page, has_more: items.length > limit, url };
  }

  private allOf(object: string): SObj[] {
    return [...this.objects.values()].filter((o) => o.object === object).reverse();
  }

  private retrieve(c: ApiCall, object: string, noun: string): ApiResult {
    const p = validate(c.params, { expand: expandSchema });
    const o = this.get(c.path.id, object);
    if (!o) throw missingResource(noun, c.path.id, "id", 404);
    return { body: this.expand(o, p.expand) };
  }

  private listSimple(c: ApiCall, object: string, url: string, filters: Record<string, Schema>): ApiResult {
    const p = validate(c.params, { ...LIST_PARAMS, ...filters });
    let all = this.allOf(object);
    for (const [k, v] of Object.entries(p)) {
      if (k in LIST_PARAMS) continue;
      if (k === "lookup_keys") all = all.filter((o) => (v as string[]).includes(o.lookup_key as string));
      else if (k === "ids") all = all.filter((o) => (v as string[]).includes(o.id));
      else if (k === "price") all = all.filter((o) => (o as Subscription).items.data.some((i) => i.price.id === v));
      else if (k === "status" && object === "subscription") all = v === "all" ? all : all.filter((o) => o.status === v);
      else all = all.filter((o) => o[k] === v);
    }
    if (object === "subscription" && p.status === undefined) all = all.filter((o) => o.status !== "canceled");
    return { body: this.paginate(all, p, url) };
  }

  // ── catalog: products, prices, coupons, promotion codes, customers ──

  private makeProduct(data: Dict, active = true): Product {
    const now = this.now();
    return this.put<Product>({
      id: (data.id as string | undefined) ?? newId("prod", 14),
      object: "product",
      active,
      attributes: [],
      created: now,
      default_price: null,
      description: (data.description as string | undefined) ?? null,
      images: (data.images as string[] | undefined) ?? [],
      livemode: false,
      marketing_features: [],
      metadata: (data.metadata as Meta | undefined) ?? {},
      name: data.name as string,
      package_dimensions: null,
      shippable: null,
      statement_descriptor: null,
      tax_code: (data.tax_code as string | undefined) ?? null,
      type: "service",
      unit_label: (data.unit_label as string | undefined) ?? null,
      updated: now,
      url: null,
    });
  }

  private makePrice(data: Dict, productId: string, active: boolean, param: string): Price {
    const currency = String(data.currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${String(data.currency)}`, `${param}[currency]`);
    const unitAmount = data.unit_amount as number | undefined;
    const unitDecimal = data.unit_amount_decimal as string | undefined;
    if (unitAmount === undefined && unitDecimal === undefined) {
      throw invalid(`Missing required param: ${param}[unit_amount].`, `${param}[unit_amount]`, "parameter_missing");
    }
    if (unitAmount !== undefined && unitDecimal !== undefined) {
      throw invalid("You may only specify one of these parameters: unit_amount, unit_amount_decimal.", `${param}[unit_amount]`, "parameters_exclusive");
    }
    const rec = data.recurring as { interval: Interval; interval_count?: number; trial_period_days?: number } | undefined;
    return this.put<Price>({
      id: newId("price", 24),
      object: "price",
      active,
      billing_scheme: "per_unit",
      created: this.now(),
      currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: (data.lookup_key as string | undefined) ?? null,
      metadata: (data.metadata as Meta | undefined) ?? {},
      nickname: (data.nickname as string | undefined) ?? null,
      product: productId,
      recurring: rec
        ? { interval: rec.interval, interval_count: rec.interval_count ?? 1, meter: null, trial_period_days: rec.trial_period_days ?? null, usage_type: "licensed" }
        : null,
      tax_behavior: (data.tax_behavior as string | undefined) ?? "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: rec ? "recurring" : "one_time",
      unit_amount: unitAmount ?? (unitDecimal !== undefined ? Math.round(Number(unitDecimal)) : null),
      unit_amount_decimal: unitDecimal ?? (unitAmount !== undefined ? String(unitAmount) : null),
    });
  }

  private createProduct(c: ApiCall): ApiResult {
    const p = validate(
      c.params,
      {
        name: S.str({ max: 250 }),
        id: S.str(),
        active: S.bool(),
        description: S.str(),
        metadata: S.meta(),
        images: S.arr(S.str(), 8),
        tax_code: S.str(),
        unit_label: S.str(),
        default_price_data: S.obj(
          { currency: S.str(), unit_amount: S.int({ min: 0 }), unit_amount_decimal: S.dec(), recurring: recurringSchema, tax_behavior: S.str(), metadata: S.meta() },
          ["currency"],
        ),
        expand: expandSchema,
        marketing_features: S.any(),
        package_dimensions: S.any(),
        shippable: S.any(),
        statement_descriptor: S.any(),
        url: S.any(),
      },
      ["name"],
    );
    if (typeof p.id === "string" && this.objects.has(p.id)) throw invalid(`Product already exists.`, "id", "resource_already_exists");
    const product = this.makeProduct(p, p.active !== false);
    if (p.default_price_data) {
      const price = this.makePrice(p.default_price_data as Dict, product.id, true, "default_price_data");
      product.default_price = price.id;
    }
    return { body: this.expand(product, p.expand) };
  }

  private createPrice(c: ApiCall): ApiResult {
    const p = validate(
      c.params,
      {
        currency: S.str(),
        product: S.str(),
        product_data: S.obj({ name: S.str(), active: S.bool(), metadata: S.meta(), id: S.str(), statement_descriptor: S.any(), tax_code: S.any(), unit_label: S.any() }, ["name"]),
        unit_amount: S.int({ min: 0 }),
        unit_amount_decimal: S.dec(),
        recurring: recurringSchema,
        lookup_key: S.str({ max: 200 }),
        transfer_lookup_key: S.bool(),
        metadata: S.meta(),
        nickname: S.str(),
        active: S.bool(),
        tax_behavior: S.str({ enum: ["exclusive", "inclusive", "unspecified"] }),
        billing_scheme: S.str({ enum: ["per_unit"] }),
        expand: expandSchema,
        currency_options: S.any(),
        custom_unit_amount: S.any(),
        tiers: S.any(),
        tiers_mode: S.any(),
        transform_quantity: S.any(),
      },
      ["currency"],
    );
    if (p.product && p.product_data) throw invalid("You may only specify one of these parameters: product, product_data.", "product", "parameters_exclusive");
    let productId: string;
    if (typeof p.product === "string") {
      if (!this.get(p.product, "product")) throw missingResource("product", p.product, "product", 400);
      productId = p.product;
    } else if (p.product_data) {
      productId = this.makeProduct(p.product_data as Dict, true).id;
    } else throw invalid("Missing required param: product.", "product", "parameter_missing");
    if (typeof p.lookup_key === "string") {
      const holder = this.allOf("price").find((x) => x.lookup_key === p.lookup_key);
      if (holder) {
        if (p.transfer_lookup_key !== true) {
          throw invalid(`A price (\`${holder.id}\`) already uses that lookup key.`, "lookup_key");
        }
        holder.lookup_key = null;
      }
    }
    const price = this.makePrice(p, productId, p.active !== false, "price");
    return { body: this.expand(price, p.expand) };
  }

  private createCoupon(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      id: S.str(),
      name: S.str({ max: 40 }),
      percent_off: S.dec(),
      amount_off: S.int({ min: 1 }),
      currency: S.str(),
      duration: S.str({ enum: ["once", "repeating", "forever"] }),
      duration_in_months: S.int({ min: 1 }),
      max_redemptions: S.int({ min: 1 }),
      redeem_by: S.int(),
      metadata: S.meta(),
      applies_to: S.any(),
      currency_options: S.any(),
      expand: expandSchema,
    });
    if (p.percent_off === undefined && p.amount_off === undefined) throw invalid("Missing required param: percent_off.", "percent_off", "parameter_missing");
    if (p.percent_off !== undefined && p.amount_off !== undefined) throw invalid("You may only specify one of these parameters: amount_off, percent_off.", "amount_off", "parameters_exclusive");
    const pct = p.percent_off !== undefined ? Number(p.percent_off) : null;
    if (pct !== null && (pct <= 0 || pct > 100)) throw invalid("Invalid percent_off: must be greater than 0 and at most 100", "percent_off");
    if (p.amount_off !== undefined && !p.currency) throw invalid("Missing required param: currency.", "currency", "parameter_missing");
    const duration = (p.duration as Coupon["duration"] | undefined) ?? "once";
    if (duration === "repeating" && p.duration_in_months === undefined) throw invalid("Missing required param: duration_in_months.", "duration_in_months", "parameter_missing");
    const cid = (p.id as string | undefined) ?? randomId(8);
    if (this.objects.has(cid)) throw invalid("Coupon already exists.", "id", "resource_already_exists");
    const coupon = this.put<Coupon>({
      id: cid,
      object: "coupon",
      amount_off: (p.amount_off as number | undefined) ?? null,
      created: this.now(),
      currency: p.currency ? String(p.currency).toLowerCase() : null,
      duration,
      duration_in_months: (p.duration_in_months as number | undefined) ?? null,
      livemode: false,
      max_redemptions: (p.max_redemptions as number | undefined) ?? null,
      metadata: (p.metadata as Meta | undefined) ?? {},
      name: (p.name as string | undefined) ?? null,
      percent_off: pct,
      redeem_by: (p.redeem_by as number | undefined) ?? null,
      times_redeemed: 0,
      valid: true,
    });
    return { body: this.expand(coupon, p.expand) };
  }

  private createPromotionCode(c: ApiCall): ApiResult {
    const p = validate(
      c.params,
      {
        promotion: S.obj({ type: S.str({ enum: ["coupon"] }), coupon: S.str() }, ["type"]),
        code: S.str({ max: 500 }),
        active: S.bool(),
        customer: S.str(),
        expires_at: S.int(),
        max_redemptions: S.int({ min: 1 }),
        metadata: S.meta(),
        restrictions: S.any(),
        customer_account: S.any(),
        expand: expandSchema,
      },
      ["promotion"],
    );
    const couponId = (p.promotion as Dict).coupon as string | undefined;
    if (!couponId) throw invalid("Missing required param: promotion[coupon].", "promotion[coupon]", "parameter_missing");
    if (!this.get(couponId, "coupon")) throw missingResource("coupon", couponId, "promotion[coupon]", 400);
    const code = (p.code as string | undefined) ?? randomId(8).toUpperCase();
    if (this.allOf("promotion_code").some((x) => x.active && String(x.code).toLowerCase() === code.toLowerCase())) {
      throw invalid("An active promotion code with `code` already exists.", "code");
    }
    const promo = this.put<PromotionCode>({
      id: newId("promo", 24),
      object: "promotion_code",
      active: p.active !== false,
      code,
      created: this.now(),
      customer: (p.customer as string | undefined) ?? null,
      customer_account: null,
      expires_at: (p.expires_at as number | undefined) ?? null,
      livemode: false,
      max_redemptions: (p.max_redemptions as number | undefined) ?? null,
      metadata: (p.metadata as Meta | undefined) ?? {},
      promotion: { coupon: couponId, type: "coupon" },
      restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
      times_redeemed: 0,
    });
    return { body: this.expand(promo, p.expand) };
  }

  private makeCustomer(email: string | null, name: string | null, metadata: Meta = {}): Customer {
    return this.put<Customer>({
      id: newId("cus", 14),
      object: "customer",
      address: null,
      balance: 0,
      created: this.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email,
      invoice_prefix: randomId(8).toUpperCase(),
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata,
      name,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    });
  }

  private createCustomerApi(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      email: S.str({ max: 512 }),
      name: S.str({ max: 256 }),
      metadata: S.meta(),
      description: S.str(),
      phone: S.str(),
      preferred_locales: S.arr(S.str()),
      address: S.any(),
      shipping: S.any(),
      payment_method: S.any(),
      invoice_settings: S.any(),
      tax: S.any(),
      tax_exempt: S.any(),
      tax_id_data: S.any(),
      expand: expandSchema,
    });
    const cust = this.makeCustomer((p.email as string | undefined) ?? null, (p.name as string | undefined) ?? null, (p.metadata as Meta | undefined) ?? {});
    if (p.description) cust.description = p.description;
    if (p.phone) cust.phone = p.phone;
    if (isDict(p.address)) cust.address = addressOf(p.address);
    if (isDict(p.shipping)) cust.shipping = { address: addressOf(isDict(p.shipping.address) ? p.shipping.address : {}), name: typeof p.shipping.name === "string" ? p.shipping.name : null, phone: null };
    return { body: this.expand(cust, p.expand) };
  }

  // ── checkout sessions ──

  private resolveLineItems(items: Dict[], mode: string): LineItem[] {
    return items.map((item, i) => {
      const param = `line_items[${i}]`;
      if (item.price === undefined && item.price_data === undefined) {
        // unconfirmed wording
        throw invalid(`You must specify either \`price\` or \`price_data\` in ${param}.`, `${param}[price]`, "parameter_missing");
      }
      if (item.price !== undefined && item.price_data !== undefined) {
        throw invalid("You may only specify one of these parameters: price, price_data.", `${param}[price]`, "parameters_exclusive");
      }
      if (item.quantity === undefined) throw invalid(`Missing required param: ${param}[quantity].`, `${param}[quantity]`, "parameter_missing");
      let price: Price;
      if (typeof item.price === "string") {
        const found = this.get<Price>(item.price, "price");
        if (!found) throw missingResource("price", item.price, `${param}[price]`, 400);
        if (!found.active) throw invalid("The price specified is inactive. This field only accepts active prices.", `${param}[price]`);
        price = found;
      } else {
        const pd = item.price_data as Dict;
        if (pd.product === undefined && pd.product_data === undefined) {
          throw invalid(`Missing required param: ${param}[price_data][product_data].`, `${param}[price_data][product_data]`, "parameter_missing");
        }
        if (pd.product !== undefined && pd.product_data !== undefined) {
          throw invalid("You may only specify one of these parameters: product, product_data.", `${param}[price_data][product]`, "parameters_exclusive");
        }
        let productId: string;
        if (typeof pd.product === "string") {
          if (!this.get(pd.product, "product")) throw missingResource("product", pd.product, `${param}[price_data][product]`, 400);
          productId = pd.product;
        } else {
          productId = this.makeProduct(pd.product_data as Dict, true).id;
        }
        // Inline prices exist only for this session (Stripe marks them inactive). unconfirmed
        price = this.makePrice(pd, productId, false, `${param}[price_data]`);
      }
      if (mode === "payment" && price.recurring) {
        throw invalid(
          "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
          `${param}[price]`,
        );
      }
      const quantity = item.quantity as number;
      const subtotal = Math.round((price.unit_amount_decimal !== null ? Number(price.unit_amount_decimal) : (price.unit_amount ?? 0)) * quantity);
      const product = this.get<Product>(price.product, "product");
      return {
        id: newId("li", 24),
        object: "item",
        amount_discount: 0,
        amount_subtotal: subtotal,
        amount_tax: 0,
        amount_total: subtotal,
        currency: price.currency,
        description: product?.name ?? "",
        metadata: (item.metadata as Meta | undefined) ?? {},
        price: clone(price),
        quantity,
      };
    });
  }

  private resolveDiscount(p: Dict, currency: string | null): { coupon: Coupon | null; promo: PromotionCode | null } {
    const list = p.discounts as Dict[] | undefined;
    if (!list || list.length === 0) return { coupon: null, promo: null };
    if (list.length > 1) throw invalid("You may only specify one discount.", "discounts"); // unconfirmed wording
    const d = list[0];
    if (d.coupon && d.promotion_code) throw invalid("You may only specify one of these parameters: coupon, promotion_code.", "discounts[0][coupon]", "parameters_exclusive");
    if (typeof d.promotion_code === "string") {
      const promo = this.get<PromotionCode>(d.promotion_code, "promotion_code");
      if (!promo) throw missingResource("promotion_code", d.promotion_code, "discounts[0][promotion_code]", 400);
      const problem = this.promoProblem(promo);
      if (problem) throw invalid(problem, "discounts[0][promotion_code]");
      const coupon = this.get<Coupon>(promo.promotion.coupon, "coupon")!;
      this.checkCouponCurrency(coupon, currency, "discounts[0][promotion_code]");
      return { coupon, promo };
    }
    if (typeof d.coupon === "string") {
      const coupon = this.get<Coupon>(d.coupon, "coupon");
      if (!coupon) throw missingResource("coupon", d.coupon, "discounts[0][coupon]", 400);
      if (!coupon.valid || (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions)) {
        throw invalid(`Coupon ${coupon.id} is no longer valid.`, "discounts[0][coupon]");
      }
      this.checkCouponCurrency(coupon, currency, "discounts[0][coupon]");
      return { coupon, promo: null };
    }
    throw invalid("Missing required param: discounts[0][coupon].", "discounts[0][coupon]", "parameter_missing");
  }

  private checkCouponCurrency(coupon: Coupon, currency: string | null, param: string): void {
    if (coupon.amount_off !== null && currency && coupon.currency !== currency) {
      throw invalid(`The coupon's currency (${coupon.currency}) does not match the currency of the line items (${currency}).`, param);
    }
  }

  private promoProblem(promo: PromotionCode): string | null {
    if (!promo.active) return "This promotion code is inactive.";
    if (promo.expires_at !== null && promo.expires_at <= this.now()) return "This promotion code has expired.";
    if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions) return "This promotion code has been fully redeemed.";
    const coupon = this.get<Coupon>(promo.promotion.coupon, "coupon");
    if (!coupon || !coupon.valid) return "This promotion code is no longer valid.";
    return null;
  }

  /** Recomputes amounts after line items or discounts change. */
  private recomputeTotals(session: Session, internal: SessionInternal): void {
    if (session.mode === "setup") {
      session.amount_subtotal = null;
      session.amount_total = null;
      return;
    }
    // During a trial the first invoice charges the one-time items only. unconfirmed
    const trial = session.mode === "subscription" && internal.trialDays !== null;
    const billed = internal.lineItems.map((li) => (trial && li.price.recurring ? 0 : li.amount_subtotal));
    const subtotal = billed.reduce((a, b) => a + b, 0);
    const discount = discountFor(internal.coupon, subtotal);
    const shares = spread(discount, billed);
    internal.lineItems.forEach((li, i) => {
      li.amount_discount = shares[i];
      li.amount_total = li.amount_subtotal - shares[i];
    });
    session.amount_subtotal = subtotal;
    session.amount_total = subtotal - discount;
    session.total_details = { amount_discount: discount, amount_shipping: 0, amount_tax: 0 };
    session.discounts = internal.coupon ? [{ coupon: internal.coupon.id, promotion_code: internal.promotionCode?.id ?? null }] : [];
  }

  private createSession(c: ApiCall): ApiResult {
    const p = validate(c.params, SESSION_CREATE, ["mode"]);
    const mode = p.mode as Session["mode"];
    const uiMode = (p.ui_mode as string | undefined) ?? "hosted_page";
    if (uiMode !== "hosted_page" && uiMode !== "embedded_page") {
      const renamed = uiMode === "hosted" ? "hosted_page" : uiMode === "embedded" ? "embedded_page" : null;
      throw invalid(
        renamed
          ? `Invalid ui_mode: \`${uiMode}\` was renamed to \`${renamed}\` in API version 2026-03-25.`
          : `Invalid ui_mode: must be one of hosted_page or embedded_page (the sandbox does not emulate \`${uiMode}\`).`,
        "ui_mode",
      );
    }
    if (uiMode === "hosted_page") {
      if (p.success_url === undefined) throw invalid("Missing required param: success_url.", "success_url", "parameter_missing");
      if (p.return_url !== undefined) throw invalid("`return_url` can only be used with `ui_mode: embedded_page`.", "return_url");
    } else {
      if (p.success_url !== undefined) throw invalid("`success_url` cannot be used with `ui_mode: embedded_page`; use `return_url`.", "success_url");
      if (p.cancel_url !== undefined) throw invalid("`cancel_url` cannot be used with `ui_mode: embedded_page`.", "cancel_url");
      if (p.return_url === undefined && p.redirect_on_completion !== "never") throw invalid("Missing required param: return_url.", "return_url", "parameter_missing");
    }
    const rawItems = (p.line_items as Dict[] | undefined) ?? [];
    if (mode !== "setup" && rawItems.length === 0) throw invalid("Missing required param: line_items.", "line_items", "parameter_missing");
    if (mode === "setup" && rawItems.length > 0) throw invalid("You cannot pass `line_items` in `setup` mode.", "line_items"); // unconfirmed wording
    if (p.customer !== undefined && p.customer_email !== undefined) {
      throw invalid("You may only specify one of these parameters: customer, customer_email.", "customer", "parameters_exclusive");
    }
    if (p.customer_email !== undefined && !isEmail(p.customer_email as string)) throw invalid(`Invalid email address: ${String(p.customer_email)}`, "customer_email", "email_invalid");
    let customer: Customer | undefined;
    if (typeof p.customer === "string") {
      customer = this.get<Customer>(p.customer, "customer");
      if (!customer) throw missingResource("customer", p.customer, "customer", 400);
    }
    const customerUpdate = p.customer_update as Dict | undefined;
    // SessionCreateParams.customer_update: "Can only be provided when `customer` is provided." (unconfirmed wording)
    if (customerUpdate !== undefined && !customer) throw invalid("`customer_update` can only be used with `customer`.", "customer_update");
    // Stripe Tax needs the buyer's location: an existing customer without an address (or
    // shipping) is refused unless Checkout may save the one it collects.
    if ((p.automatic_tax as Dict | undefined)?.enabled === true && customer && !hasTaxLocation(customer) && customerUpdate?.address !== "auto" && customerUpdate?.shipping !== "auto") {
      throw invalid(
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
        undefined,
        "customer_tax_location_invalid",
      );
    }
    if (p.allow_promotion_codes !== undefined && p.discounts !== undefined) {
      throw invalid("You may only specify one of these parameters: allow_promotion_codes, discounts.", "allow_promotion_codes", "parameters_exclusive");
    }
    if (p.subscription_data !== undefined && mode !== "subscription") throw invalid(`You can not pass \`subscription_data\` in \`${mode}\` mode.`, "subscription_data");
    if (p.payment_intent_data !== undefined && mode !== "payment") throw invalid(`You can not pass \`payment_intent_data\` in \`${mode}\` mode.`, "payment_intent_data");
    if (p.setup_intent_data !== undefined && mode !== "setup") throw invalid(`You can not pass \`setup_intent_data\` in \`${mode}\` mode.`, "setup_intent_data");
    if (p.customer_creation !== undefined && mode === "subscription") {
      throw invalid("`customer_creation` can only be used in `payment` and `setup` mode.", "customer_creation");
    }

    const lineItems = this.resolveLineItems(rawItems, mode);
    const currencies = new Set(lineItems.map((li) => li.currency));
    if (currencies.size > 1) throw invalid("All line items must use the same currency.", "line_items"); // unconfirmed wording
    const currency = lineItems[0]?.currency ?? (p.currency ? String(p.currency).toLowerCase() : null);
    // SessionCreateParams.currency: "Required in `setup` mode when `allowed_payment_method_types`
    // is not set" (older docs: `payment_method_types`). unconfirmed wording
    if (mode === "setup" && !currency && p.allowed_payment_method_types === undefined && p.payment_method_types === undefined) {
      throw invalid("Missing required param: currency.", "currency", "parameter_missing");
    }
    if (mode === "subscription") {
      const recurring = lineItems.filter((li) => li.price.recurring);
      if (recurring.length === 0) {
        throw invalid("You must provide at least one recurring price in `subscription` mode when using prices.", "line_items");
      }
      const first = recurring[0].price.recurring!;
      if (recurring.some((li) => li.price.recurring!.interval !== first.interval || li.price.recurring!.interval_count !== first.interval_count)) {
        throw invalid("All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.", "line_items");
      }
    }
    const { coupon, promo } = this.resolveDiscount(p, currency);

    const now = this.now();
    let expiresAt = now + DAY;
    if (p.expires_at !== undefined) {
      const e = p.expires_at as number;
      if (e < now + 30 * 60) throw invalid("The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.", "expires_at");
      if (e > now + DAY) throw invalid("The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.", "expires_at");
      expiresAt = e;
    }
    const sd = (p.subscription_data as Dict | undefined) ?? {};
    let trialDays = (sd.trial_period_days as number | undefined) ?? null;
    if (sd.trial_end !== undefined) {
      const te = sd.trial_end as number;
      if (te < now + 2 * DAY) throw invalid("The `trial_end` date has to be at least 2 days in the future.", "subscription_data[trial_end]");
      trialDays = Math.ceil((te - now) / DAY);
    }
    const pid = (p.payment_intent_data as Dict | undefined) ?? {};
    const sid = (p.setup_intent_data as Dict | undefined) ?? {};

    const sessionId = newId("cs_test", 58);
    const hosted = uiMode === "hosted_page";
    const session: Session = {
      id: sessionId,
      object: "checkout.session",
      adaptive_pricing: { enabled: false },
      after_expiration: null,
      allow_promotion_codes: (p.allow_promotion_codes as boolean | undefined) ?? null,
      allowed_payment_method_types: null,
      amount_subtotal: null,
      amount_total: null,
      automatic_tax: (p.automatic_tax as Dict | undefined)?.enabled === true
        ? { enabled: true, liability: { type: "self" }, provider: "stripe", status: "requires_location_inputs" }
        : { enabled: false, liability: null, provider: null, status: null },
      billing_address_collection: (p.billing_address_collection as string | undefined) ?? null,
      cancel_url: (p.cancel_url as string | undefined) ?? null,
      client_reference_id: (p.client_reference_id as string | undefined) ?? null,
      client_secret: hosted ? null : `${sessionId}_secret_${randomId(24)}`,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
      customer: customer?.id ?? null,
      customer_account: null,
      customer_creation: mode === "subscription" ? null : ((p.customer_creation as string | undefined) ?? "if_required"),
      customer_details: customer ? { address: null, business_name: null, email: customer.email, individual_name: null, name: customer.name, phone: null, tax_exempt: "none", tax_ids: null } : null,
      customer_email: (p.customer_email as string | undefined) ?? null,
      discounts: [],
      expires_at: expiresAt,
      integration_identifier: null,
      invoice: null,
      invoice_creation: mode === "payment" ? { enabled: false, invoice_data: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: null, metadata: {}, rendering_options: null } } : null,
      livemode: false,
      locale: (p.locale as string | undefined) ?? null,
      managed_payments: null,
      metadata: (p.metadata as Meta | undefined) ?? {},
      mode,
      origin_context: null,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: mode === "payment" ? null : "always",
      payment_method_configuration_details: null,
      payment_method_options: { card: { request_three_d_secure: "automatic" } },
      payment_method_types: (p.payment_method_types as string[] | undefined) ?? ["card"],
      payment_status: mode === "setup" ? "no_payment_required" : "unpaid",
      permissions: null,
      phone_number_collection: { enabled: false },
      recovered_from: null,
      saved_payment_method_options: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: "open",
      submit_type: (p.submit_type as string | undefined) ?? null,
      subscription: null,
      success_url: (p.success_url as string | undefined) ?? null,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: uiMode,
      url: hosted ? this.payUrl(sessionId) : null,
      wallet_options: null,
    };
    if (!hosted) {
      if (p.return_url !== undefined) session.return_url = p.return_url as string;
      session.redirect_on_completion = (p.redirect_on_completion as string | undefined) ?? "always";
    }
    if (mode === "setup") session.total_details = { amount_discount: 0, amount_shipping: 0, amount_tax: 0 };
    const internal: SessionInternal = {
      lineItems,
      trialDays,
      subscriptionMetadata: (sd.metadata as Meta | undefined) ?? {},
      subscriptionDescription: (sd.description as string | undefined) ?? null,
      paymentIntentMetadata: (pid.metadata as Meta | undefined) ?? {},
      paymentIntentDescription: (pid.description as string | undefined) ?? null,
      setupIntentMetadata: (sid.metadata as Meta | undefined) ?? {},
      customerCreation: (p.customer_creation as SessionInternal["customerCreation"] | undefined) ?? null,
      coupon,
      promotionCode: promo,
      pendingAuth: new Map(),
    };
    this.recomputeTotals(session, internal);
    this.put(session);
    this.sessions.set(sessionId, internal);
    return { body: this.expand(session, p.expand) };
  }

  private payUrl(sessionId: string): string {
    return `${this.ctx.origin()}/pay/stripe/${sessionId}`;
  }

  private listSessions(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      ...LIST_PARAMS,
      payment_intent: S.str(),
      subscription: S.str(),
      customer: S.str(),
      status: S.str({ enum: ["open", "complete", "expired"] }),
      customer_details: S.obj({ email: S.str() }, ["email"]),
      payment_link: S.str(),
      customer_account: S.any(),
    });
    let all = this.allOf("checkout.session") as Session[];
    for (const k of ["payment_intent", "subscription", "customer", "status"] as const) {
      if (p[k] !== undefined) all = all.filter((s) => s[k] === p[k]);
    }
    const email = (p.customer_details as Dict | undefined)?.email;
    if (email !== undefined) all = all.filter((s) => (s.customer_details?.email ?? null) === email);
    return { body: this.paginate(all, p, "/v1/checkout/sessions") };
  }

  private requireSession(id: string, status = 404, param = "session"): Session {
    const s = this.get<Session>(id, "checkout.session");
    if (!s) throw missingResource("checkout.session", id, param, status);
    return s;
  }

  private updateSession(c: ApiCall): ApiResult {
    const p = validate(c.params, { metadata: S.meta(), expand: expandSchema, collected_information: S.any(), line_items: S.any(), shipping_options: S.any() });
    const s = this.requireSession(c.path.id);
    if (p.metadata !== undefined) {
      const raw = (c.params.metadata ?? {}) as Dict;
      for (const [k, v] of Object.entries(raw)) {
        if (v === "") delete s.metadata[k];
        else s.metadata[k] = String(v);
      }
    } else if (c.params.metadata === "") s.metadata = {};
    return { body: this.expand(s, p.expand) };
  }

  private expireSessionApi(c: ApiCall): ApiResult {
    const p = validate(c.params, { expand: expandSchema });
    const s = this.requireSession(c.path.id);
    if (s.status !== "open") {
      // unconfirmed wording
      throw invalid(`Only Checkout Sessions with a status in ["open"] can be expired. This session has status "${s.status}".`, "session");
    }
    this.expireSession(s, c.request);
    return { body: this.expand(s, p.expand) };
  }

  private expireSession(s: Session, request: RequestInfo | null): void {
    s.status = "expired";
    s.url = null;
    const internal = this.sessions.get(s.id);
    internal?.pendingAuth.clear();
    this.emit("checkout.session.expired", s, request);
  }

  private sessionLineItems(c: ApiCall): ApiResult {
    const p = validate(c.params, LIST_PARAMS);
    this.requireSession(c.path.id);
    const items = this.sessions.get(c.path.id)!.lineItems;
    return { body: this.paginate(items, p, `/v1/checkout/sessions/${c.path.id}/line_items`) };
  }

  // ── paying: card outcome, then completion ──

  /** The amount charged right now (0 for setup mode, trials without one-time items, 100 % off). */
  private chargedNow(s: Session): number {
    return s.mode === "setup" ? 0 : (s.amount_total ?? 0);
  }

  private pay(s: Session, details: PayerDetails, authenticated: boolean): { outcome: CardOutcome; redirectUrl?: string } {
    const outcome = cardOutcome(details.card.number, this.chargedNow(s) > 0);
    if (outcome.kind === "requires_action" && !authenticated) return { outcome };
    if (outcome.kind === "declined") return { outcome };
    return { outcome: OK, redirectUrl: this.complete(s, details) };
  }

  private redirectTarget(s: Session): string {
    const base = s.ui_mode === "embedded_page" ? (s.return_url ?? "") : (s.success_url ?? "");
    return base.split("{CHECKOUT_SESSION_ID}").join(s.id);
  }

  private makeCharge(amount: number, currency: string, customer: string | null, details: PayerDetails, metadata: Meta, description: string | null): { pi: PaymentIntent; charge: Charge } {
    const now = this.now();
    const piId = newId("pi", 24);
    const pm = newId("pm", 24);
    // Field for field as Charges.d.ts (Charge) and Stripe's OpenAPI fixture `charge` have them;
    // Connect, Sources, receipts and Radar reviews are not emulated (null).
    const charge = this.put<Charge>({
      id: newId("ch", 24),
      object: "charge",
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      application: null,
      application_fee: null,
      application_fee_amount: null,
      balance_transaction: newId("txn", 24),
      billing_details: { address: cardAddress(), email: details.email, name: details.name, phone: null, tax_id: null },
      calculated_statement_descriptor: "CHECKOUT SANDBOX",
      captured: true,
      created: now,
      currency,
      customer,
      description,
      disputed: false,
      failure_balance_transaction: null,
      failure_code: null,
      failure_message: null,
      fraud_details: {},
      livemode: false,
      metadata,
      on_behalf_of: null,
      outcome: {
        advice_code: null,
        network_advice_code: null,
        network_decline_code: null,
        network_status: "approved_by_network",
        reason: null,
        risk_level: "normal",
        seller_message: "Payment complete.",
        type: "authorized",
      },
      paid: true,
      payment_intent: piId,
      payment_method: pm,
      payment_method_details: {
        type: "card",
        card: {
          amount_authorized: amount,
          authorization_code: null,
          brand: details.card.brand,
          checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
          country: "US",
          exp_month: details.card.expMonth,
          exp_year: details.card.expYear,
          extended_authorization: { status: "disabled" },
          fingerprint: randomId(16),
          funding: "credit",
          incremental_authorization: { status: "unavailable" },
          installments: null,
          last4: details.card.last4,
          mandate: null,
          multicapture: { status: "unavailable" },
          network: details.card.brand,
          network_token: { used: false },
          network_transaction_id: randomId(15),
          overcapture: { maximum_amount_capturable: amount, status: "unavailable" },
          regulated_status: "unregulated",
          three_d_secure: null,
          transaction_link_id: null,
          wallet: null,
        },
      },
      receipt_email: null,
      receipt_number: null,
      receipt_url: null,
      refunded: false,
      review: null,
      shipping: null,
      source: null,
      source_transfer: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: "succeeded",
      transfer_data: null,
      transfer_group: null,
    });
    const pi = this.put<PaymentIntent>({
      id: piId,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: amount,
      capture_method: "automatic_async",
      client_secret: `${piId}_secret_${randomId(24)}`,
      confirmation_method: "automatic",
      created: now,
      currency,
      customer,
      description,
      last_payment_error: null,
      latest_charge: charge.id,
      livemode: false,
      metadata,
      payment_method: pm,
      payment_method_types: ["card"],
      receipt_email: null,
      status: "succeeded",
    });
    return { pi, charge };
  }

  /** A renewal whose card was declined: the PaymentIntent waits for another payment method (no charge kept). */
  private makeFailedIntent(amount: number, currency: string, customer: string | null, description: string | null): PaymentIntent {
    const piId = newId("pi", 24);
    return this.put<PaymentIntent>({
      id: piId,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      capture_method: "automatic_async",
      client_secret: `${piId}_secret_${randomId(24)}`,
      confirmation_method: "automatic",
      created: this.now(),
      currency,
      customer,
      description,
      last_payment_error: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined.", type: "card_error" },
      latest_charge: null,
      livemode: false,
      metadata: {},
      payment_method: null,
      payment_method_types: ["card"],
      receipt_email: null,
      status: "requires_payment_method",
    });
  }

  private invoicePaymentsOf(invoiceId: string): SObj[] {
    return this.allOf("invoice_payment").filter((p) => p.invoice === invoiceId);
  }

  private listInvoicePayments(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      ...LIST_PARAMS,
      invoice: S.str(),
      status: S.str({ enum: ["canceled", "open", "paid"] }),
      payment: S.obj({ type: S.str({ enum: ["payment_intent", "payment_record"] }), payment_intent: S.str(), payment_record: S.str() }, ["type"]),
    });
    let all = this.allOf("invoice_payment");
    if (typeof p.invoice === "string") all = all.filter((x) => x.invoice === p.invoice);
    if (typeof p.status === "string") all = all.filter((x) => x.status === p.status);
    const payment = p.payment as Dict | undefined;
    if (payment) all = all.filter((x) => (x.payment as Dict).type === payment.type && (payment.payment_intent === undefined || (x.payment as Dict).payment_intent === payment.payment_intent));
    return { body: this.paginate(all, p, "/v1/invoice_payments") };
  }

  /** Marks the session paid and creates what Stripe creates; returns the redirect URL. */
  private complete(s: Session, details: PayerDetails): string {
    const internal = this.sessions.get(s.id)!;
    const now = this.now();
    let customer = this.get<Customer>(s.customer, "customer");
    // Payment mode creates a Customer only with customer_creation=always (Stripe's
    // "if_required" default makes a guest); setup and subscription mode always do.
    if (!customer && (s.mode !== "payment" || internal.customerCreation === "always")) {
      customer = this.makeCustomer(details.email, details.name);
    }
    s.customer = customer?.id ?? null;
    s.customer_details = { address: cardAddress(), business_name: null, email: details.email, individual_name: null, name: details.name, phone: null, tax_exempt: "none", tax_ids: [] };
    s.collected_information = { business_name: null, individual_name: null, shipping_details: null };
    const charged = this.chargedNow(s);
    const emitted: Array<[string, SObj]> = [];

    if (s.mode === "payment") {
      if (charged > 0) {
        const { pi } = this.makeCharge(charged, s.currency!, s.customer, details, internal.paymentIntentMetadata, internal.paymentIntentDescription);
        s.payment_intent = pi.id;
        s.payment_status = "paid";
      } else s.payment_status = "no_payment_required";
    } else if (s.mode === "setup") {
      const seti = this.put<SObj>({
        id: newId("seti", 24),
        object: "setup_intent",
        client_secret: `seti_${randomId(24)}_secret_${randomId(24)}`,
        created: now,
        customer: s.customer,
        description: null,
        last_setup_error: null,
        livemode: false,
        metadata: internal.setupIntentMetadata,
        payment_method: newId("pm", 24),
        payment_method_types: ["card"],
        status: "succeeded",
        usage: "off_session",
      });
      s.setup_intent = seti.id;
      s.payment_status = "no_payment_required";
    } else {
      const { sub, invoice } = this.createSubscription(s, internal, customer!, details);
      s.subscription = sub.id;
      s.invoice = invoice.id;
      s.payment_status = charged > 0 ? "paid" : "no_payment_required";
      emitted.push(["customer.subscription.created", sub], ["invoice.paid", invoice]);
    }
    if (internal.promotionCode) internal.promotionCode.times_redeemed++;
    if (internal.coupon) internal.coupon.times_redeemed++;
    s.status = "complete";
    s.url = null;
    internal.pendingAuth.clear();
    for (const [type, obj] of emitted) this.emit(type, obj, null);
    this.emit("checkout.session.completed", s, null);
    this.ctx.log(`[stripe] ${s.id} completed (${s.mode}, ${s.payment_status})`);
    return this.redirectTarget(s);
  }

  // ── subscriptions and invoices ──

  private createSubscription(s: Session, internal: SessionInternal, customer: Customer, details: PayerDetails): { sub: Subscription; invoice: Invoice } {
    const now = this.now();
    const subId = newId("sub", 24);
    const recurring = internal.lineItems.filter((li) => li.price.recurring);
    const r = recurring[0].price.recurring!;
    const trialEnd = internal.trialDays !== null ? now + internal.trialDays * DAY : null;
    const periodEnd = trialEnd ?? addInterval(now, r.interval, r.interval_count);
    const items: SubscriptionItem[] = recurring.map((li) => ({
      id: newId("si", 14),
      object: "subscription_item",
      billing_thresholds: null,
      created: now,
      current_period_end: periodEnd,
      current_period_start: now,
      discounts: [],
      metadata: {},
      plan: this.planOf(li.price),
      price: clone(li.price),
      quantity: li.quantity,
      subscription: subId,
      tax_rates: [],
    }));
    const sub = this.put<Subscription>({
      id: subId,
      object: "subscription",
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: periodEnd,
      billing_cycle_anchor_config: null,
      billing_mode: { flexible: null, type: "classic" },
      billing_schedules: [],
      billing_thresholds: null,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
      collection_method: "charge_automatically",
      created: now,
      currency: s.currency!,
      customer: customer.id,
      customer_account: null,
      days_until_due: null,
      default_payment_method: newId("pm", 24),
      default_source: null,
      default_tax_rates: [],
      description: internal.subscriptionDescription,
      discounts: [],
      ended_at: null,
      invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
      items: { object: "list", data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${subId}` },
      latest_invoice: null,
      livemode: false,
      managed_payments: null,
      metadata: { ...internal.subscriptionMetadata },
      next_pending_invoice_item_invoice: null,
      on_behalf_of: null,
      pause_collection: null,
      payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
      pending_invoice_item_interval: null,
      pending_setup_intent: null,
      pending_update: null,
      schedule: null,
      start_date: now,
      status: trialEnd !== null ? "trialing" : "active",
      test_clock: null,
      transfer_data: null,
      trial_end: trialEnd,
      trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
      trial_start: trialEnd !== null ? now : null,
    });
    this.subs.set(subId, { coupon: internal.coupon, invoicesBilled: 0, failNextRenewal: false, trialWillEndSent: false });
    // First invoice: recurring items for the first period (0 during a trial) plus one-time items.
    const lines = internal.lineItems.map((li) => ({
      price: li.price,
      quantity: li.quantity,
      amount: trialEnd !== null && li.price.recurring ? 0 : li.amount_subtotal,
      period: { start: now, end: li.price.recurring ? periodEnd : now },
      item: items.find((it) => it.price.id === li.price.id) ?? null,
      description: li.price.recurring
        ? `${trialEnd !== null ? "Trial period for " : ""}${li.quantity} × ${li.description}`
        : `${li.quantity} × ${li.description}`,
    }));
    const invoice = this.makeInvoice(sub, "subscription_create", lines, details, true, internal.reported ? (s.amount_total ?? 0) : null);
    sub.latest_invoice = invoice.id;
    return { sub, invoice };
  }

  private planOf(price: Price): Dict {
    return {
      id: price.id,
      object: "plan",
      active: price.active,
      amount: price.unit_amount,
      amount_decimal: price.unit_amount_decimal,
      billing_scheme: "per_unit",
      created: price.created,
      currency: price.currency,
      interval: price.recurring!.interval,
      interval_count: price.recurring!.interval_count,
      livemode: false,
      metadata: price.metadata,
      meter: null,
      nickname: null,
      product: price.product,
      tiers_mode: null,
      transform_usage: null,
      trial_period_days: null,
      usage_type: "licensed",
    };
  }

  private couponApplies(sub: Subscription): Coupon | null {
    const si = this.subs.get(sub.id);
    const coupon = si?.coupon ?? null;
    if (!coupon || !si) return null;
    if (coupon.duration === "forever") return coupon;
    if (coupon.duration === "once") return si.invoicesBilled === 0 ? coupon : null;
    const months = (this.now() - sub.start_date) / (30 * DAY);
    return months < (coupon.duration_in_months ?? 0) ? coupon : null;
  }

  private makeInvoice(
    sub: Subscription,
    reason: "subscription_create" | "subscription_cycle",
    lines: Array<{ price: Price; quantity: number; amount: number; period: { start: number; end: number }; item: SubscriptionItem | null; description: string }>,
    details: PayerDetails | null,
    paid: boolean,
    reportedTotal: number | null = null,
  ): Invoice {
    const now = this.now();
    const invId = newId("in", 24);
    const customer = this.get<Customer>(sub.customer, "customer");
    const subtotal = lines.reduce((a, l) => a + l.amount, 0);
    const coupon = this.couponApplies(sub);
    const discount = discountFor(coupon, subtotal);
    const shares = spread(discount, lines.map((l) => l.amount));
    // A completion reported with another amount (test control) bills that amount. unconfirmed
    const total = reportedTotal ?? subtotal - discount;
    const si = this.subs.get(sub.id);
    if (si) si.invoicesBilled++;
    let pi: PaymentIntent | null = null;
    const description = reason === "subscription_create" ? "Subscription creation" : "Subscription update";
    if (paid && total > 0) {
      const payer: PayerDetails = details ?? { email: customer?.email ?? "", name: customer?.name ?? null, card: { number: "4242424242424242", last4: "4242", brand: "visa", expMonth: 12, expYear: 2099 } };
      pi = this.makeCharge(total, sub.currency, sub.customer, payer, {}, description).pi;
    } else if (!paid && total > 0) {
      pi = this.makeFailedIntent(total, sub.currency, sub.customer, description);
    }
    const seq = customer ? Number(customer.next_invoice_sequence ?? 1) : ++this.invoiceSeq;
    if (customer) customer.next_invoice_sequence = seq + 1;
    const periodStart = reason === "subscription_create" ? now : (lines[0]?.period.start ?? now);
    const invoice = this.put<Invoice>({
      id: invId,
      object: "invoice",
      account_country: "US",
      account_name: "Checkout Sandbox",
      account_tax_ids: null,
      amount_due: total,
      amount_overpaid: 0,
      amount_paid: paid ? total : 0,
      amount_remaining: paid ? 0 : total,
      amount_shipping: 0,
      application: null,
      attempt_count: 1,
      attempted: true,
      auto_advance: !paid,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: reason,
      collection_method: "charge_automatically",
      created: now,
      currency: sub.currency,
      custom_fields: null,
      customer: sub.customer,
      customer_account: null,
      customer_address: null,
      customer_email: customer?.email ?? null,
      customer_name: customer?.name ?? null,
      customer_phone: null,
      customer_shipping: null,
      customer_tax_exempt: "none",
      customer_tax_ids: [],
      default_payment_method: null,
      default_source: null,
      default_tax_rates: [],
      description: null,
      discounts: [],
      due_date: null,
      effective_at: now,
      ending_balance: 0,
      footer: null,
      from_invoice: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: "self" },
      last_finalization_error: null,
      latest_revision: null,
      lines: {
        object: "list",
        data: lines.map((l, i) => ({
          id: newId("il", 24),
          object: "line_item",
          amount: l.amount - shares[i],
          currency: sub.currency,
          description: l.description,
          discount_amounts: shares[i] && coupon ? [{ amount: shares[i], discount: `di_${randomId(14)}` }] : [],
          discountable: true,
          discounts: [],
          invoice: invId,
          livemode: false,
          metadata: {},
          parent: l.item
            ? {
                invoice_item_details: null,
                subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: l.item.id },
                type: "subscription_item_details",
              }
            : { invoice_item_details: { invoice_item: newId("ii", 24), proration: false, proration_details: { credited_items: null }, subscription: sub.id }, subscription_item_details: null, type: "invoice_item_details" },
          period: l.period,
          pretax_credit_amounts: [],
          pricing: { price_details: { price: l.price.id, product: l.price.product }, type: "price_details", unit_amount_decimal: l.price.unit_amount_decimal },
          quantity: l.quantity,
          quantity_decimal: String(l.quantity),
          subscription: sub.id,
          subtotal: l.amount,
          taxes: [],
        })),
        has_more: false,
        total_count: lines.length,
        url: `/v1/invoices/${invId}/lines`,
      },
      livemode: false,
      metadata: {},
      next_payment_attempt: paid ? null : now + DAY,
      number: `${customer?.invoice_prefix ?? "SANDBOX"}-${String(seq).padStart(4, "0")}`,
      on_behalf_of: null,
      parent: { quote_details: null, subscription_details: { metadata: { ...sub.metadata }, subscription: sub.id }, type: "subscription_details" },
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_end: now,
      period_start: periodStart,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      rendering: null,
      shipping_cost: null,
      shipping_details: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: paid ? "paid" : "open",
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: paid ? now : null, voided_at: null },
      subtotal,
      subtotal_excluding_tax: subtotal,
      test_clock: null,
      total,
      total_discount_amounts: discount && coupon ? [{ amount: discount, discount: `di_${randomId(14)}` }] : [],
      total_excluding_tax: total,
      total_pretax_credit_amounts: [],
      total_taxes: [],
      webhooks_delivered_at: now,
    });
    // Since 2025-03-31 the invoice's payment is an InvoicePayment (GET /v1/invoice_payments,
    // or the includable `payments`), no longer `payment_intent` on the invoice.
    if (pi) {
      this.put<SObj>({
        id: newId("inpay", 24),
        object: "invoice_payment",
        amount_paid: paid ? total : null,
        amount_requested: total,
        created: now,
        currency: sub.currency,
        invoice: invId,
        is_default: true,
        livemode: false,
        payment: { payment_intent: pi.id, type: "payment_intent" },
        status: paid ? "paid" : "open",
        status_transitions: { canceled_at: null, paid_at: paid ? now : null },
      });
    }
    return invoice;
  }

  private periodEnd(sub: Subscription): number {
    return sub.items.data[0]?.current_period_end ?? sub.created;
  }

  /** Starts the next period: new invoice (paid, or open if a failure was requested). */
  private renew(sub: Subscription, request: RequestInfo | null, forceFail = false): void {
    const si = this.subs.get(sub.id)!;
    const previous: Dict = { items: clone(sub.items), latest_invoice: sub.latest_invoice, status: sub.status };
    const start = this.periodEnd(sub);
    for (const item of sub.items.data) {
      const r = item.price.recurring!;
      item.current_period_start = start;
      item.current_period_end = addInterval(start, r.interval, r.interval_count);
    }
    const fail = forceFail || si.failNextRenewal;
    si.failNextRenewal = false;
    const lines = sub.items.data.map((item) => {
      const product = this.get<Product>(item.price.product, "product");
      return {
        price: item.price,
        quantity: item.quantity,
        amount: Math.round(Number(item.price.unit_amount_decimal ?? item.price.unit_amount ?? 0) * item.quantity),
        period: { start: item.current_period_start, end: item.current_period_end },
        item,
        description: `${item.quantity} × ${product?.name ?? item.price.id}`,
      };
    });
    const invoice = this.makeInvoice(sub, "subscription_cycle", lines, null, !fail);
    sub.latest_invoice = invoice.id;
    sub.status = fail ? "past_due" : "active";
    if (previous.status === sub.status) delete previous.status;
    this.emit("customer.subscription.updated", sub, request, previous);
    this.emit(fail ? "invoice.payment_failed" : "invoice.paid", invoice, request);
  }

  private endSubscription(sub: Subscription, request: RequestInfo | null, at: number): void {
    sub.status = "canceled";
    sub.ended_at = at;
    sub.canceled_at = sub.canceled_at ?? at;
    if (!sub.cancellation_details.reason) sub.cancellation_details.reason = "cancellation_requested";
    this.emit("customer.subscription.deleted", sub, request);
  }

  private requireSubscription(id: string): Subscription {
    const sub = this.get<Subscription>(id, "subscription");
    if (!sub) throw missingResource("subscription", id, "id", 404);
    return sub;
  }

  private updateSubscription(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      cancel_at_period_end: S.bool(),
      cancel_at: S.int(),
      metadata: S.meta(),
      description: S.str({ max: 500 }),
      cancellation_details: S.obj({ comment: S.str({ max: 5000 }), feedback: S.str() }),
      proration_behavior: S.any(),
      expand: expandSchema,
    });
    const sub = this.requireSubscription(c.path.id);
    const keys = Object.keys(p).filter((k) => k !== "expand");
    if (sub.status === "canceled" && keys.some((k) => k !== "metadata" && k !== "cancellation_details")) {
      throw invalid("A canceled subscription can only update its cancellation_details and metadata.", keys.find((k) => k !== "metadata" && k !== "cancellation_details"));
    }
    const previous: Dict = {};
    const set = <K extends keyof Subscription>(k: K, v: Subscription[K]) => {
      if (JSON.stringify(sub[k]) === JSON.stringify(v)) return;
      if (!(k in previous)) previous[k as string] = clone(sub[k]);
      sub[k] = v;
    };
    if (p.cancel_at_period_end === true) {
      set("cancel_at_period_end", true);
      set("cancel_at", this.periodEnd(sub));
      set("canceled_at", sub.canceled_at ?? this.now());
      set("cancellation_details", { ...sub.cancellation_details, reason: "cancellation_requested" });
    } else if (p.cancel_at_period_end === false) {
      set("cancel_at_period_end", false);
      set("cancel_at", null);
      set("canceled_at", null);
      set("cancellation_details", { comment: null, feedback: null, reason: null });
    }
    if (p.cancel_at !== undefined) {
      set("cancel_at", p.cancel_at as number);
      set("cancel_at_period_end", (p.cancel_at as number) === this.periodEnd(sub));
    } else if (c.params.cancel_at === "") {
      set("cancel_at", null);
    }
    if (p.metadata !== undefined || c.params.metadata !== undefined) {
      const next = { ...sub.metadata };
      const raw = c.params.metadata;
      if (raw === "") Object.keys(next).forEach((k) => delete next[k]);
      else for (const [k, v] of Object.entries((raw ?? {}) as Dict)) {
        if (v === "") delete next[k];
        else next[k] = String(v);
      }
      set("metadata", next);
    }
    if (p.description !== undefined) set("description", p.description as string);
    if (p.cancellation_details !== undefined) {
      const cd = p.cancellation_details as Dict;
      set("cancellation_details", { ...sub.cancellation_details, comment: (cd.comment as string | undefined) ?? sub.cancellation_details.comment, feedback: (cd.feedback as string | undefined) ?? sub.cancellation_details.feedback });
    }
    if (Object.keys(previous).length > 0) this.emit("customer.subscription.updated", sub, c.request, previous);
    return { body: this.expand(sub, p.expand) };
  }

  private cancelSubscriptionApi(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      invoice_now: S.bool(),
      prorate: S.bool(),
      cancellation_details: S.obj({ comment: S.str({ max: 5000 }), feedback: S.str() }),
      expand: expandSchema,
    });
    const sub = this.requireSubscription(c.path.id);
    if (sub.status === "canceled") {
      // unconfirmed wording
      throw invalid(`No such subscription: '${sub.id}'; it has already been canceled.`, "id", "resource_missing", 404);
    }
    const cd = (p.cancellation_details as Dict | undefined) ?? {};
    sub.cancellation_details = {
      comment: (cd.comment as string | undefined) ?? sub.cancellation_details.comment,
      feedback: (cd.feedback as string | undefined) ?? sub.cancellation_details.feedback,
      reason: "cancellation_requested",
    };
    sub.canceled_at = this.now();
    this.endSubscription(sub, c.request, this.now());
    return { body: this.expand(sub, p.expand) };
  }

  // ── refunds ──

  private createRefund(c: ApiCall): ApiResult {
    const p = validate(c.params, {
      payment_intent: S.str(),
      charge: S.str(),
      amount: S.int({ min: 1 }),
      reason: S.str({ enum: ["duplicate", "fraudulent", "requested_by_customer"] }),
      metadata: S.meta(),
      expand: expandSchema,
      instructions_email: S.any(),
      origin: S.any(),
      refund_application_fee: S.any(),
      reverse_transfer: S.any(),
      currency: S.any(),
      customer: S.any(),
    });
    let charge: Charge | undefined;
    if (p.charge !== undefined && p.payment_intent !== undefined) {
      throw invalid("You may only specify one of these parameters: charge, payment_intent.", "charge", "parameters_exclusive");
    }
    if (typeof p.payment_intent === "string") {
      const pi = this.get<PaymentIntent>(p.payment_intent, "payment_intent");
      if (!pi) throw missingResource("payment_intent", p.payment_intent, "payment_intent", 400);
      charge = this.get<Charge>(pi.latest_charge, "charge");
      if (!charge) throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, "payment_intent");
    } else if (typeof p.charge === "string") {
      charge = this.get<Charge>(p.charge, "charge");
      if (!charge) throw missingResource("charge", p.charge, "charge", 400);
    } else {
      throw invalid("One of the following params should be provided for this request: payment_intent or charge.", "payment_intent", "parameter_missing");
    }
    const chargedBack = this.allOf("dispute").find((d) => d.charge === charge!.id && d.is_charge_refundable === false && d.status !== "won");
    if (chargedBack) throw invalid(`Charge ${charge.id} has been charged back; cannot issue a refund.`, undefined, "charge_disputed"); // unconfirmed wording
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, "charge_already_refunded");
    const amount = (p.amount as number | undefined) ?? remaining;
    if (amount > remaining) {
      throw invalid(
        `Refund amount (${money(amount, charge.currency)}) is greater than unrefunded amount on charge (${money(remaining, charge.currency)})`,
        "amount",
        "amount_too_large",
      );
    }
    const refund = this.put<SObj>({
      id: newId("re", 24),
      object: "refund",
      amount,
      balance_transaction: newId("txn", 24),
      charge: charge.id,
      created: this.now(),
      currency: charge.currency,
      customer: charge.customer,
      customer_account: null,
      destination_details: { card: { reference_status: "pending", reference_type: "acquirer_reference_number", type: "refund" }, type: "card" },
      metadata: (p.metadata as Meta | undefined) ?? {},
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method ?? null,
      reason: (p.reason as string | undefined) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null,
    });
    const previous: Dict = { amount_refunded: charge.amount_refunded };
    charge.amount_refunded += amount;
    if (charge.amount_refunded === charge.amount) {
      previous.refunded = false;
      charge.refunded = true;
    }
    this.emit("charge.refunded", charge, c.request, previous);
    this.emit("refund.created", refund, c.request);
    return { body: this.expand(refund, p.expand) };
  }

  // ── events ──

  private listEvents(c: ApiCall): ApiResult {
    const p = validate(c.params, { ...LIST_PARAMS, type: S.str(), types: S.arr(S.str(), 20), delivery_success: S.any() });
    let all = [...this.events].reverse();
    if (typeof p.type === "string") {
      const pattern = new RegExp(`^${p.type.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
      all = all.filter((e) => pattern.test(e.type));
    }
    if (Array.isArray(p.types)) all = all.filter((e) => (p.types as string[]).includes(e.type));
    return { body: this.paginate(all, p, "/v1/events") };
  }

  private retrieveEvent(c: ApiCall): ApiResult {
    validate(c.params, { expand: expandSchema });
    const e = this.events.find((x) => x.id === c.path.id);
    if (!e) throw missingResource("event", c.path.id, "id", 404);
    return { body: clone(e) };
  }

  // ── time ──

  tick(): void {
    const now = this.now();
    for (const o of this.objects.values()) {
      if (o.object === "checkout.session") {
        const s = o as Session;
        if (s.status === "open" && s.expires_at <= now) this.expireSession(s, null);
      }
    }
    for (const [subId, si] of this.subs) {
      const sub = this.get<Subscription>(subId, "subscription");
      if (!sub || sub.status === "canceled") continue;
      if (sub.status === "trialing" && sub.trial_end !== null && !si.trialWillEndSent && sub.trial_end - 3 * DAY <= now && sub.trial_end > now) {
        si.trialWillEndSent = true;
        this.emit("customer.subscription.trial_will_end", sub, null);
      }
      for (let guard = 0; guard < 500; guard++) {
        const end = this.periodEnd(sub);
        if (sub.cancel_at !== null && sub.cancel_at <= now && sub.cancel_at <= end) {
          this.endSubscription(sub, null, sub.cancel_at);
          break;
        }
        if (end > now) break;
        this.renew(sub, null);
      }
    }
  }

  // ── hosted checkout page ──

  private async handlePage(r: ProviderRequest): Promise<boolean> {
    const auth = match("/pay/stripe/:id/authenticate", r.path);
    if (auth) {
      if (r.method !== "POST") {
        redirect(r.res, `/pay/stripe/${encodeURIComponent(auth.id)}`, 303);
        return true;
      }
      await this.pageAuthenticate(r, auth.id);
      return true;
    }
    const m = match("/pay/stripe/:id", r.path);
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
    return { provider: "stripe", sessionId: s.id, ...extra };
  }

  /** Not open → an explanatory page. Returns true when it answered. */
  private pageForClosed(r: ProviderRequest, s: Session | undefined, id: string): s is undefined {
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
    if (s.status === "expired") {
      sendHtml(
        r.res,
        410,
        messagePage(
          LABEL,
          "This checkout session has expired",
          ["Checkout sessions expire 24 hours after they are created, or earlier when the merchant ends them. No payment was taken.", "Go back to the merchant's site to start a new checkout."],
          s.cancel_url ? { href: s.cancel_url, text: "Back to the merchant", cancel: true } : undefined,
          this.frame(s),
          s.locale ?? undefined,
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
          s.locale ?? undefined,
        ),
      );
      return true;
    }
    return false;
  }

  private pageShow(r: ProviderRequest, id: string): void {
    const s = this.get<Session>(id, "checkout.session");
    if (this.pageForClosed(r, s, id) || !s) return;
    sendHtml(r.res, 200, this.renderPay(s, {}));
  }

  private lockedEmail(s: Session): string | null {
    if (s.customer_email) return s.customer_email;
    const c = this.get<Customer>(s.customer, "customer");
    return c?.email ?? null;
  }

  private async pageSubmit(r: ProviderRequest, id: string): Promise<void> {
    const s = this.get<Session>(id, "checkout.session");
    if (this.pageForClosed(r, s, id) || !s) return;
    const internal = this.sessions.get(s.id)!;
    const form = flatForm(await r.body());
    const embedded = form.embedded === "1";
    const intent = form.intent ?? "pay";

    if (intent === "apply_promotion_code" || intent === "remove_promotion_code") {
      if (!s.allow_promotion_codes) {
        sendHtml(r.res, 400, this.renderPay(s, { alert: "Promotion codes are not enabled for this checkout." }));
        return;
      }
      if (intent === "remove_promotion_code") {
        internal.coupon = null;
        internal.promotionCode = null;
        this.recomputeTotals(s, internal);
        sendHtml(r.res, 200, this.renderPay(s, { notice: "Promotion code removed." }));
        return;
      }
      const code = (form.promotion_code ?? "").trim();
      const promo = (this.allOf("promotion_code") as PromotionCode[]).find((x) => x.code.toLowerCase() === code.toLowerCase());
      const problem = !code ? "Enter a promotion code." : !promo ? "This code is invalid." : this.promoProblem(promo);
      const coupon = promo ? this.get<Coupon>(promo.promotion.coupon, "coupon") : undefined;
      const currencyProblem = coupon && coupon.amount_off !== null && coupon.currency !== s.currency ? "This code is invalid." : null;
      if (problem || currencyProblem || !promo || !coupon) {
        sendHtml(r.res, 400, this.renderPay(s, { errors: { promo: problem ?? currencyProblem ?? "This code is invalid." }, values: { promotion_code: code } }));
        return;
      }
      internal.coupon = coupon;
      internal.promotionCode = promo;
      this.recomputeTotals(s, internal);
      sendHtml(r.res, 200, this.renderPay(s, { notice: `Promotion code ${promo.code} applied.` }));
      return;
    }

    const locked = this.lockedEmail(s);
    const email = (locked ?? form.email ?? "").trim();
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
    const details: PayerDetails = { email, name: values.name.trim() || null, card: parsed.card };
    const result = this.pay(s, details, false);
    if (result.outcome.kind === "requires_action") {
      const token = randomUUID();
      internal.pendingAuth.set(token, { details, embedded });
      sendHtml(r.res, 200, this.renderAuth(s, token, details, embedded));
      return;
    }
    if (result.outcome.kind === "declined") {
      sendHtml(r.res, 402, this.renderPay(s, { alert: result.outcome.message, values }));
      return;
    }
    this.respondCompleted(r, s, result.redirectUrl!, embedded);
  }

  private async pageAuthenticate(r: ProviderRequest, id: string): Promise<void> {
    const s = this.get<Session>(id, "checkout.session");
    if (this.pageForClosed(r, s, id) || !s) return;
    const internal = this.sessions.get(s.id)!;
    const form = flatForm(await r.body());
    const pending = internal.pendingAuth.get(form.token ?? "");
    if (!pending) {
      sendHtml(r.res, 400, this.renderPay(s, { alert: "This authentication attempt is no longer valid. Please enter your card details again." }));
      return;
    }
    internal.pendingAuth.delete(form.token!);
    const embedded = form.embedded === "1" || pending.embedded;
    const { card, email, name } = pending.details;
    const values = { email, name: name ?? "", card_number: card.number, card_expiry: `${String(card.expMonth).padStart(2, "0")} / ${String(card.expYear % 100).padStart(2, "0")}`, card_cvc: "" };
    if (form.result !== "complete") {
      sendHtml(r.res, 402, this.renderPay(s, { alert: AUTH_FAILED_MESSAGE, values }));
      return;
    }
    const result = this.pay(s, pending.details, true);
    if (result.outcome.kind !== "succeeded") {
      sendHtml(r.res, 402, this.renderPay(s, { alert: result.outcome.message, values }));
      return;
    }
    this.respondCompleted(r, s, result.redirectUrl!, embedded);
  }

  /** Top-level page: 303 to the success URL. Inside the overlay iframe: a page that posts "checkout.completed". */
  private respondCompleted(r: ProviderRequest, s: Session, redirectUrl: string, embedded: boolean): void {
    if (!embedded) {
      redirect(r.res, redirectUrl, 303);
      return;
    }
    sendHtml(
      r.res,
      200,
      messagePage(
        LABEL,
        s.mode === "setup" ? "Card saved" : "Payment complete",
        ["Thank you — returning you to the merchant…"],
        { href: redirectUrl, text: "Continue" },
        this.frame(s, { completed: { redirectUrl } }),
        s.locale ?? undefined,
      ),
    );
  }

  private renderPay(s: Session, view: PayView): string {
    const internal = this.sessions.get(s.id)!;
    const locale = s.locale && s.locale !== "auto" ? s.locale : "en-US";
    const cur = s.currency ?? "usd";
    const fmt = (n: number) => money(n, cur, locale);
    const errors = view.errors ?? {};
    const values = view.values ?? {};
    const trial = s.mode === "subscription" ? internal.trialDays : null;
    const recurring = internal.lineItems.filter((li) => li.price.recurring);
    const recurringTotal = recurring.reduce((a, li) => a + li.amount_subtotal, 0);
    const r0 = recurring[0]?.price.recurring ?? null;

    const rows = internal.lineItems
      .map((li) => {
        const unit = li.price.unit_amount ?? 0;
        const detail = [`Qty ${li.quantity}`, `${fmt(unit)} each`];
        if (li.price.recurring) detail.push(`billed ${intervalPhrase(li.price.recurring)}`);
        return `<tr><th scope="row">${esc(li.description)}<div class="muted">${esc(detail.join(" · "))}</div></th><td class="num">${esc(fmt(li.amount_subtotal))}</td></tr>`;
      })
      .join("");
    const discount = s.total_details.amount_discount;
    const coupon = internal.coupon;
    const foot =
      s.mode === "setup"
        ? ""
        : `<tfoot>
<tr><th scope="row">Subtotal</th><td class="num">${esc(fmt(s.amount_subtotal ?? 0))}</td></tr>
${discount > 0 ? `<tr><th scope="row">Discount${internal.promotionCode ? ` (${esc(internal.promotionCode.code)})` : coupon?.name ? ` (${esc(coupon.name)})` : ""}</th><td class="num">−${esc(fmt(discount))}</td></tr>` : ""}
<tr class="total"><th scope="row">Total due today</th><td class="num" id="amount-due">${esc(fmt(s.amount_total ?? 0))}</td></tr>
</tfoot>`;
    const table = s.mode === "setup" ? "" : `<table><caption>Order summary</caption><thead><tr><th scope="col">Item</th><th scope="col" class="num">Amount</th></tr></thead><tbody>${rows}</tbody>${foot}</table>`;
    const trialText = trial && r0 ? `<p><strong>${trial} days free</strong>, then ${esc(fmt(recurringTotal))} ${esc(intervalPhrase(r0))}.</p>` : "";
    const subText = !trial && r0 ? `<p class="muted">Then ${esc(fmt(recurringTotal))} ${esc(intervalPhrase(r0))} until you cancel.</p>` : "";

    let promo = "";
    if (s.allow_promotion_codes) {
      promo = internal.promotionCode
        ? `<form method="post" action="/pay/stripe/${esc(s.id)}" class="promo"><input type="hidden" name="intent" value="remove_promotion_code"><p>Code <strong>${esc(internal.promotionCode.code)}</strong> applied.</p><button type="submit" class="secondary">Remove code</button></form>`
        : `<form method="post" action="/pay/stripe/${esc(s.id)}" novalidate><input type="hidden" name="intent" value="apply_promotion_code"><div class="promo"><div><label for="promotion_code">Promotion code</label><input type="text" id="promotion_code" name="promotion_code" autocomplete="off" value="${esc(values.promotion_code ?? "")}"${errors.promo ? ' aria-invalid="true" aria-describedby="promotion_code-error"' : ""}></div><button type="submit" class="secondary">Apply</button></div>${errors.promo ? `<p class="field-error" id="promotion_code-error">${esc(errors.promo)}</p>` : ""}</form>`;
    }

    const heading = s.mode === "setup" ? "Save your card" : s.mode === "subscription" ? (trial ? "Start your trial" : "Subscribe") : "Checkout";
    const back = s.cancel_url ? `<a class="back" href="${esc(s.cancel_url)}" data-sandbox-cancel><span aria-hidden="true">← </span>Back</a>` : "";
    const lockedEmail = this.lockedEmail(s);
    // `label` is trusted HTML (constants below), not user input.
    const field = (name: "email" | "card_number" | "card_expiry" | "card_cvc" | "name", label: string, attrs: string, errKey?: "email" | "number" | "expiry" | "cvc") => {
      const err = errKey ? errors[errKey] : undefined;
      const value = name === "email" && lockedEmail ? lockedEmail : (values[name] ?? "");
      return `<label for="${name}">${label}</label><input id="${name}" name="${name}" ${attrs} value="${esc(value)}"${err ? ` aria-invalid="true" aria-describedby="${name}-error"` : ""}>${err ? `<p class="field-error" id="${name}-error">${esc(err)}</p>` : ""}`;
    };
    const cta =
      s.mode === "setup" ? "Save card" : s.mode === "subscription" ? (trial ? "Start trial" : "Subscribe") : (s.amount_total ?? 0) > 0 ? `Pay ${fmt(s.amount_total ?? 0)}` : "Complete order";

    const body = `<div class="grid">
<section class="card" aria-labelledby="summary-heading">
${back}
<h1 id="summary-heading">${esc(heading)}</h1>
${s.mode === "setup" ? `<p>The merchant will save your card to charge it later. Nothing is charged now.</p>` : ""}
${trialText}${subText}
${table}
${promo}
</section>
<section class="card" aria-labelledby="pay-heading">
<h2 id="pay-heading">${s.mode === "setup" ? "Card details" : "Payment details"}</h2>
${view.notice ? `<p class="notice" role="status">${esc(view.notice)}</p>` : ""}
${view.alert ? `<div class="alert" role="alert" id="form-error">${esc(view.alert)}</div>` : ""}
<form method="post" action="/pay/stripe/${esc(s.id)}" novalidate>
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
<li><code>4000 0025 0000 3155</code> — asks for authentication</li>
</ul><p>Use any future expiry date and any 3-digit CVC.</p></details>
</section>
</div>`;
    return page({ label: LABEL, title: heading, lang: s.locale ?? undefined, body, frame: this.frame(s, { ready: true }) });
  }

  private renderAuth(s: Session, token: string, details: PayerDetails, embedded: boolean): string {
    const amount = this.chargedNow(s);
    const body = `<div class="card">
<h1>Complete authentication</h1>
<p>Your bank asks you to confirm this ${amount > 0 ? `payment of <strong>${esc(money(amount, s.currency ?? "usd", s.locale && s.locale !== "auto" ? s.locale : "en-US"))}</strong>` : "card"} with card ending in <strong>${esc(details.card.last4)}</strong>.</p>
<p class="muted">This is the sandbox's stand-in for a 3D Secure challenge.</p>
<form method="post" action="/pay/stripe/${esc(s.id)}/authenticate">
<input type="hidden" name="token" value="${esc(token)}">
<input type="hidden" name="embedded" value="${embedded ? "1" : "0"}">
<div class="actions">
<button type="submit" name="result" value="complete" class="primary">Complete authentication</button>
<button type="submit" name="result" value="fail" class="danger">Fail authentication</button>
</div>
</form>
</div>`;
    return page({ label: LABEL, title: "Complete authentication", lang: s.locale ?? undefined, body, frame: this.frame(s) });
  }

  // ── control API (/_sandbox/stripe/…) ──

  async control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined> {
    const [a, b, c2] = rest;
    if (method === "GET" && a === "sessions" && !b) {
      return {
        body: {
          sessions: (this.allOf("checkout.session") as Session[]).map((s) => ({
            id: s.id,
            status: s.status,
            payment_status: s.payment_status,
            mode: s.mode,
            amount_total: s.amount_total,
            currency: s.currency,
            url: s.url,
            client_reference_id: s.client_reference_id,
            metadata: s.metadata,
            created: s.created,
            expires_at: s.expires_at,
          })),
        },
      };
    }
    if (a === "sessions" && b) {
      const s = this.get<Session>(b, "checkout.session");
      if (!s) return { status: 404, body: { error: `no session ${b}` } };
      if (method === "GET" && !c2) return { body: { session: clone(s), line_items: clone(this.sessions.get(s.id)!.lineItems) } };
      if (method === "POST" && c2 === "expire") {
        if (s.status !== "open") return { status: 409, body: { error: `session is ${s.status}`, session: clone(s) } };
        this.expireSession(s, null);
        return { body: { session: clone(s) } };
      }
      if (method === "POST" && c2 === "complete") return this.controlComplete(s, body);
    }
    if (a === "subscriptions" && b) {
      const sub = this.get<Subscription>(b, "subscription");
      if (!sub) return { status: 404, body: { error: `no subscription ${b}` } };
      if (method === "GET" && !c2) return { body: { subscription: clone(sub) } };
      if (method === "POST" && c2 === "advance") return this.controlAdvance(sub, body);
    }
    if ((a === "payment_intents" || a === "charges") && b && method === "POST" && c2 === "dispute") return this.controlDispute(b, body);
    if (a === "refunds" && b && method === "POST" && c2 === "fail") return this.controlFailRefund(b, body);
    if (method === "GET" && a === "events" && !b) return { body: { events: clone(this.events) } };
    return undefined;
  }

  /**
   * A chargeback on the intent's charge (a payment intent id, or a charge id). `outcome` open:
   * charge.dispute.created + charge.dispute.funds_withdrawn (status needs_response); won:
   * charge.dispute.closed + charge.dispute.funds_reinstated; lost: charge.dispute.closed. Closing
   * without an open dispute opens one first. Shapes: Dispute as in Stripe's OpenAPI fixtures.
   */
  private controlDispute(paymentId: string, body: Dict): ControlResult {
    const pi = this.get<PaymentIntent>(paymentId, "payment_intent");
    const charge = pi ? this.get<Charge>(pi.latest_charge, "charge") : this.get<Charge>(paymentId, "charge");
    if (!charge) return { status: 404, body: { error: `no charged payment intent or charge ${paymentId}` } };
    const outcome = body.outcome;
    if (outcome !== "open" && outcome !== "won" && outcome !== "lost") return { status: 400, body: { error: 'outcome must be "open", "won" or "lost"' } };
    const open = this.allOf("dispute").find((o) => o.charge === charge.id && OPEN_DISPUTE_STATUSES.has(String(o.status)));
    if (outcome === "open" && open) return { status: 409, body: { error: `charge ${charge.id} already has an open dispute`, dispute: clone(open) } };
    let dispute = open;
    const now = this.now();
    if (!dispute) {
      const amount = typeof body.amount === "number" && Number.isInteger(body.amount) && body.amount > 0 ? Math.min(body.amount, charge.amount) : charge.amount;
      const card = (charge.payment_method_details as Dict | undefined)?.card as Dict | undefined;
      dispute = this.put<SObj>({
        id: newId("dp", 24),
        object: "dispute",
        amount,
        balance_transactions: [this.disputeTransaction(-amount, charge.currency, "Chargeback withdrawal")],
        charge: charge.id,
        created: now,
        currency: charge.currency,
        enhanced_eligibility_types: [],
        evidence: DISPUTE_EVIDENCE(),
        evidence_details: { due_by: now + 7 * DAY, enhanced_eligibility: {}, has_evidence: false, past_due: false, submission_count: 0 },
        is_charge_refundable: false,
        livemode: false,
        metadata: {},
        payment_intent: charge.payment_intent ?? null,
        payment_method_details: { card: { brand: card?.brand ?? "visa", case_type: "chargeback", network: card?.network ?? card?.brand ?? "visa", network_reason_code: "10.4" }, type: "card" },
        reason: typeof body.reason === "string" ? body.reason : "fraudulent",
        status: "needs_response",
      });
      (charge as Dict).disputed = true;
      this.emit("charge.dispute.created", dispute, null);
      this.emit("charge.dispute.funds_withdrawn", dispute, null);
    }
    if (outcome !== "open") {
      const previous: Dict = { status: dispute.status };
      dispute.status = outcome;
      (dispute.evidence_details as Dict).due_by = null;
      if (outcome === "won") {
        previous.balance_transactions = clone(dispute.balance_transactions);
        (dispute.balance_transactions as Dict[]).push(this.disputeTransaction(Number(dispute.amount), String(dispute.currency), "Chargeback reversal"));
      }
      this.emit("charge.dispute.closed", dispute, null, previous);
      if (outcome === "won") this.emit("charge.dispute.funds_reinstated", dispute, null);
    }
    return { body: { dispute: clone(dispute) } };
  }

  private disputeTransaction(amount: number, currency: string, description: string): Dict {
    const fee = amount < 0 ? 1500 : -1500; // the dispute fee, returned when won
    return {
      id: newId("txn", 24),
      object: "balance_transaction",
      amount,
      available_on: this.now(),
      created: this.now(),
      currency,
      description,
      exchange_rate: null,
      fee: Math.abs(fee),
      fee_details: [{ amount: Math.abs(fee), application: null, currency, description: "Dispute fee", type: "stripe_fee" }],
      net: amount - fee,
      reporting_category: amount < 0 ? "dispute" : "dispute_reversal",
      source: null,
      status: "available",
      type: "adjustment",
    };
  }

  /**
   * A refund that fails after it was created (the card was closed, say): status failed with a
   * failure_reason, the charge's amount_refunded drops back; emits refund.failed,
   * refund.updated and charge.refund.updated (each with the Refund).
   */
  private controlFailRefund(refundId: string, body: Dict): ControlResult {
    const refund = this.get<SObj>(refundId, "refund");
    if (!refund) return { status: 404, body: { error: `no refund ${refundId}` } };
    if (refund.status !== "succeeded" && refund.status !== "pending") return { status: 409, body: { error: `refund is ${String(refund.status)}`, refund: clone(refund) } };
    const charge = this.get<Charge>(refund.charge as string, "charge");
    const previous = { status: refund.status };
    refund.status = "failed";
    refund.failure_reason = typeof body.failure_reason === "string" ? body.failure_reason : "expired_or_canceled_card";
    refund.failure_balance_transaction = newId("txn", 24);
    if (charge) {
      charge.amount_refunded = Math.max(0, charge.amount_refunded - Number(refund.amount));
      charge.refunded = charge.amount_refunded >= charge.amount;
    }
    this.emit("refund.failed", refund, null);
    this.emit("refund.updated", refund, null, previous);
    this.emit("charge.refund.updated", refund, null, previous);
    return { body: { refund: clone(refund), charge: charge ? clone(charge) : null } };
  }

  private controlComplete(s: Session, body: Dict): ControlResult {
    if (s.status !== "open") return { status: 409, body: { error: `session is ${s.status}`, session: clone(s) } };
    const number = normalizeNumber(typeof body.card === "string" ? body.card : "4242424242424242");
    const year = new Date(this.ctx.clock.now()).getUTCFullYear() + 3;
    const email = this.lockedEmail(s) ?? (typeof body.email === "string" ? body.email : "sandbox@example.com");
    const details: PayerDetails = {
      email,
      name: typeof body.name === "string" ? body.name : null,
      card: { number, last4: number.slice(-4), brand: brandOf(number), expMonth: 12, expYear: year },
    };
    const authenticated = body.authentication !== "fail";
    // Test control: the session charges another amount (a promotion, a wrong price mapping)
    // or, in another currency, converts as adaptive pricing does (currency_conversion).
    if (typeof body.amount === "number" && Number.isInteger(body.amount) && body.amount >= 0) {
      const currency = typeof body.currency === "string" ? body.currency.toLowerCase() : s.currency;
      if (currency && currency !== s.currency) {
        // Adaptive pricing: the figures in the creation currency stay in currency_conversion
        // (Checkout.Session.CurrencyConversion: amount_subtotal, amount_total, fx_rate, source_currency).
        const original = s.amount_total ?? 0;
        const rate = original > 0 ? body.amount / original : 1;
        (s as unknown as Dict).currency_conversion = { amount_subtotal: s.amount_subtotal, amount_total: s.amount_total, fx_rate: String(Number(rate.toPrecision(12))), source_currency: s.currency };
        s.currency = currency;
        if (s.amount_subtotal !== null && s.amount_subtotal !== original) s.amount_subtotal = Math.round(s.amount_subtotal * rate);
        else s.amount_subtotal = body.amount;
      } else s.amount_subtotal = body.amount + s.total_details.amount_discount - s.total_details.amount_tax;
      s.amount_total = body.amount;
      this.sessions.get(s.id)!.reported = true;
    }
    const result = this.pay(s, details, authenticated);
    if (result.outcome.kind === "requires_action") {
      return { status: 402, body: { outcome: "authentication_failed", error: { type: "card_error", code: "payment_intent_authentication_failure", message: AUTH_FAILED_MESSAGE }, session: clone(s) } };
    }
    if (result.outcome.kind === "declined") {
      const o = result.outcome;
      return { status: 402, body: { outcome: "declined", error: { type: "card_error", code: o.code, decline_code: o.decline_code, message: o.message }, session: clone(s) } };
    }
    return { body: { outcome: "succeeded", redirectUrl: result.redirectUrl, session: clone(s) } };
  }

  private controlAdvance(sub: Subscription, body: Dict): ControlResult {
    const action = body.action;
    if (sub.status === "canceled") return { status: 409, body: { error: "subscription is canceled", subscription: clone(sub) } };
    switch (action) {
      case "renew":
        this.renew(sub, null);
        break;
      case "payment_failed":
        this.renew(sub, null, true);
        break;
      case "unpaid": {
        // Smart Retries exhausted with "mark the subscription as unpaid".
        const previous = { status: sub.status };
        sub.status = "unpaid";
        this.emit("customer.subscription.updated", sub, null, previous);
        break;
      }
      case "end_trial": {
        if (sub.status !== "trialing") return { status: 409, body: { error: "subscription is not trialing" } };
        const now = this.now();
        for (const item of sub.items.data) item.current_period_end = now; // renew() starts the paid period now
        sub.trial_end = now;
        this.renew(sub, null);
        break;
      }
      case "trial_will_end":
        this.emit("customer.subscription.trial_will_end", sub, null);
        break;
      case "cancel":
        sub.canceled_at = sub.canceled_at ?? this.now();
        this.endSubscription(sub, null, this.now());
        break;
      default:
        return { status: 400, body: { error: 'action must be "renew", "payment_failed", "unpaid", "end_trial", "trial_will_end" or "cancel"' } };
    }
    return { body: { subscription: clone(sub) } };
  }
}

interface PayView {
  alert?: string;
  notice?: string;
  errors?: Partial<Record<"email" | "number" | "expiry" | "cvc" | "promo", string>>;
  values?: Partial<Record<"email" | "name" | "card_number" | "card_expiry" | "card_cvc" | "promotion_code", string>>;
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

const stripe: ProviderModule = {
  name: "stripe",
  label: LABEL,
  portOffset: 0,
  webhook: {
    urlEnv: "SANDBOX_STRIPE_WEBHOOK_URL",
    defaultUrl: "http://127.0.0.1:3000/api/webhooks/stripe",
    secretEnv: "STRIPE_WEBHOOK_SECRET",
    defaultSecret: "whsec_sandbox_secret",
    sign: ({ body, timestamp, secret }) => ({
      "Stripe-Signature": stripeSignatureHeader(body, secret, timestamp),
      "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      Accept: "*/*; q=0.5, application/xml",
      "Cache-Control": "no-cache",
    }),
  },
  apiKeyEnv: "SANDBOX_STRIPE_API_KEY",
  api: {
    isApiPath,
    // Stripe's envelope: 5xx → api_error (StripeAPIError), 429 → rate_limit (StripeRateLimitError,
    // chosen by the SDK from the status), other 4xx → invalid_request_error.
    errorBody: (status, message) =>
      errorJson(
        status >= 500
          ? { type: "api_error", message }
          : status === 429
            ? { type: "invalid_request_error", code: "rate_limit", message }
            : { type: "invalid_request_error", message },
      ),
  },
  create: (ctx) => new StripeSandbox(ctx),
};

export default stripe;
