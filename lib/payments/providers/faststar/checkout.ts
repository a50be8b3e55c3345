import "server-only";
import { ProviderRequestError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type {
  CheckoutLineItem,
  CheckoutRequest,
  CheckoutState,
  CreatedCheckout,
  ProviderCapabilities,
  SubscriptionSnapshot,
} from "@/lib/payments/types";
import { faststarRequest } from "./client";
import { faststarApiOverride, faststarMerchantMode, type FaststarMerchantMode } from "./config";
import { checkoutStateFromSession, sessionFromData, str, toDate, type Json } from "./normalize";

export const SESSIONS_PATH = "/public/checkout/sessions";

function sandboxTargeted(): boolean {
  try {
    return faststarApiOverride() !== null;
  } catch {
    return false;
  }
}

function directMode(): boolean {
  try {
    return faststarMerchantMode() === "direct";
  } catch {
    return false;
  }
}

export const faststarCapabilities: ProviderCapabilities = {
  // FastStar.checkout.open() opens only FastStar's own hosts (cashier./merchant.faststarpay.com,
  // faststarpay.com/docs/js-sdk), so real FastStar opens by redirect. The local sandbox's page
  // (FASTSTAR_API_URL) can be framed by our own overlay and speaks the sandbox protocol.
  get overlay() {
    return sandboxTargeted();
  },
  subscriptions: true,
  setupMode: true,
  quantity: true,
  multipleLineItems: true,
  // Ad hoc amounts exist only for Direct/PSP merchants, and only for one-time items
  // (subscriptions must reference a recurring price_id); Merchant-of-Record merchants must
  // reference catalog ids.
  get inlinePrices() {
    return directMode();
  },
  // Trials live on FastStar's recurring price (trial_period_days); the session has no field.
  trials: false,
  discountCodes: false,
  tax: true,
  locale: false,
  cancelUrl: true,
  signedReturnUrl: false,
};

/** ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision ("US-CA"): "buyer_country (incl. region where needed)". */
const BUYER_COUNTRY = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;

export interface FaststarLineItem {
  price_id?: string;
  product_id?: string;
  quantity: number;
  ad_hoc_amount?: number;
  ad_hoc_currency?: string;
  description?: string;
}

export interface FaststarSessionParams {
  mode: "payment" | "subscription" | "setup";
  presentation: "iframe" | "link";
  line_items?: FaststarLineItem[];
  customer_email?: string;
  success_url: string;
  cancel_url: string;
  buyer_country?: string;
  client_reference_id: string;
}

function lineItem(item: CheckoutLineItem, merchantMode: FaststarMerchantMode): FaststarLineItem {
  if (!Number.isInteger(item.quantity) || item.quantity < 1) {
    throw new ProviderRequestError("faststar", `Invalid quantity ${item.quantity} for ${item.priceId}.`);
  }
  const external = item.externalPriceId?.trim();
  if (external) {
    // A catalog id: price_… (the normal case) or prod_… (FastStar then uses the product's default price).
    return external.startsWith("prod_") ? { product_id: external, quantity: item.quantity } : { price_id: external, quantity: item.quantity };
  }
  if (item.type === "recurring") {
    throw new UnsupportedFeatureError(
      "faststar",
      "inlinePrices",
      `Price ${item.priceId} has no FastStar price id: FastStar subscriptions must reference a recurring price_id from its catalog. Create the price in FastStar and add its id (FASTSTAR_PRODUCT_IDS / PriceExternalId).`,
    );
  }
  if (merchantMode !== "direct") {
    throw new UnsupportedFeatureError(
      "faststar",
      "inlinePrices",
      `Price ${item.priceId} has no FastStar price id, and Merchant-of-Record merchants must reference a catalog price_id or product_id in every line item (ad hoc amounts are for Direct/PSP merchants only). Create the price in FastStar and add its id (FASTSTAR_PRODUCT_IDS / PriceExternalId), or set FASTSTAR_MERCHANT_MODE=direct if your account is Direct/PSP.`,
    );
  }
  return {
    quantity: item.quantity,
    ad_hoc_amount: item.unitAmount,
    ad_hoc_currency: item.currency.toUpperCase(),
    description: item.description ? `${item.name} — ${item.description}` : item.name,
  };
}

/** Our neutral request → the session create body. Pure; throws UnsupportedFeatureError / ProviderRequestError. */
export function toSessionParams(request: CheckoutRequest, merchantMode: FaststarMerchantMode = faststarMerchantMode(), overlayAvailable = sandboxTargeted()): FaststarSessionParams {
  if (request.lineItems.length === 0 && request.mode !== "setup") {
    throw new ProviderRequestError("faststar", "A checkout needs at least one line item.");
  }
  if (request.locale) {
    throw new UnsupportedFeatureError("faststar", "locale", "FastStar's checkout session has no language setting; the hosted page chooses its own.");
  }
  if (request.discountCode || request.allowDiscountCodes) {
    throw new UnsupportedFeatureError("faststar", "discountCodes", "FastStar's checkout session takes no discount or promotion code.");
  }
  const extraMetadata = Object.keys(request.metadata ?? {}).filter((key) => key !== "checkout_id");
  if (extraMetadata.length > 0) {
    throw new UnsupportedFeatureError(
      "faststar",
      "metadata",
      `FastStar's checkout session has no metadata; only our checkout id travels (as client_reference_id). Not sent: ${extraMetadata.join(", ")}.`,
    );
  }
  if (request.presentation === "overlay" && !overlayAvailable) {
    throw new UnsupportedFeatureError(
      "faststar",
      "overlay",
      "FastStar's overlay script opens only FastStar's own hosts; open the checkout by redirect.",
    );
  }
  if (request.mode !== "subscription" && request.lineItems.some((item) => (item.trialDays ?? 0) > 0)) {
    throw new UnsupportedFeatureError("faststar", "trials", "Trials apply only to subscriptions.");
  }

  const params: FaststarSessionParams = {
    mode: request.mode,
    presentation: request.presentation === "overlay" ? "iframe" : "link",
    // Our success URL already carries ?cid=<our id>; FastStar redirects to it as given.
    success_url: request.successUrl,
    cancel_url: request.cancelUrl,
    client_reference_id: request.checkoutId,
  };
  if (request.mode !== "setup") {
    params.line_items = request.lineItems.map((item) => lineItem(item, merchantMode));
  } else if (request.lineItems.length > 0) {
    throw new UnsupportedFeatureError("faststar", "setupMode", "A FastStar setup session saves a card only; it takes no line items.");
  }
  // FastStar's create has no customer reference: the email prefill is the only buyer hint, so a
  // known provider customer id is represented by the user's email (never by a FastStar id).
  if (request.customerEmail) params.customer_email = request.customerEmail;
  if (request.buyerCountry) {
    const country = request.buyerCountry.trim().toUpperCase();
    if (!BUYER_COUNTRY.test(country)) {
      throw new ProviderRequestError("faststar", `buyerCountry must be an ISO 3166-1 alpha-2 code, optionally with a region (e.g. "DE", "US-CA"); got "${request.buyerCountry}".`);
    }
    params.buyer_country = country;
  }
  return params;
}

export async function createFaststarCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
  const params = toSessionParams(request);
  const data = await faststarRequest({
    method: "POST",
    path: SESSIONS_PATH,
    body: params as unknown as Json,
    idempotencyKey: request.idempotencyKey,
    action: "create a checkout session",
  });
  const session = sessionFromData(data);
  const id = session ? str(session.id) : null;
  const url = str(data.url) ?? (session ? str(session.url) : null);
  if (!session || !id || !url) {
    throw new ProviderRequestError("faststar", "FastStar returned a checkout session without an id or url.");
  }
  return { providerSessionId: id, url, expiresAt: toDate(session.expires_at) };
}

export async function getFaststarCheckout(providerSessionId: string): Promise<CheckoutState> {
  const data = await faststarRequest({
    method: "GET",
    path: `${SESSIONS_PATH}/${encodeURIComponent(providerSessionId)}`,
    action: "read a checkout session",
  });
  const session = sessionFromData(data);
  if (!session || session.id !== providerSessionId) {
    throw new ProviderRequestError("faststar", `FastStar answered with session ${String(session?.id)} for ${providerSessionId}.`);
  }
  return checkoutStateFromSession(session);
}

/**
 * FastStar's public API documents no subscription management (faststarpay.com/docs/api lists
 * checkout sessions and the catalog only), so cancelling from the app is refused with a clear
 * 422 rather than sent to an endpoint that may not exist. Buyers/merchants cancel in FastStar;
 * its `subscription.updated` / `subscription.canceled` webhooks then update our records.
 */
export async function cancelFaststarSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot> {
  throw new UnsupportedFeatureError(
    "faststar",
    "cancelSubscription",
    `FastStar's API has no endpoint to cancel subscription ${providerSubscriptionId}; cancel it in the FastStar merchant dashboard (its subscription webhooks update this app).`,
  );
}
