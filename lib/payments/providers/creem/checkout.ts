import "server-only";
import type { CreateCheckoutRequest } from "creem/models/components";
import { ProviderRequestError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type {
  CheckoutRequest,
  CheckoutState,
  CreatedCheckout,
  ProviderCapabilities,
  SubscriptionSnapshot,
} from "@/lib/payments/types";
import { callCreem, creemClient } from "./client";
import { checkoutStateFromCheckout, isObject, subscriptionSnapshot, type Json } from "./normalize";

export const creemCapabilities: ProviderCapabilities = {
  // Creem's hosted page may be framed (@creem_io/embed / embed.js); it posts
  // {source:"creem-embed", type:"completed", …} to the parent. The sandbox page does the same.
  overlay: true,
  subscriptions: true,
  // No setup mode: a Creem checkout always sells a product.
  setupMode: false,
  // `units` multiplies the product price (seats, credit packs).
  quantity: true,
  // One product per checkout.
  multipleLineItems: false,
  // Every checkout names a product created at Creem (PriceExternalId / CREEM_PRODUCT_IDS).
  inlinePrices: false,
  // Trials are configured on the Creem product (trial_period_days), not per checkout.
  trials: false,
  // `discount_code` prefills a code; the hosted page also lets the buyer type one.
  discountCodes: true,
  // Creem is the merchant of record and computes tax itself.
  tax: true,
  locale: true,
  // No cancel_url at Creem: the hosted page has no Back link.
  cancelUrl: false,
  signedReturnUrl: true,
};

// The checkout languages Creem lists (docs.creem.io, "Checkout localization": 42 languages
// and regional variants), as BCP 47 tags. Anything else is refused rather than dropped.
const LOCALES = new Set(
  "bg hr cs da nl en en-US en-GB et fi fr fr-FR fr-CA de el hu it lv lt mt nb pl pt pt-PT pt-BR ro ru sk sl es es-ES es-419 sv zh zh-CN zh-HK zh-TW fil id ja ko ms th tr vi".split(
    " ",
  ),
);

/** What goes to `POST /v1/checkouts`: the SDK's request plus fields its schema lacks. */
export type CreemCheckoutParams = {
  request: CreateCheckoutRequest;
  /**
   * `locale` is documented by the seed (docs.creem.io checkout-session introduction) but is not
   * in creem@1.13.0's CreateCheckoutRequest, whose zod schema would strip it, so the client
   * adds it to the JSON body itself (client.ts). Unconfirmed whether the live API still reads
   * it; if it ignores it, the hosted page falls back to the buyer's browser language.
   */
  extra: { locale?: string };
};

/** Our neutral request → Creem's create-checkout request. Pure; throws UnsupportedFeatureError. */
export function toCreemCheckoutParams(request: CheckoutRequest): CreemCheckoutParams {
  if (request.mode === "setup") {
    throw new UnsupportedFeatureError("creem", "setupMode", "Creem checkouts always sell a product; there is no setup mode to save a card.");
  }
  if (request.lineItems.length === 0) throw new ProviderRequestError("creem", "A checkout needs one line item.");
  if (request.lineItems.length > 1) {
    throw new UnsupportedFeatureError("creem", "multipleLineItems", "A Creem checkout sells exactly one product (with units).");
  }
  const [item] = request.lineItems;
  if (!item.externalPriceId) {
    throw new UnsupportedFeatureError(
      "creem",
      "inlinePrices",
      `Price ${item.priceId} has no Creem product id; Creem sells only products created in its dashboard (set CREEM_PRODUCT_IDS and re-seed).`,
    );
  }
  if (!Number.isInteger(item.quantity) || item.quantity < 1) {
    throw new ProviderRequestError("creem", `Invalid quantity ${item.quantity} for ${item.priceId}.`);
  }
  if ((item.type === "recurring") !== (request.mode === "subscription")) {
    throw new ProviderRequestError("creem", `Price ${item.priceId} is ${item.type} but the checkout mode is ${request.mode}.`);
  }
  if (request.locale && !LOCALES.has(request.locale)) {
    throw new UnsupportedFeatureError("creem", "locale", `Creem's checkout does not offer the locale "${request.locale}".`);
  }
  // item.trialDays is not sent: Creem takes the trial from the product (trial_period_days).
  // request.cancelUrl is not sent: Creem has no cancel URL (capabilities.cancelUrl = false).
  // request.idempotencyKey is not sent: Creem's API has no idempotency header; request_id
  //   (our id) ties any session back to our checkout, and the client never retries a create.
  // request.allowDiscountCodes needs nothing: Creem's page always offers a discount field.
  // request.userId is not sent: Creem's customer has no external reference field; our id
  //   travels as request_id and metadata.checkout_id, which is what we match by.
  // plan_type (seed 000) is not sent: the seed calls it a label "only for your system", it is
  //   not in creem@1.13.0's CreateCheckoutRequest, and a whitelisting API (the sandbox refuses
  //   unknown properties, as Creem's validation does for the SDK's schema) would reject it.
  //   Our plan is known from our own checkout row (request_id → Checkout → items → price).
  // request.automaticTax needs nothing: Creem, the merchant of record, always computes tax.
  const metadata = { ...request.metadata, checkout_id: request.checkoutId };
  const creem: CreateCheckoutRequest = {
    productId: item.externalPriceId,
    requestId: request.checkoutId,
    units: item.quantity,
    successUrl: request.successUrl,
    metadata,
  };
  // A known Creem customer is reused (it has its name); otherwise the email is prefilled and
  // locked and the name, when our user has one, prefilled (customer.name).
  if (request.providerCustomerId) creem.customer = { id: request.providerCustomerId };
  else if (request.customerEmail) {
    creem.customer = { email: request.customerEmail, ...(request.customerName ? { name: request.customerName } : {}) };
  }
  if (request.discountCode) creem.discountCode = request.discountCode;
  return { request: creem, extra: request.locale ? { locale: request.locale } : {} };
}

export async function createCreemCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
  const params = toCreemCheckoutParams(request);
  const creem = creemClient({ extraCheckoutFields: params.extra });
  const checkout = await callCreem("create a checkout", () => creem.checkouts.create(params.request));
  if (!checkout.id || !checkout.checkoutUrl) {
    throw new ProviderRequestError("creem", "Creem returned a checkout without an id or checkout_url.");
  }
  if (checkout.requestId && checkout.requestId !== request.checkoutId) {
    throw new ProviderRequestError("creem", `Creem echoed request_id ${checkout.requestId} for our checkout ${request.checkoutId}.`);
  }
  // Creem's checkout object carries no expiry.
  return { providerSessionId: checkout.id, url: checkout.checkoutUrl, expiresAt: null };
}

