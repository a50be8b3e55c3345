import "server-only";
import type { PaymentProvider } from "@/lib/payments/types";
import {
  cancelFaststarSubscriptionAtPeriodEnd,
  createFaststarCheckout,
  faststarCapabilities,
  getFaststarCheckout,
} from "./checkout";
import { faststarDeploymentMode } from "./config";
import { normalizeFaststarEvent, verifyFaststarWebhook } from "./webhooks";

/** FastStar Checkout Sessions (hosted cashier), through a small typed fetch client (no npm SDK). */
export const faststarProvider: PaymentProvider = {
  name: "faststar",
  capabilities: faststarCapabilities,
  createCheckout: createFaststarCheckout,
  getCheckout: getFaststarCheckout,
  verifyWebhook: (rawBody, headers) => verifyFaststarWebhook(rawBody, headers),
  normalizeStoredEvent: (raw) => normalizeFaststarEvent(raw),
  cancelSubscriptionAtPeriodEnd: cancelFaststarSubscriptionAtPeriodEnd,
  deploymentMode: () => faststarDeploymentMode(),
};
