// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the Dodo
// sandbox's control API. Never imported by app code.
import { NotEmulated, type MoneyControls } from "@/lib/billing/testing/money-controls";
import type { DodoSandbox } from "./sandbox";

const DISPUTE_STATUS = { open: "dispute_opened", won: "dispute_won", lost: "dispute_lost" } as const;

export function dodoMoneyControls(sandbox: DodoSandbox): MoneyControls {
  return {
    payDifferentAmount: async () => {
      throw new NotEmulated("dodo", "a completion with another amount", "the sandbox charges the product's catalog price (discount codes SANDBOX10/SANDBOX50 are the way to pay less)");
    },
    refund: async (paymentId, amount) => void (await sandbox.ok("POST", `/dodo/payments/${paymentId}/refund`, amount !== undefined ? { amount } : {})),
    dispute: async (paymentId, outcome) => void (await sandbox.ok("POST", `/dodo/payments/${paymentId}/dispute`, { status: DISPUTE_STATUS[outcome] })),
    failRenewal: async (subscriptionId) => void (await sandbox.ok("POST", `/dodo/subscriptions/${subscriptionId}/advance`, { action: "payment_failed" })),
    markUnpaid: async () => {
      throw new NotEmulated("dodo", "an unpaid subscription", "Dodo has no unpaid state: a failed renewal puts the subscription on_hold (no access) at once");
    },
  };
}
