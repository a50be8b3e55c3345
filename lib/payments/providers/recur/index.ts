import "server-only";
import type { PaymentProvider } from "@/lib/payments/types";
import { cancelRecurSubscriptionAtPeriodEnd, createRecurCheckout, getRecurCheckout, recurCapabilities } from "./checkout";
import { normalizeRecurEvent, verifyRecurWebhook } from "./webhooks";

/** Recur (recur.tw) hosted checkout sessions, through a small typed fetch client. */
export const recurProvider: PaymentProvider = {
  name: "recur",
  capabilities: recurCapabilities,
  createCheckout: createRecurCheckout,
  getCheckout: getRecurCheckout,
  verifyWebhook: verifyRecurWebhook,
  normalizeStoredEvent: (raw) => normalizeRecurEvent(raw),
  cancelSubscriptionAtPeriodEnd: cancelRecurSubscriptionAtPeriodEnd,
};
