// Test-only: the sandbox controls the money-policy tests drive, the same shape for every
// provider. Each provider implements it in `lib/payments/providers/<name>/testing/money-controls.ts`
// on its own sandbox module, emitting the events that provider really sends for the change.

/** What a provider's sandbox cannot produce because the provider has no such event or state. */
export class NotEmulated extends Error {
  constructor(provider: string, what: string, why: string) {
    super(`${provider}: ${what} is not emulated: ${why}`);
    this.name = "NotEmulated";
  }
}

export interface MoneyControls {
  /** Pays the session, the provider reporting `amount` (minor units, in `currency` or the session's) as paid instead of the priced total. */
  payDifferentAmount(sessionId: string, paid: { amount: number; currency?: string }): Promise<void>;
  /** One refund of `amount` (everything not yet refunded when omitted) of the payment our Order records as providerPaymentId. */
  refund(providerPaymentId: string, amount?: number): Promise<void>;
  /** Opens a dispute on that payment, or closes the open one as won or lost. */
  dispute(providerPaymentId: string, outcome: "open" | "won" | "lost"): Promise<void>;
  /** The next renewal's payment fails: the subscription goes past_due (with the provider's failure events). */
  failRenewal(providerSubscriptionId: string): Promise<void>;
  /** The provider stops retrying: its terminal unpaid state (Stripe `unpaid`, or the provider's equivalent). */
  markUnpaid(providerSubscriptionId: string): Promise<void>;
}
