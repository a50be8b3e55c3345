import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getProvider } from "@/lib/payments";
import { ProviderUnavailableError } from "@/lib/payments/errors";
import { getAccess, type Access } from "./entitlements";
import { CheckoutNotFoundError } from "./errors";
import { checkReturnUrl, type ReturnUrlCheck } from "./return-url";
import { summarize, syncCheckout, type CheckoutSummary } from "./sync-checkout";

// Read models for the pages the buyer sees after paying: the success page
// (getCheckoutResult) and the billing page (getBillingOverview). Both read only the user's
// OWN rows; the success page's state comes from syncCheckout (the provider's answer,
// applied by the same function as the webhook), never from query parameters.

/** The word the success page shows (and tests read from `data-testid="checkout-status"`). */
export type CheckoutView = "processing" | "review" | "active" | "paid" | "failed" | "expired" | "canceled";

export type CheckoutResultItem = {
  name: string;
  kind: "plan" | "one_time" | "credit_pack";
  quantity: number;
  interval: "month" | "year" | null;
};

/** What a completed checkout granted. */
export type CheckoutGrant =
  | { kind: "plan"; key: string; name: string; status: string; periodEnd: Date | null; cancelAtPeriodEnd: boolean }
  | { kind: "lasting"; key: string; name: string }
  | { kind: "credits"; quantity: number };

export type CheckoutResult = {
  summary: CheckoutSummary;
  view: CheckoutView;
  /** false: the provider could not be asked just now; `summary` is our last known state. */
  providerReachable: boolean;
  access: Access;
  items: CheckoutResultItem[];
  /** Empty unless the checkout is complete. */
  granted: CheckoutGrant[];
  /** The provider's signature on the return URL, where it signs one (Creem); never a source of state. */
  returnUrl: ReturnUrlCheck;
};

/**
 * Our id, or the provider's session id (as the provider's redirect may carry it), and the
 * return URL's whole query when the provider may have signed it.
 */
export type CheckoutLookup = { checkoutId?: string | null; sessionId?: string | null; returnParams?: URLSearchParams };

const MAX_ID_LENGTH = 200;

/** Only "complete" is success; every state that may still change is "processing". */
export function checkoutView(summary: Pick<CheckoutSummary, "status" | "mode">): CheckoutView {
  switch (summary.status) {
    case "complete":
      return summary.mode === "subscription" ? "active" : "paid";
    case "pending":
    case "open":
    case "processing":
      return "processing";
    case "held":
      return "review";
    case "failed":
    case "expired":
    case "canceled":
      return summary.status;
  }
}

/**
 * Resolves the lookup to the user's OWN checkout id, or throws CheckoutNotFoundError (also for
 * someone else's checkout, and when our id and the session id name different checkouts).
 */
export async function resolveOwnCheckoutId(userId: string, lookup: CheckoutLookup): Promise<string> {
  const checkoutId = clean(lookup.checkoutId);
  const sessionId = clean(lookup.sessionId);
  if (checkoutId) {
    const row = await db.checkout.findUnique({ where: { id: checkoutId }, select: { userId: true, providerSessionId: true } });
    if (!row || row.userId !== userId) throw new CheckoutNotFoundError();
    if (sessionId && row.providerSessionId && row.providerSessionId !== sessionId) throw new CheckoutNotFoundError();
    return checkoutId;
  }
  if (sessionId) {
    const row = await db.checkout.findFirst({
      where: { providerSessionId: sessionId, userId },
      select: { id: true },
      orderBy: { createdAt: "desc" },
    });
    if (!row) throw new CheckoutNotFoundError();
    return row.id;
  }
  throw new CheckoutNotFoundError();
}

/**
 * Syncs the user's checkout with the provider and says what it did: for the success page.
 * A provider that cannot be reached leaves our last known state (providerReachable: false).
 * Throws CheckoutNotFoundError (404) for an unknown or someone else's checkout.
 */
export async function getCheckoutResult(userId: string, lookup: CheckoutLookup): Promise<CheckoutResult> {
  const id = await resolveOwnCheckoutId(userId, lookup);
  const returnUrl = await checkOwnReturnUrl(id, lookup.returnParams);
  let summary: CheckoutSummary;
  let providerReachable = true;
  try {
    summary = await syncCheckout(id, { userId });
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError)) throw error;
    providerReachable = false;
    summary = summarize(await db.checkout.findUniqueOrThrow({ where: { id } }));
  }

  const checkout = await db.checkout.findUniqueOrThrow({
    where: { id },
    include: { items: { include: { price: { include: { product: true } } } } },
  });
  const items: CheckoutResultItem[] = checkout.items.map((item) => ({
    name: item.price.product.name,
    kind: item.price.product.kind,
    quantity: item.quantity,
    interval: item.price.interval,
  }));
  const [access, granted] = await Promise.all([
    getAccess(userId),
    summary.status === "complete" ? grantsOf(userId, checkout) : Promise.resolve([]),
  ]);
  return { summary, view: checkoutView(summary), providerReachable, access, items, granted, returnUrl };
}

/** Checked before the sync and independent of it: a rejected signature is logged and trusted for nothing. */
async function checkOwnReturnUrl(checkoutId: string, params: URLSearchParams | undefined): Promise<ReturnUrlCheck> {
  if (!params) return { status: "unsigned" };
  const row = await db.checkout.findUniqueOrThrow({ where: { id: checkoutId }, select: { id: true, provider: true, providerSessionId: true } });
  const check = checkReturnUrl(getProvider(row.provider), row, params);
  if (check.status === "rejected") console.warn(`[checkout ${checkoutId}] tampered or replayed ${row.provider} return URL: ${check.reason}`);
  return check;
}

