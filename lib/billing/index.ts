import "server-only";

export { applyEvent, eventFromCheckoutState, type ApplyOutcome } from "./apply";
export { createCheckout, SUCCESS_PATH, CANCEL_PATH, type CreateCheckoutInput, type CreatedCheckoutResult } from "./create-checkout";
export { syncCheckout, type CheckoutSummary, type SyncResult } from "./sync-checkout";
export { handleWebhook, type WebhookResult } from "./webhooks";
export { getAccess, creditsBalance, hasEntitlement, type Access, type PlanAccess } from "./entitlements";
export { reconcilePendingCheckouts, type ReconcileCounts } from "./reconcile";
export { cancelSubscription, type SubscriptionSummary } from "./cancel-subscription";
export { parseCheckoutRequestBody, type CheckoutRequestBody } from "./checkout-request";
export { checkoutOptions, type CheckoutOptions } from "./checkout-options";
export { getCheckoutResult, getBillingOverview, checkoutView, ORDER_HISTORY_LIMIT, type CheckoutResult, type CheckoutView, type CheckoutGrant, type CheckoutLookup, type BillingOverview, type CurrentSubscription, type OrderHistoryRow } from "./overview";
export { getResumableCheckout, type ResumableCheckout } from "./resume";
export * from "./errors";
