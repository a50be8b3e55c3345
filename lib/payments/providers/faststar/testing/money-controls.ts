// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the FastStar
// sandbox, through its control API (FastStar documents no refund or dispute API: refunds are
// made in its merchant dashboard). The payment id our Order records for FastStar is the
// `payment_id` (pi_…) of payment.succeeded (normalize.ts paymentSnapshot); refunds and
// disputes of that payment carry the same id. Never imported by app code.
import type { MoneyControls } from "@/lib/billing/testing/money-controls";
import type { FaststarSandbox } from "./sandbox";

export function faststarMoneyControls(sandbox: FaststarSandbox): MoneyControls {
  async function ok(method: string, path: string, body?: unknown) {
    const result = await sandbox.control(method, path, body);
    if (result.status >= 300) throw new Error(`faststar sandbox ${method} ${path} → ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }
  return {
    payDifferentAmount: async (sessionId, paid) => void (await ok("POST", `/faststar/sessions/${sessionId}/complete`, { card: "4242424242424242", ...paid })),
    refund: async (paymentId, amount) => void (await ok("POST", `/faststar/payments/${paymentId}/refund`, amount !== undefined ? { amount } : {})),
    dispute: async (paymentId, outcome) => void (await ok("POST", `/faststar/payments/${paymentId}/dispute`, { outcome })),
    failRenewal: async (subscriptionId) => void (await ok("POST", `/faststar/subscriptions/${subscriptionId}/advance`, { action: "payment_failed" })),
    markUnpaid: async (subscriptionId) => void (await ok("POST", `/faststar/subscriptions/${subscriptionId}/advance`, { action: "unpaid" })),
  };
}
