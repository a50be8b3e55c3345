// Test-only helpers for the providers' contract suites (lib/payments/providers/<name>/contract.test.ts):
// open a real checkout through the adapter and the sandbox, so an official sample can be
// rewritten to name it and driven through record-and-apply; then read what the buyer kept.
// Never imported by app code.
import { db } from "@/lib/db";
import { createCheckout } from "@/lib/billing/create-checkout";
import { creditsBalance, getAccess } from "@/lib/billing/entitlements";
import type { PaymentProvider } from "@/lib/payments/types";
import { HTTPS_APP_URL } from "./provider-sandboxes";
import { createUser } from "./fixtures";

export type OpenedCheckout = { userId: string; checkoutId: string; sessionId: string };

/** Our Checkout row and the provider's session for one catalog price, created the way the app creates them. */
export async function openCheckout(provider: PaymentProvider, priceId: string, quantity = 1): Promise<OpenedCheckout> {
  const user = await createUser();
  const created = await createCheckout({ userId: user.id, email: user.email!, priceId, quantity, appUrl: HTTPS_APP_URL }, { provider });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { userId: user.id, checkoutId: created.id, sessionId: row.providerSessionId! };
}

/** Everything record-and-apply decides for one buyer: the checkout, its order, subscriptions, grants, access. */
export async function billingOf(opened: Pick<OpenedCheckout, "userId" | "checkoutId">) {
  const [checkout, orders, subscriptions, entitlements, access, credits] = await Promise.all([
    db.checkout.findUniqueOrThrow({ where: { id: opened.checkoutId } }),
    db.order.findMany({ where: { userId: opened.userId }, include: { refunds: true, disputes: true }, orderBy: { createdAt: "asc" } }),
    db.subscription.findMany({ where: { userId: opened.userId } }),
    db.entitlement.findMany({ where: { userId: opened.userId } }),
    getAccess(opened.userId),
    creditsBalance(opened.userId),
  ]);
  return { checkout, orders, subscriptions, entitlements, access, credits };
}