export async function getCreemCheckout(providerSessionId: string): Promise<CheckoutState> {
  const creem = creemClient();
  const checkout = (await callCreem("read a checkout", () => creem.checkouts.retrieve(providerSessionId))) as unknown as Json;
  if (checkout.id !== providerSessionId) {
    throw new ProviderRequestError("creem", `Creem answered with checkout ${String(checkout.id)} for ${providerSessionId}.`);
  }
  const state = checkoutStateFromCheckout(checkout);
  // A subscription returned as an id only: read it, so billing gets its status and period.
  if (state.subscriptionId && !state.subscription) {
    const id = state.subscriptionId;
    const subscription = (await callCreem("read a subscription", () => creem.subscriptions.get(id))) as unknown as Json;
    state.subscription = isObject(subscription) ? subscriptionSnapshot(subscription) : null;
  }
  return state;
}

export async function cancelCreemSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot> {
  const creem = creemClient();
  const subscription = (await callCreem("cancel a subscription at period end", () =>
    creem.subscriptions.cancel(providerSubscriptionId, { mode: "scheduled", onExecute: "cancel" }),
  )) as unknown as Json;
  const snapshot = isObject(subscription) ? subscriptionSnapshot(subscription) : null;
  if (!snapshot) throw new ProviderRequestError("creem", "Creem returned an unreadable subscription.");
  return snapshot;
}
