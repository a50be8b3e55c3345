import "server-only";
import { ProviderRequestError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type {
  CheckoutMode,
  CheckoutRequest,
  CheckoutState,
  CreatedCheckout,
  ProviderCapabilities,
  SubscriptionSnapshot,
} from "@/lib/payments/types";
import { recurRequest } from "./client";
import { checkoutStateFromSession, isObject, str, subscriptionSnapshot, toDate, type Json } from "./normalize";

export const recurCapabilities: ProviderCapabilities = {
  // Recur's embedded/modal checkout needs its browser SDK and a registered domain; its hosted
  // page is opened by redirect. No stand-in is claimed, so the app falls back to redirect.
  overlay: false,
  subscriptions: true,
  setupMode: true,
  // One product per session, no quantity field: a credit pack bought ×3 cannot be expressed.
  quantity: false,
  multipleLineItems: false,
  // Recur sells only products defined in its dashboard (productId / productSlug).
  inlinePrices: false,
  // Trials live on the Recur product, not on the session.
  trials: false,
  // Not part of the documented session fields (seed 003); refused rather than guessed.
  discountCodes: false,
  tax: false,
  locale: false,
  cancelUrl: true,
  signedReturnUrl: false,
};

/** The body of `POST /v1/checkout/sessions`, exactly as documented (camelCase). */
export interface RecurSessionCreateBody {
  productId?: string;
  productSlug?: string;
  mode: "PAYMENT" | "SUBSCRIPTION" | "SETUP";
  successUrl: string;
  cancelUrl: string;
  customerEmail?: string;
  customerName?: string;
  externalCustomerId?: string;
  metadata: Record<string, string>;
}

const MODES: Record<CheckoutMode, RecurSessionCreateBody["mode"]> = { payment: "PAYMENT", subscription: "SUBSCRIPTION", setup: "SETUP" };

/**
 * customerName / externalCustomerId are prefills of Recur's customer record, never how we match
 * anything (seed 003: reconcile by checkout id or metadata only). Recur documents no length
 * limit; 200 is the sandbox's (unconfirmed) — a longer value is left out, not cut.
 */
const CUSTOMER_FIELD_MAX = 200;
const fits = (value: string | null | undefined): value is string => typeof value === "string" && value.length > 0 && value.length <= CUSTOMER_FIELD_MAX;

/** A PriceExternalId of the form `slug:<product-slug>` is sent as productSlug; anything else is a productId. */
export const SLUG_PREFIX = "slug:";

/** Recur replaces the literal {CHECKOUT_SESSION_ID} on redirect; it must not be URL-encoded. */
export function withSessionPlaceholder(successUrl: string): string {
  if (successUrl.includes("{CHECKOUT_SESSION_ID}")) return successUrl;
  return `${successUrl}${successUrl.includes("?") ? "&" : "?"}session_id={CHECKOUT_SESSION_ID}`;
}

/**
 * Our neutral request → the session create body. Pure; throws UnsupportedFeatureError for what
 * Recur cannot do, so nothing is silently dropped. Field by field:
 *  - lineItems[0].externalPriceId → productId (or productSlug for `slug:…`); exactly one item,
 *    quantity 1; trial days are the Recur product's own (not sent);
 *  - mode → PAYMENT | SUBSCRIPTION | SETUP;
 *  - successUrl (already has ?cid=<ours>) + session_id={CHECKOUT_SESSION_ID}; cancelUrl as is;
 *  - customerEmail → customerEmail; customerName (our user's name, when known) → customerName;
 *    userId (OUR user id) → externalCustomerId. providerCustomerId has no create field at Recur
 *    (the customer is found by email / externalCustomerId) and is not sent;
 *  - metadata = request.metadata + checkout_id = OUR id (secret keys only) — what every webhook
 *    and the session read echo back, and the only thing events are matched by (with cs_…).
 */
export function toRecurSessionBody(request: CheckoutRequest): RecurSessionCreateBody {
  if (request.lineItems.length === 0) {
    throw new ProviderRequestError("recur", "A Recur checkout needs a product, even in SETUP mode.");
  }
  if (request.lineItems.length > 1) {
    throw new UnsupportedFeatureError("recur", "multipleLineItems", "Recur sells one product per checkout session.");
  }
  const [item] = request.lineItems;
  if (item.quantity !== 1) {
    throw new UnsupportedFeatureError(
      "recur",
      "quantity",
      `Recur sells one unit of one product per checkout (no quantity field); ${item.quantity} × ${item.priceId} cannot be sold in one session.`,
    );
  }
  if (!item.externalPriceId) {
    throw new UnsupportedFeatureError(
      "recur",
      "inlinePrices",
      `Price ${item.priceId} has no Recur product id; add one (PriceExternalId, RECUR_PRODUCT_IDS) — Recur cannot take ad hoc prices.`,
    );
  }
  if (request.locale) throw new UnsupportedFeatureError("recur", "locale", "Recur's hosted checkout language cannot be chosen per session.");
  if (request.discountCode || request.allowDiscountCodes) {
    throw new UnsupportedFeatureError("recur", "discountCodes", "Discount codes are not part of Recur's documented checkout session fields.");
  }
  if (request.automaticTax) throw new UnsupportedFeatureError("recur", "tax", "Recur does not compute tax on checkout sessions.");
  if (!request.checkoutId) throw new ProviderRequestError("recur", "A checkout without our id cannot be reconciled.");

  const product = item.externalPriceId.startsWith(SLUG_PREFIX)
    ? { productSlug: item.externalPriceId.slice(SLUG_PREFIX.length) }
    : { productId: item.externalPriceId };
  return {
    ...product,
    mode: MODES[request.mode],
    successUrl: withSessionPlaceholder(request.successUrl),
    cancelUrl: request.cancelUrl,
    ...(request.customerEmail ? { customerEmail: request.customerEmail } : {}),
    ...(fits(request.customerName) ? { customerName: request.customerName } : {}),
    ...(fits(request.userId) ? { externalCustomerId: request.userId } : {}),
    metadata: { ...request.metadata, checkout_id: request.checkoutId },
  };
}

export async function createRecurCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
  const body = toRecurSessionBody(request);
  const session = await recurRequest({
    method: "POST",
    path: "/v1/checkout/sessions",
    body: body as unknown as Json,
    action: "create a checkout session",
  });
  const id = str(session.id);
  const url = str(session.url);
  if (!id || !url) throw new ProviderRequestError("recur", "Recur returned a checkout session without an id or url.");
  return { providerSessionId: id, url, expiresAt: toDate(session.expires_at ?? session.expiresAt) };
}

export async function getRecurCheckout(providerSessionId: string): Promise<CheckoutState> {
  const session = await recurRequest({
    method: "GET",
    path: `/v1/checkout/sessions/${encodeURIComponent(providerSessionId)}`,
    action: "read a checkout session",
  });
  if (session.id !== providerSessionId) {
    throw new ProviderRequestError("recur", `Recur answered with session ${String(session.id)} for ${providerSessionId}.`);
  }
  return checkoutStateFromSession(session);
}

/**
 * UNCONFIRMED endpoint: `POST /v1/subscriptions/{id}/cancel`. Recur's cancellation keeps access
 * until the period ends (its docs: "The customer keeps access until the end of the billing
 * period"), which is our cancel-at-period-end; the answer is the subscription object.
 */
export async function cancelRecurSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot> {
  const answer = await recurRequest({
    method: "POST",
    path: `/v1/subscriptions/${encodeURIComponent(providerSubscriptionId)}/cancel`,
    body: {},
    action: "cancel a subscription at period end",
  });
  const object = isObject(answer.subscription) ? answer.subscription : answer;
  const snapshot = subscriptionSnapshot(object);
  if (!snapshot) throw new ProviderRequestError("recur", "Recur returned an unreadable subscription.");
  return snapshot;
}
