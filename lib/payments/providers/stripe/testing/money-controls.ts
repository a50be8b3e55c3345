// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the Stripe
// sandbox. Refunds go through the official SDK (refunds.create: partial and several allowed,
// each emitting charge.refunded with the running amount_refunded, then refund.created); the rest
// through the sandbox's control API (sandbox/providers/stripe.ts, "control API"):
//   POST /_sandbox/stripe/sessions/:id/complete            {card, amount, currency?}  payDifferentAmount
//   POST /_sandbox/stripe/payment_intents/:id/dispute      {outcome: open|won|lost}   dispute
//   POST /_sandbox/stripe/subscriptions/:id/advance        {action: payment_failed}   failRenewal
//   POST /_sandbox/stripe/subscriptions/:id/advance        {action: unpaid}           markUnpaid
// Never imported by app code.
import type { MoneyControls } from "@/lib/billing/testing/money-controls";
import type { StripeSandbox } from "./sandbox";

export function stripeMoneyControls(sandbox: StripeSandbox): MoneyControls {
  async function ok(method: string, path: string, body?: unknown) {
    const result = await sandbox.control(method, path, body);
    if (result.status >= 300) throw new Error(`stripe sandbox ${method} ${path} → ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }
  return {
    payDifferentAmount: async (sessionId, paid) => void (await ok("POST", `/stripe/sessions/${sessionId}/complete`, { card: "4242424242424242", ...paid })),
    refund: async (paymentIntentId, amount) => void (await sandbox.stripe.refunds.create({ payment_intent: paymentIntentId, ...(amount !== undefined ? { amount } : {}) })),
    dispute: async (paymentIntentId, outcome) => void (await ok("POST", `/stripe/payment_intents/${paymentIntentId}/dispute`, { outcome })),
    failRenewal: async (subscriptionId) => void (await ok("POST", `/stripe/subscriptions/${subscriptionId}/advance`, { action: "payment_failed" })),
    markUnpaid: async (subscriptionId) => void (await ok("POST", `/stripe/subscriptions/${subscriptionId}/advance`, { action: "unpaid" })),
  };
}
