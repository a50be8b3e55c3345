import { PaymentsError } from "@/lib/payments/errors";

// Errors of the billing layer; `status` is the HTTP answer a route handler should give.

/** Bad input from the browser: unknown/inactive price, quantity out of bounds, malformed field. 400. */
/** A second subscription checkout for a product the buyer already subscribes to (400). */
export class AlreadySubscribedError extends PaymentsError {
  readonly status = 400;
  readonly code = "already_subscribed";
  constructor(productName: string, status: string) {
    super(
      `You already have ${status === "trialing" ? "a trial of" : status === "past_due" ? "a past-due subscription to" : "an active subscription to"} ${productName}. Manage or change it from the billing page instead of subscribing again.`,
    );
    this.name = "AlreadySubscribedError";
  }
}

export class CheckoutInputError extends PaymentsError {
  readonly status = 400;
  readonly code = "invalid_checkout_request";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "CheckoutInputError";
  }
}

/** The idempotency key was used before with other parameters, or its checkout has ended. 409. */
export class IdempotencyConflictError extends PaymentsError {
  readonly status = 409;
  readonly code = "idempotency_conflict";
  constructor(message: string) {
    super(message);
    this.name = "IdempotencyConflictError";
  }
}

/** A request with the same idempotency key is still creating its provider session. 409 (retry shortly). */
export class CheckoutInProgressError extends PaymentsError {
  readonly status = 409;
  readonly code = "checkout_in_progress";
  constructor(readonly checkoutId: string) {
    super("This checkout is still being created; try again in a moment.");
    this.name = "CheckoutInProgressError";
  }
}

/** No such checkout for this user (also when it belongs to someone else). 404. */
export class CheckoutNotFoundError extends PaymentsError {
  readonly status = 404;
  readonly code = "checkout_not_found";
  constructor() {
    super("Checkout not found.");
    this.name = "CheckoutNotFoundError";
  }
}

/** No such subscription for this user (also when it belongs to someone else). 404. */
export class SubscriptionNotFoundError extends PaymentsError {
  readonly status = 404;
  readonly code = "subscription_not_found";
  constructor() {
    super("Subscription not found.");
    this.name = "SubscriptionNotFoundError";
  }
}

/** The subscription cannot be changed in its current state (already ended). 409. */
export class SubscriptionStateError extends PaymentsError {
  readonly status = 409;
  readonly code = "subscription_state";
  constructor(message: string) {
    super(message);
    this.name = "SubscriptionStateError";
  }
}

/** Applying a verified webhook event failed; it was rolled back and marked failed. 500 → the provider retries. */
export class WebhookProcessingError extends PaymentsError {
  readonly status = 500;
  readonly code = "webhook_processing_failed";
  override readonly expose = false;
  constructor(
    readonly eventId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "WebhookProcessingError";
  }
}

/**
 * A verified event about money that names nothing we know yet: kept as unmatched (never
 * dropped), answered 500 so the provider retries, and applied as soon as what it refers to is
 * recorded (lib/billing/parked-events.ts).
 */
export class WebhookNotMatchedYetError extends WebhookProcessingError {
  constructor(eventId: string, message: string, options?: { cause?: unknown }) {
    super(eventId, message, options);
    this.name = "WebhookNotMatchedYetError";
  }
}
