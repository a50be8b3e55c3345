import "server-only";
import { db } from "@/lib/db";

// "I paid and got nothing": everything we hold for one user, found by email for display only.
// Reconciliation itself (Sync now, replay) still works by our checkout id.

const RECENT = 50;

export async function lookUpCustomerByEmail(email: string) {
  const user = await db.user.findFirst({
    where: { email: { equals: email.trim(), mode: "insensitive" } },
    select: { id: true, email: true, name: true, createdAt: true },
  });
  if (!user) return null;
  const [checkouts, orders, subscriptions, entitlements] = await Promise.all([
    db.checkout.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" }, take: RECENT }),
    db.order.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" }, take: RECENT }),
    db.subscription.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" }, take: RECENT }),
    db.entitlement.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" }, take: RECENT }),
  ]);
  return { user, checkouts, orders, subscriptions, entitlements };
}

export type CustomerLookup = NonNullable<Awaited<ReturnType<typeof lookUpCustomerByEmail>>>;
