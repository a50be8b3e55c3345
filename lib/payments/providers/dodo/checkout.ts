import "server-only";
import type DodoPayments from "dodopayments";
import { ProviderRequestError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type {
  CheckoutRequest,
  CheckoutState,
  CreatedCheckout,
  ProviderCapabilities,
  SubscriptionSnapshot,
} from "@/lib/payments/types";
import { callDodo, dodoClient } from "./client";
import { dodoApiTarget, dodoCheckoutDefaults } from "./config";
import { DodoCheckoutRequestError } from "./errors";
import {
  CONFIRMED_SESSION_LIFETIME_MS,
  SESSION_LIFETIME_MS,
  checkoutStateFromDodo,
  isObject,
  subscriptionSnapshot,
  type Json,
} from "./normalize";
import { mergeDodoOptions, type DodoCheckoutOptions, type DodoPaymentMethodType } from "./options";

export type DodoSessionParams = DodoPayments.CheckoutSessionCreateParams;

// Every payment method we let through is one the SDK knows (compile-time check).
type _MethodsKnown = DodoPaymentMethodType extends DodoPayments.PaymentMethodTypes ? true : never;
const _methodsKnown: _MethodsKnown = true;
void _methodsKnown;

export const dodoCapabilities: ProviderCapabilities = {
  // dodopayments-checkout's overlay opens only Dodo's own checkout hosts, so real Dodo opens by
  // redirect. The local sandbox's page (DODO_PAYMENTS_BASE_URL away from Dodo's hosts) can be
  // framed and speaks the sandbox overlay protocol.
  get overlay() {
    return dodoApiTarget().sandbox;
  },
  subscriptions: true,
  setupMode: false, // no card-only sessions
  quantity: true,
  multipleLineItems: true, // one-time products only; a subscription checkout holds one plan
  inlinePrices: false, // product_cart takes Dodo product ids (pdt_…), never amounts
  trials: true, // subscription_data.trial_period_days
  discountCodes: true, // discount_code, feature_flags.allow_discount_code
  tax: true, // Dodo is the merchant of record and always computes tax
  locale: true, // customization.force_language
  cancelUrl: true,
  signedReturnUrl: false,
};

const MAX_CART_ITEMS = 20;
const LANGUAGE = /^[a-z]{2}(-[A-Za-z]{2,4})?$/;

function refuse(message: string, field?: string): never {
  throw new DodoCheckoutRequestError(message, field);
}

/** confirm:true finalises the session at once, so Dodo needs everything up front. */
function assertConfirmable(request: CheckoutRequest, options: DodoCheckoutOptions): void {
  const missing: string[] = [];
  if (!request.providerCustomerId && !request.customerEmail) missing.push("customer email (or an existing Dodo customer)");
  const address = options.billingAddress;
  if (!address) missing.push("billing address");
  else {
    const required = options.minimalAddress ? (["zipcode"] as const) : (["street", "city", "state", "zipcode"] as const);
    for (const field of required) if (!address[field]) missing.push(`billing address ${field}`);
  }
  if (missing.length > 0) {
    refuse(`Dodo checkout with confirm:true needs ${missing.join(", ")}; without them Dodo refuses the session.`, "providerOptions.dodo.confirm");
  }
}

/** Our neutral request (+ the app's defaults) → Dodo's checkout session body. Pure; throws before any call. */
export function toDodoSessionParams(request: CheckoutRequest, defaults: DodoCheckoutOptions = {}): DodoSessionParams {
  if (request.mode === "setup") {
    throw new UnsupportedFeatureError("dodo", "setupMode", "Dodo Payments has no card-only (setup) checkout sessions.");
  }
  const items = request.lineItems;
  if (items.length === 0) refuse("A Dodo checkout needs at least one product.", "lineItems");
  if (items.length > MAX_CART_ITEMS) refuse(`A Dodo cart holds at most ${MAX_CART_ITEMS} products (got ${items.length}).`, "lineItems");
  const recurring = items.filter((item) => item.type === "recurring");
  if (recurring.length > 0 && recurring.length < items.length) {
    refuse(
      "Dodo cannot mix one-time and subscription products in one checkout: buy the subscription and the one-time products in separate checkouts.",
      "lineItems",
    );
  }
  if (request.mode === "subscription" && recurring.length !== 1) {
    refuse(
      recurring.length === 0
        ? "A subscription checkout needs a recurring price."
        : "A Dodo subscription checkout holds exactly one subscription product.",
      "lineItems",
    );
  }
  if (request.mode === "payment" && recurring.length > 0) refuse("A one-time (payment) checkout cannot contain a recurring price.", "lineItems");

  const productCart = items.map((item) => {
    if (!Number.isInteger(item.quantity) || item.quantity < 1) refuse(`Invalid quantity ${item.quantity} for ${item.priceId}.`, "quantity");
    if (!item.externalPriceId) {
      throw new UnsupportedFeatureError(
        "dodo",
        "inlinePrices",
        `Price ${item.priceId} has no Dodo product id (pdt_…); add one (PriceExternalId / DODO_PRODUCT_IDS) — Dodo sells only products from its dashboard.`,
      );
    }
    return { product_id: item.externalPriceId, quantity: item.quantity };
  });
  if (request.mode === "payment" && items.some((item) => (item.trialDays ?? 0) > 0)) {
    throw new UnsupportedFeatureError("dodo", "trials", "Trials apply only to subscriptions.");
  }
  if (request.locale && !LANGUAGE.test(request.locale)) {
    throw new UnsupportedFeatureError("dodo", "locale", `Dodo checkout cannot force the language "${request.locale}" (use a code such as "en" or "de").`);
  }

  const options = mergeDodoOptions(defaults, request.providerOptions?.dodo);
  const methods = options.allowedPaymentMethodTypes;
  if (methods && !(methods.includes("credit") && methods.includes("debit"))) {
    refuse('allowed_payment_method_types must include "credit" and "debit" as the fallback Dodo asks for; otherwise a checkout can end with no way to pay.', "providerOptions.dodo.allowedPaymentMethodTypes");
  }
  if (options.confirm) assertConfirmable(request, options);

  const params: DodoSessionParams = {
    product_cart: productCart,
    return_url: request.successUrl, // already carries ?cid=<our id>
    cancel_url: request.cancelUrl,
    metadata: { ...request.metadata, checkout_id: request.checkoutId },
  };

  if (request.providerCustomerId) {
    params.customer = { customer_id: request.providerCustomerId };
  } else if (request.customerEmail) {
    params.customer = {
      email: request.customerEmail,
      ...(options.customer?.name ? { name: options.customer.name } : {}),
      ...(options.customer?.phoneNumber ? { phone_number: options.customer.phoneNumber } : {}),
    };
  }
  if (options.billingAddress) {
    const { country, state, city, street, zipcode } = options.billingAddress;
    params.billing_address = { country: country as DodoPayments.CheckoutSessionBillingAddress["country"], state, city, street, zipcode };
  }
  if (methods) params.allowed_payment_method_types = methods;
  if (options.billingCurrency) params.billing_currency = options.billingCurrency as DodoPayments.Currency;
  if (options.showSavedPaymentMethods !== undefined) params.show_saved_payment_methods = options.showSavedPaymentMethods;
  if (options.confirm !== undefined) params.confirm = options.confirm;
  if (options.minimalAddress !== undefined) params.minimal_address = options.minimalAddress;
  if (options.force3ds !== undefined) params.force_3ds = options.force3ds;
  if (request.discountCode) params.discount_code = request.discountCode;

  const customization: NonNullable<DodoSessionParams["customization"]> = {};
  if (options.customization?.theme) customization.theme = options.customization.theme;
  if (options.customization?.showOrderDetails !== undefined) customization.show_order_details = options.customization.showOrderDetails;
  if (request.locale) customization.force_language = request.locale;
  if (Object.keys(customization).length > 0) params.customization = customization;

  // Dodo shows a discount field unless told not to; ours is off unless asked for (neutral
  // `allowDiscountCodes`, or the app's/request's own flag).
  const flags = options.featureFlags ?? {};
  params.feature_flags = {
    allow_discount_code: request.allowDiscountCodes === true || flags.allowDiscountCode === true,
    ...(flags.allowPhoneNumberCollection !== undefined ? { allow_phone_number_collection: flags.allowPhoneNumberCollection } : {}),
    ...(flags.allowTaxId !== undefined ? { allow_tax_id: flags.allowTaxId } : {}),
    ...(flags.allowCurrencySelection !== undefined ? { allow_currency_selection: flags.allowCurrencySelection } : {}),
    ...(flags.alwaysCreateNewCustomer !== undefined ? { always_create_new_customer: flags.alwaysCreateNewCustomer } : {}),
  };

  if (request.mode === "subscription") {
    // Our catalog is the truth: its trial (or none, 0) overrides the product's own setting.
    params.subscription_data = { trial_period_days: recurring[0].trialDays ?? 0 };
  }
  return params;
}

export async function createDodoCheckout(request: CheckoutRequest): Promise<CreatedCheckout> {
  const params = toDodoSessionParams(request, dodoCheckoutDefaults());
  const client = dodoClient();
  const startedAt = Date.now();
  const session = await callDodo("create a checkout session", () => client.checkoutSessions.create(params));
  if (!session.session_id || !session.checkout_url) {
    throw new ProviderRequestError("dodo", "Dodo Payments returned a checkout session without a session_id or checkout_url.");
  }
  // The answer carries no expiry: Dodo documents 24 h, or 15 min with confirm:true.
  return {
    providerSessionId: session.session_id,
    url: session.checkout_url,
    expiresAt: new Date(startedAt + (params.confirm ? CONFIRMED_SESSION_LIFETIME_MS : SESSION_LIFETIME_MS)),
  };
}

export async function getDodoCheckout(providerSessionId: string): Promise<CheckoutState> {
  const client = dodoClient();
  const now = new Date();
  const session = (await callDodo("read a checkout session", () => client.checkoutSessions.retrieve(providerSessionId))) as unknown as Json;
  if (session.id !== providerSessionId) {
    throw new ProviderRequestError("dodo", `Dodo Payments answered with session ${String(session.id)} for ${providerSessionId}.`);
  }
  // The session names its payment only; the payment carries our id (metadata), the customer,
  // the amounts and the subscription.
  const paymentId = typeof session.payment_id === "string" && session.payment_id ? session.payment_id : null;
  const payment = paymentId ? ((await callDodo("read a payment", () => client.payments.retrieve(paymentId))) as unknown as Json) : null;
  const subscriptionId = payment && typeof payment.subscription_id === "string" && payment.subscription_id ? payment.subscription_id : null;
  const subscription = subscriptionId
    ? ((await callDodo("read a subscription", () => client.subscriptions.retrieve(subscriptionId))) as unknown as Json)
    : null;
  return checkoutStateFromDodo(session, payment, subscription, now);
}

export async function cancelDodoSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot> {
  const client = dodoClient();
  const subscription = (await callDodo("cancel a subscription at the next billing date", () =>
    client.subscriptions.update(providerSubscriptionId, { cancel_at_next_billing_date: true }),
  )) as unknown as Json;
  const snapshot = isObject(subscription) ? subscriptionSnapshot(subscription) : null;
  if (!snapshot) throw new ProviderRequestError("dodo", "Dodo Payments returned an unreadable subscription.");
  return snapshot;
}
