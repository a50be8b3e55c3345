// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the Stripe
// sandbox. Refunds go through the official SDK (refunds.create, partial amounts allowed);
// the rest through the sandbox's control API. Never imported by app code.
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
