import "server-only";
import type { PaymentProvider } from "@/lib/payments/types";
import { cancelCreemSubscriptionAtPeriodEnd, createCreemCheckout, creemCapabilities, getCreemCheckout } from "./checkout";
import { creemDeploymentMode } from "./config";
import { verifyCreemReturnUrl } from "./redirect";
import { normalizeCreemEvent, verifyCreemWebhook } from "./webhooks";

/** Creem checkout sessions (hosted page, embeddable), through the official `creem` SDK. */
export const creemProvider: PaymentProvider = {
  name: "creem",
  capabilities: creemCapabilities,
  createCheckout: createCreemCheckout,
  getCheckout: getCreemCheckout,
  verifyWebhook: verifyCreemWebhook,
  normalizeStoredEvent: (raw) => normalizeCreemEvent(raw),
  cancelSubscriptionAtPeriodEnd: cancelCreemSubscriptionAtPeriodEnd,
  verifyReturnUrl: (params) => verifyCreemReturnUrl(params),
  deploymentMode: () => creemDeploymentMode(),
};
