// Test-only: the money-policy controls (lib/billing/testing/money-controls.ts) on the Recur
// sandbox's control API (amounts there are in major units, as Recur's API has them).
import { NotEmulated, type MoneyControls } from "@/lib/billing/testing/money-controls";
import { minorUnits } from "../normalize";
import type { RecurSandbox } from "./sandbox";

export function recurMoneyControls(sandbox: RecurSandbox): MoneyControls {
  return {
    payDifferentAmount: async () => {
      throw new NotEmulated("recur", "a completion with another amount", "the sandbox charges the product's price");
    },
    refund: async (orderId, amount) => {
      let body = {};
      if (amount !== undefined) {
        const { order } = await sandbox.ok<{ order: { currency?: string } }>("GET", `/recur/orders/${orderId}`);
        body = { amount: amount / (minorUnits(1, order.currency ?? null) ?? 100) };
      }
      await sandbox.ok("POST", `/recur/orders/${orderId}/refund`, body);
    },
    dispute: async () => {
      throw new NotEmulated("recur", "disputes", "Recur's documents (seed 003) name no dispute or chargeback event");
    },
    failRenewal: async (subscriptionId) => void (await sandbox.ok("POST", `/recur/subscriptions/${subscriptionId}/advance`, { action: "payment_failed" })),
    markUnpaid: async () => {
      throw new NotEmulated("recur", "an unpaid subscription", "Recur documents past_due and cancellation, no unpaid state");
    },
  };
}