type CheckoutWithProducts = Prisma.CheckoutGetPayload<{ include: { items: { include: { price: { include: { product: true } } } } } }>;

async function grantsOf(userId: string, checkout: CheckoutWithProducts): Promise<CheckoutGrant[]> {
  const [subscriptions, order] = await Promise.all([
    db.subscription.findMany({ where: { checkoutId: checkout.id, userId }, orderBy: { createdAt: "asc" } }),
    db.order.findUnique({ where: { checkoutId: checkout.id }, include: { entitlements: { where: { revokedAt: null } } } }),
  ]);
  const granted: CheckoutGrant[] = [];
  for (const subscription of subscriptions) {
    const product =
      checkout.items.find((item) => item.priceId === subscription.priceId)?.price.product ??
      checkout.items.find((item) => item.price.type === "recurring")?.price.product;
    granted.push({
      kind: "plan",
      key: product ? (product.entitlement ?? product.id) : "plan",
      name: product?.name ?? "Subscription",
      status: subscription.status,
      periodEnd: subscription.currentPeriodEnd,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    });
  }
  if (order && order.userId === userId) {
    const credits = order.entitlements.filter((grant) => grant.kind === "credits").reduce((sum, grant) => sum + grant.quantity, 0);
    if (credits > 0) granted.push({ kind: "credits", quantity: credits });
    for (const grant of order.entitlements.filter((candidate) => candidate.kind === "lasting")) {
      const product = checkout.items.find((item) => (item.price.product.entitlement ?? item.price.product.id) === grant.key)?.price.product;
      granted.push({ kind: "lasting", key: grant.key, name: product?.name ?? grant.key });
    }
  }
  return granted;
}

// ─────────────────────────────────────── Billing page ───────────────────────────────────────

export type CurrentSubscription = {
  id: string;
  status: string;
  planName: string;
  interval: "month" | "year" | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
};

export type OrderHistoryRow = {
  id: string;
  createdAt: Date;
  description: string;
  amountTotal: number;
  currency: string;
  status: "paid" | "refunded" | "partially_refunded" | "disputed";
};

export type BillingOverview = {
  access: Access;
  /** The user's current (not ended) subscription, newest first; null when there is none. */
  subscription: CurrentSubscription | null;
  /** One-time products owned now (from access.lasting), with their catalog names. */
  owned: { key: string; name: string }[];
  /** Newest first, at most ORDER_HISTORY_LIMIT. */
  orders: OrderHistoryRow[];
};

export const ORDER_HISTORY_LIMIT = 50;
const CURRENT_SUBSCRIPTION_STATUSES = ["trialing", "active", "past_due", "unpaid", "paused", "incomplete"] as const;

/** Everything the billing page shows, for the user's OWN rows only. */
export async function getBillingOverview(userId: string): Promise<BillingOverview> {
  const [access, subscription, orders] = await Promise.all([
    getAccess(userId),
    db.subscription.findFirst({
      // The same choice cancelSubscription({ userId }) makes.
      where: { userId, status: { in: [...CURRENT_SUBSCRIPTION_STATUSES] } },
      orderBy: { createdAt: "desc" },
      include: { checkout: { include: { items: { include: { price: { include: { product: true } } } } } } },
    }),
    db.order.findMany({
      where: { userId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: ORDER_HISTORY_LIMIT,
      include: { checkout: { include: { items: { include: { price: { include: { product: true } } } } } } },
    }),
  ]);

  let current: CurrentSubscription | null = null;
  if (subscription) {
    const price = subscription.priceId
      ? await db.price.findUnique({ where: { id: subscription.priceId }, include: { product: true } })
      : (subscription.checkout?.items.find((item) => item.price.type === "recurring")?.price ?? null);
    current = {
      id: subscription.id,
      status: subscription.status,
      planName: price?.product.name ?? "Subscription",
      interval: price?.interval ?? null,
      currentPeriodEnd: subscription.currentPeriodEnd,
      cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    };
  }

  const lastingProducts = access.lasting.length
    ? await db.product.findMany({
        where: { OR: [{ entitlement: { in: access.lasting } }, { id: { in: access.lasting } }] },
        select: { id: true, entitlement: true, name: true },
      })
    : [];
  const owned = access.lasting.map((key) => ({
    key,
    name: lastingProducts.find((product) => (product.entitlement ?? product.id) === key)?.name ?? key,
  }));

  return {
    access,
    subscription: current,
    owned,
    orders: orders.map((order) => ({
      id: order.id,
      createdAt: order.createdAt,
      description: (order.checkout ? describeItems(order.checkout.items) : "Subscription renewal") || "Order",
      amountTotal: order.amountTotal,
      currency: order.currency,
      status: order.status,
    })),
  };
}

const INTERVAL_LABEL = { month: "monthly", year: "yearly" } as const;

function describeItems(items: CheckoutWithProducts["items"]): string {
  return items
    .map((item) => {
      const name = item.price.product.name;
      const base = item.quantity > 1 ? `${item.quantity} × ${name}` : name;
      return item.price.interval ? `${base} (${INTERVAL_LABEL[item.price.interval]})` : base;
    })
    .join(", ");
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  if (trimmed.length > MAX_ID_LENGTH) throw new CheckoutNotFoundError();
  return trimmed;
}
