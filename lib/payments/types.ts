// The provider-neutral contract. Everything outside `providers/<name>/` speaks only these
// shapes; nothing outside a provider folder knows that provider's wire format.

import type { DodoCheckoutOptions } from "./providers/dodo/options";

export const PROVIDER_NAMES = ["stripe", "creem", "dodo", "recur", "faststar"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type CheckoutMode = "payment" | "subscription" | "setup";
export type Presentation = "redirect" | "overlay";
export type BillingInterval = "month" | "year";

/** What a provider's hosted checkout can do. Billing checks these before it creates anything. */
export interface ProviderCapabilities {
  /** The hosted page may be shown inside our <dialog><iframe> (else redirect only). */
  overlay: boolean;
  subscriptions: boolean;
  setupMode: boolean;
  /** More than one unit of a line item (quantity / units). */
  quantity: boolean;
  multipleLineItems: boolean;
  /** Ad hoc prices built from our catalog; false = every price needs the provider's id. */
  inlinePrices: boolean;
  /** Trial days set per checkout (false: configured on the provider's product, if at all). */
  trials: boolean;
  /** A discount code can be prefilled or entered on the hosted page. */
  discountCodes: boolean;
  /** The provider computes tax. */
  tax: boolean;
  /** The hosted page's language can be chosen per checkout. */
  locale: boolean;
  /** A separate cancel/back URL (Creem has none). */
  cancelUrl: boolean;
  /** The provider signs the redirect back to us (verifyReturnUrl). */
  signedReturnUrl: boolean;
}

/** One line of a checkout, resolved from OUR catalog on the server. */
export interface CheckoutLineItem {
  priceId: string; // our catalog price id
  productId: string;
  name: string;
  description?: string;
  unitAmount: number; // minor units, from the catalog
  currency: string; // ISO 4217, lower case
  quantity: number;
  type: "one_time" | "recurring";
  interval: BillingInterval | null;
  trialDays: number | null;
  /** The price's (or product's) id at this provider, when the catalog has one. */
  externalPriceId: string | null;
}

export interface CheckoutRequest {
  /** OUR Checkout id: travels as client_reference_id / metadata / request_id. */
  checkoutId: string;
  mode: CheckoutMode;
  lineItems: CheckoutLineItem[];
  customerEmail?: string | null;
  /** The buyer's name as our user record has it: a prefill only (Recur customerName, Creem customer.name). */
  customerName?: string | null;
  /** OUR user id, for providers that keep an external customer reference (Recur externalCustomerId). */
  userId?: string | null;
  /** The user's existing customer id at this provider, so the provider reuses it. */
  providerCustomerId?: string | null;
  /** Our success URL; already carries `cid=<our id>` (not `checkout_id`: Creem appends its own). */
  successUrl: string;
  cancelUrl: string;
  /** Sent as the provider's idempotency key: one provider session per key. */
  idempotencyKey: string;
  presentation: Presentation;
  locale?: string;
  /** Let the buyer enter a discount code on the hosted page. */
  allowDiscountCodes?: boolean;
  /** Prefill a discount (provider-specific code/id). */
  discountCode?: string;
  automaticTax?: boolean;
  /** FastStar: the buyer's country for tax (`buyer_country`), ISO 3166-1 alpha-2, optionally with a region ("US-CA"). */
  buyerCountry?: string;
  /** Extra metadata (strings only); `checkout_id` is always added by the adapter. */
  metadata?: Record<string, string>;
  /** Options only one provider understands, under that provider's name; each adapter reads only its own. */
  providerOptions?: ProviderCheckoutOptions;
}

/** Provider-namespaced checkout options (typed in each provider's folder). */
export interface ProviderCheckoutOptions {
  dodo?: DodoCheckoutOptions;
}

export interface CreatedCheckout {
  providerSessionId: string;
  url: string;
  expiresAt: Date | null;
}

export type CheckoutStateStatus = "open" | "processing" | "paid" | "failed" | "expired" | "canceled";

export type SubscriptionStatus =
  | "trialing"
  | "active"
  | "past_due"
  | "canceled"
  | "expired"
  | "paused"
  | "incomplete"
  /** Renewals failed and the provider stopped retrying (Stripe/Creem/FastStar `unpaid`): no access. */
  | "unpaid";

export interface SubscriptionSnapshot {
  id: string;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt?: Date | null;
  /** Our checkout id as the provider echoes it on the subscription (metadata), if any. */
  ourCheckoutId?: string | null;
}

export interface PaymentSnapshot {
  /** The provider's payment id (Stripe: the PaymentIntent id, else the charge id). */
  id: string;
  amount?: number | null;
  /** The provider's RUNNING TOTAL refunded on this payment, when it reports one (Stripe `amount_refunded`). */
  amountRefunded?: number | null;
  currency?: string | null;
  /** Fully refunded. */
  refunded?: boolean;
  disputeId?: string | null;
  /**
   * Each refund the event reports by its own id (a single refund: Dodo `refund.succeeded`,
   * Creem `refund.created`; a list: Stripe `charge.refunds`). Recorded once per id and summed.
   */
  refunds?: RefundSnapshot[];
}

export interface RefundSnapshot {
  id: string;
  /** This refund's amount (not a running total), minor units. */
  amount: number;
  currency?: string | null;
}

export type DisputeStatus = "open" | "won" | "lost";

export interface DisputeSnapshot {
  id: string;
  /** open: the buyer's bank took the money back pending the outcome; won: returned to us; lost: gone. */
  status: DisputeStatus;
  amount?: number | null;
  currency?: string | null;
}

/** One subscription invoice (a renewal, or the first payment of a subscription). */
export interface InvoiceSnapshot {
  id: string;
  /** The subscription's first invoice (Stripe billing_reason `subscription_create`): its payment is the checkout's. */
  firstPayment: boolean;
  amountDue: number | null;
  amountPaid: number | null;
  currency: string | null;
}

export interface Amounts {
  subtotal: number | null;
  tax: number | null;
  total: number | null;
  currency: string | null;
  /**
   * true: `total` includes `tax` (the price was tax-inclusive); false: tax was added on top
   * of the price; null/absent: the provider does not say (no tax reported = inclusive).
   */
  taxInclusive?: boolean | null;
  /**
   * When the provider charged in another currency than ours: the same figures in OUR currency,
   * from the provider's own conversion fields (Stripe `currency_conversion`). Compared instead.
   */
  converted?: { subtotal: number | null; tax: number | null; total: number | null; currency: string } | null;
}

/** A provider's authoritative view of one checkout session, normalized. */
export interface CheckoutState {
  providerSessionId: string;
  /** Our checkout id as the provider echoes it (client_reference_id / metadata / request_id). */
  ourCheckoutId: string | null;
  status: CheckoutStateStatus;
  mode: CheckoutMode | null;
  paymentId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
  /** Full snapshot when the provider returned it. */
  subscription: SubscriptionSnapshot | null;
  amounts: Amounts;
  expiresAt: Date | null;
  /** When the provider says the session was paid, where it says so: the completion's time, not our read's. */
  completedAt?: Date | null;
}

export type PaymentEventKind =
  | "checkout.completed" // paid (or nothing to pay: trial, setup)
  | "checkout.processing" // submitted, payment not settled yet
  | "checkout.failed"
  | "checkout.expired"
  | "checkout.canceled"
  | "checkout.open" // only from a sync: still payable
  | "subscription.updated"
  | "subscription.deleted"
  | "invoice.paid"
  | "payment.refunded"
  | "dispute.created" // a dispute / chargeback opened: what the payment bought is suspended
  | "dispute.closed" // won (restored) or lost (revoked): `dispute.status`
  | "ignored";

/**
 * A provider-verified change, normalized. Built by `verifyWebhook` (source "webhook") or
 * from an API read such as `getCheckout` (source "api").
 */
export interface PaymentEvent {
  provider: ProviderName;
  eventId: string;
  /** The provider's own event type, e.g. "checkout.session.completed". */
  type: string;
  /** Provider time of the event (webhook) or our time just before the API read (api). */
  occurredAt: Date;
  source: "webhook" | "api";
  kind: PaymentEventKind;
  ourCheckoutId?: string | null;
  providerSessionId?: string | null;
  customerId?: string | null;
  amounts?: Amounts;
  subscriptionId?: string | null;
  subscription?: SubscriptionSnapshot | null;
  payment?: PaymentSnapshot | null;
  /** invoice.paid: the paid service period's end. */
  periodEnd?: Date | null;
  /** invoice.paid: which invoice (renewals are recorded as Orders by it). */
  invoice?: InvoiceSnapshot | null;
  /** dispute.created / dispute.closed. */
  dispute?: DisputeSnapshot | null;
  /**
   * What the payload says about its mode (Stripe/FastStar `livemode`, Creem `mode`): true live,
   * false test, null/absent the payload does not say. Compared with the deployment's mode.
   */
  livemode?: boolean | null;
  raw: unknown;
}

export interface ReturnUrlVerification {
  providerSessionId: string | null;
  ourCheckoutId: string | null;
}

export interface PaymentProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** Creates a hosted checkout session. Throws ProviderUnavailableError / ProviderRequestError / UnsupportedFeatureError. */
  createCheckout(request: CheckoutRequest): Promise<CreatedCheckout>;
  /** Reads the session server-to-server: the authoritative state. */
  getCheckout(providerSessionId: string): Promise<CheckoutState>;
  /** Verifies the signature and normalizes the event. Throws WebhookVerificationError (or ProviderConfigurationError when the secret is missing). */
  verifyWebhook(rawBody: string, headers: Headers): PaymentEvent | Promise<PaymentEvent>;
  /**
   * Re-normalizes an event recorded by verifyWebhook (WebhookEvent.payload = PaymentEvent.raw,
   * signature-verified on receipt) so an operator can replay it. `eventId` is the recorded id:
   * Dodo's travels in the webhook-id header, not in the body. Throws WebhookVerificationError
   * when the payload is malformed.
   */
  normalizeStoredEvent?(raw: unknown, eventId: string): PaymentEvent;
  /**
   * What verifyWebhook adds from the provider's API to a normalized event (Stripe: the payment
   * of an invoice.paid whose payload omits it), for a stored event about to be applied again.
   */
  resolveStoredEvent?(event: PaymentEvent): Promise<PaymentEvent>;
  /** Schedules cancellation at period end and returns the provider's resulting snapshot. */
  cancelSubscriptionAtPeriodEnd(providerSubscriptionId: string): Promise<SubscriptionSnapshot>;
  /**
   * The mode the configured keys are in: "live", "test", or null when the key format does not
   * say. Events whose `livemode` disagrees are refused before anything is written.
   */
  deploymentMode?(): "live" | "test" | null;
  /** Only where the provider signs its redirects (Creem). Throws ReturnUrlVerificationError. */
  verifyReturnUrl?(params: URLSearchParams): ReturnUrlVerification;
}
