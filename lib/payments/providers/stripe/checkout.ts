import "server-only";
import type Stripe from "stripe";
import { ProviderRequestError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type {
  CheckoutRequest,
  CheckoutState,
  CreatedCheckout,
  ProviderCapabilities,
  SubscriptionSnapshot,
} from "@/lib/payments/types";
import { callStripe, stripeClient } from "./client";
import { stripeApiTarget } from "./config";
import { isStripeCheckoutLocale } from "./locales";
import { checkoutStateFromSession, isObject, subscriptionSnapshot, type Json } from "./normalize";

export const stripeCapabilities: ProviderCapabilities = {
  // Stripe's own hosted page refuses to be framed and its embedded checkout needs Stripe.js,
  // which loads only from Stripe: real Stripe opens by redirect. The local sandbox's page
  // (STRIPE_API_URL) can be framed and speaks the sandbox overlay protocol.
  get overlay() {
    return stripeApiTarget() !== null;
  },
  subscriptions: true,
  setupMode: true,
  quantity: true,
  multipleLineItems: true,
  inlinePrices: true,
  trials: true,
  discountCodes: true,
  tax: true,
  locale: true,
  cancelUrl: true,
  signedReturnUrl: false,
};

export { STRIPE_CHECKOUT_LOCALES } from "./locales";

/** Stripe replaces the literal {CHECKOUT_SESSION_ID} on redirect; it must not be URL-encoded. */
export function withSessionPlaceholder(successUrl: string): string {
  if (successUrl.includes("{CHECKOUT_SESSION_ID}")) return successUrl;
  return `${successUrl}${successUrl.includes("?") ? "&" : "?"}session_id={CHECKOUT_SESSION_ID}`;
}

/** Our neutral request → Checkout Session create params. Pure; throws UnsupportedFeatureError. */
export function toSessionParams(request: CheckoutRequest): Stripe.Checkout.SessionCreateParams {
  if (request.lineItems.length === 0 && request.mode !== "setup") {
    throw new ProviderRequestError("stripe", "A checkout needs at least one line item.");
  }
  // Checkout's `locale` values (locales.ts, from the SDK's type); anything else is refused rather than dropped.
  if (request.locale && !isStripeCheckoutLocale(request.locale)) {
    throw new UnsupportedFeatureError("stripe", "locale", `Stripe Checkout does not support the locale "${request.locale}".`);
  }
  const metadata = { ...request.metadata, checkout_id: request.checkoutId };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: request.mode,
    client_reference_id: request.checkoutId,
    metadata,
    success_url: withSessionPlaceholder(request.successUrl),
    cancel_url: request.cancelUrl,
  };
  if (request.mode !== "setup") {
    params.line_items = request.lineItems.map((item) => {
      if (!Number.isInteger(item.quantity) || item.quantity < 1) {
        throw new ProviderRequestError("stripe", `Invalid quantity ${item.quantity} for ${item.priceId}.`);
      }
      if (item.externalPriceId) return { price: item.externalPriceId, quantity: item.quantity };
      if (item.type === "recurring" && !item.interval) {
        throw new ProviderRequestError("stripe", `Recurring price ${item.priceId} has no interval.`);
      }
      return {
        quantity: item.quantity,
        price_data: {
          currency: item.currency,
          unit_amount: item.unitAmount,
          product_data: {
            name: item.name,
            ...(item.description ? { description: item.description } : {}),
            metadata: { product_id: item.productId, price_id: item.priceId },
          },
          ...(item.type === "recurring" && item.interval ? { recurring: { interval: item.interval } } : {}),
        },
      };
    });
  } else {
    // Setup mode takes no line items but needs a currency (SessionCreateParams.currency:
    // "Required in `setup` mode when `allowed_payment_method_types` is not set"): our request
    // names it only through a line item, so without one it is refused here, not by Stripe.
    const currency = request.lineItems[0]?.currency;
    if (!currency) {
      throw new ProviderRequestError("stripe", "A setup-mode checkout needs a currency (Stripe requires one for the payment methods it offers): pass one line item whose currency to use.");
    }
    params.currency = currency;
  }
  if (request.providerCustomerId) params.customer = request.providerCustomerId;
  else if (request.customerEmail) params.customer_email = request.customerEmail;
  // Payment mode creates no Stripe customer by default; one-time buyers need one so their next
  // checkout and the billing portal reuse it (subscription and setup modes always create one).
  if (request.mode === "payment" && !request.providerCustomerId) params.customer_creation = "always";

  if (request.mode === "subscription") {
    const trialDays = Math.max(0, ...request.lineItems.map((item) => item.trialDays ?? 0));
    params.subscription_data = {
      metadata,
      ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
    };
  } else if (request.lineItems.some((item) => (item.trialDays ?? 0) > 0)) {
    throw new UnsupportedFeatureError("stripe", "trials", "Trials apply only to subscriptions.");
  }
  if (request.mode === "payment") params.payment_intent_data = { metadata };
  if (request.mode === "setup") params.setup_intent_data = { metadata };
  if (request.locale) params.locale = request.locale;
  if (request.discountCode) {
    // Stripe prefills a discount by promotion code id (promo_…) or coupon id, not by the code text.
    if (request.discountCode.startsWith("promo_")) params.discounts = [{ promotion_code: request.discountCode }];
    else
      throw new UnsupportedFeatureError(
        "stripe",
        "discountCode",
        "Stripe prefills discounts by promotion code id (promo_…); pass allowDiscountCodes to let the buyer type a code.",
      );
  } else if (request.allowDiscountCodes) {
    params.allow_promotion_codes = true;
  }
  if (request.automaticTax) {
    params.automatic_tax = { enabled: true };
    // Stripe Tax needs the buyer's location: an existing customer without an address is refused
    // (customer_tax_location_invalid) unless Checkout may save the address it collects.
    if (params.customer) params.customer_update = { address: "auto" };
  }
  return params;
}

