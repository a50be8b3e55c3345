import "server-only";

export { applyEvent, eventFromCheckoutState, type ApplyOutcome } from "./apply";
export { createCheckout, SUCCESS_PATH, CANCEL_PATH, type CreateCheckoutInput, type CreatedCheckoutResult } from "./create-checkout";
export { syncCheckout, type CheckoutSummary, type SyncResult } from "./sync-checkout";
export { handleWebhook, type WebhookResult } from "./webhooks";
export { getAccess, creditsBalance, hasEntitlement, type Access, type PlanAccess } from "./entitlements";
export { reconcilePendingCheckouts, type ReconcileCounts } from "./reconcile";
export { cancelSubscription, type SubscriptionSummary } from "./cancel-subscription";
export * from "./errors";
