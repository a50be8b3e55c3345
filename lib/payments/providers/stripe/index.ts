import "server-only";
import type { PaymentProvider } from "@/lib/payments/types";
import {
  cancelStripeSubscriptionAtPeriodEnd,
  createStripeCheckout,
  getStripeCheckout,
  stripeCapabilities,
} from "./checkout";
import { stripeDeploymentMode } from "./config";
import { normalizeStripeEvent, resolveInvoicePayment, verifyStripeWebhookResolved } from "./webhooks";

/** Stripe Checkout Sessions (hosted page), through the official SDK. */
export const stripeProvider: PaymentProvider = {
  name: "stripe",
  capabilities: stripeCapabilities,
  createCheckout: createStripeCheckout,
  getCheckout: getStripeCheckout,
  verifyWebhook: verifyStripeWebhookResolved,
  normalizeStoredEvent: (raw) => normalizeStripeEvent(raw),
  resolveStoredEvent: (event) => resolveInvoicePayment(event),
  cancelSubscriptionAtPeriodEnd: cancelStripeSubscriptionAtPeriodEnd,
  deploymentMode: () => stripeDeploymentMode(),
};