export async function createStripeCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
  const params = toSessionParams(request);
  const stripe = stripeClient();
  const session = await callStripe("create a checkout session", () =>
    stripe.checkout.sessions.create(params, { idempotencyKey: request.idempotencyKey }),
  );
  if (!session.id || !session.url) {
    throw new ProviderRequestError("stripe", "Stripe returned a checkout session without an id or url.");
  }
  return {
    providerSessionId: session.id,
    url: session.url,
    expiresAt: session.expires_at ? new Date(session.expires_at * 1000) : null,
  };
}

export async function getStripeCheckout(providerSessionId: string): Promise<CheckoutState> {
  const stripe = stripeClient();
  const session = (await callStripe("read a checkout session", () =>
    // total_details.breakdown (includable): the tax rates say whether the total includes the tax.
    stripe.checkout.sessions.retrieve(providerSessionId, { expand: ["subscription", "payment_intent", "total_details.breakdown"] }),
  )) as unknown as Json;
  // A server that ignores `expand` returns ids only: fetch the subscription explicitly.
  if (typeof session.subscription === "string") {
    const id = session.subscription;
    const subscription = await callStripe("read a subscription", () => stripe.subscriptions.retrieve(id));
    session.subscription = subscription as unknown as Json;
  }
  if (session.id !== providerSessionId) {
    throw new ProviderRequestError("stripe", `Stripe answered with session ${String(session.id)} for ${providerSessionId}.`);
  }
  return checkoutStateFromSession(session);
}

export async function cancelStripeSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot> {
  const stripe = stripeClient();
  const subscription = (await callStripe("cancel a subscription at period end", () =>
    stripe.subscriptions.update(providerSubscriptionId, { cancel_at_period_end: true }),
  )) as unknown as Json;
  const snapshot = isObject(subscription) ? subscriptionSnapshot(subscription) : null;
  if (!snapshot) throw new ProviderRequestError("stripe", "Stripe returned an unreadable subscription.");
  return snapshot;
}
