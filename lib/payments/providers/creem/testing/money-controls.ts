// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the Creem
// sandbox, emitting what Creem sends for each change. The payment id our Order records for
// Creem is the transaction id (tran_…, see normalize.ts transactionIdOf); an order id (ord_…,
// recorded when an order named no transaction) is accepted too. Full refunds go through the
// official SDK (`transactions.refund({transactionId})`: Creem's refund API refunds a transaction
// in full, creem@1.13.0 CreateRefundRequestEntity); partial ones — which only a merchant's
// dashboard action could make, unconfirmed — through the sandbox's control API, with the same
// refund.created shape. Never imported by app code.
import { NotEmulated, type MoneyControls } from "@/lib/billing/testing/money-controls";
import type { CreemSandbox } from "./sandbox";

export function creemMoneyControls(sandbox: CreemSandbox): MoneyControls {
  async function ok(method: string, path: string, body?: unknown) {
    const result = await sandbox.control(method, path, body);
    if (result.status >= 300) throw new Error(`creem sandbox ${method} ${path} → ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }
  const paymentRef = (providerPaymentId: string) => (providerPaymentId.startsWith("ord_") ? { order_id: providerPaymentId } : { transaction_id: providerPaymentId });
  return {
    payDifferentAmount: async (sessionId, paid) => void (await ok("POST", `/creem/sessions/${sessionId}/complete`, { card: "4242424242424242", ...paid })),
    refund: async (providerPaymentId, amount) => {
      if (amount === undefined && providerPaymentId.startsWith("tran_")) {
        await sandbox.creem.transactions.refund({ transactionId: providerPaymentId });
        return;
      }
      await ok("POST", "/creem/refunds", { ...paymentRef(providerPaymentId), ...(amount !== undefined ? { amount } : {}) });
    },
    dispute: async (providerPaymentId, outcome) => {
      if (outcome !== "open") {
        throw new NotEmulated(
          "creem",
          `a dispute ${outcome}`,
          "Creem sends dispute.created only; it documents no dispute outcome event (creem@1.13.0 WebhookEventType, docs.creem.io webhook reference), so a won or lost dispute never reaches the app",
        );
      }
      await ok("POST", "/creem/disputes", paymentRef(providerPaymentId));
    },
    failRenewal: async (subscriptionId) => void (await ok("POST", `/creem/subscriptions/${subscriptionId}/advance`, { action: "payment_failed" })),
    markUnpaid: async (subscriptionId) => void (await ok("POST", `/creem/subscriptions/${subscriptionId}/advance`, { action: "unpaid" })),
  };
}
