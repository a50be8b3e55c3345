import "server-only";
import type { PaymentProvider } from "@/lib/payments/types";
import { cancelDodoSubscriptionAtPeriodEnd, createDodoCheckout, dodoCapabilities, getDodoCheckout } from "./checkout";
import { normalizeDodoEvent, verifyDodoWebhook } from "./webhooks";

/** Dodo Payments checkout sessions (hosted page), through the official SDK. */
export const dodoProvider: PaymentProvider = {
  name: "dodo",
  capabilities: dodoCapabilities,
  createCheckout: createDodoCheckout,
  getCheckout: getDodoCheckout,
  verifyWebhook: verifyDodoWebhook,
  normalizeStoredEvent: (raw, eventId) => normalizeDodoEvent(raw, eventId),
  cancelSubscriptionAtPeriodEnd: cancelDodoSubscriptionAtPeriodEnd,
};
