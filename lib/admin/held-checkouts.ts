import "server-only";
import { db } from "@/lib/db";
import type { ProviderName } from "@/lib/payments/types";

// Money an operator must decide on or watch: checkouts held for review (paid, but not what we
// priced: nothing granted until an admin decides) and orders whose money went wrong after the
// fact (a refund took back fewer credits than it should have; a dispute open or lost).

export const HELD_LIST_LIMIT = 200;
export const DECIDED_LIST_LIMIT = 50;
export const EXCEPTIONS_LIST_LIMIT = 100;

export type ReviewDecision = "grant" | "refund";
export type OrderStatus = "paid" | "refunded" | "partially_refunded" | "disputed";

export type HeldCheckoutOrder = {
  id: string;
  providerPaymentId: string | null;
  status: OrderStatus;
  amountTotal: number;
  amountRefunded: number;
  currency: string;
  refundCount: number;
};

export type HeldCheckoutRow = {
  id: string;
  userEmail: string | null;
  provider: ProviderName;
  providerSessionId: string | null;
  /** "held" while waiting (or marked for refund); "complete" once granted. */
  status: "pending" | "open" | "processing" | "complete" | "held" | "failed" | "expired" | "canceled";
  items: { priceId: string; quantity: number }[];
  /** OUR priced figures (from the catalog). */
  ours: { total: number; tax: number | null; currency: string };
  /** What the provider reported as paid (null: it reported no figure). */
  reported: { total: number | null; tax: number | null; currency: string | null };
  heldReason: string | null;
  createdAt: Date;
  completedAt: Date | null;
  reviewDecision: ReviewDecision | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  order: HeldCheckoutOrder | null;
};

const heldInclude = {
  user: { select: { email: true } },
  items: { select: { priceId: true, quantity: true }, orderBy: { id: "asc" as const } },
  orders: {
    select: {
      id: true,
      providerPaymentId: true,
      status: true,
      amountTotal: true,
      amountRefunded: true,
      currency: true,
      _count: { select: { refunds: true } },
    },
  },
} as const;

/**
 * Every checkout still waiting for a decision (oldest first: it has waited longest), then the
 * recently decided ones (a grant made them complete; a refund decision leaves them held), newest
 * decision first.
 */
export async function listHeldCheckouts(): Promise<HeldCheckoutRow[]> {
  const [undecided, decided] = await Promise.all([
    db.checkout.findMany({
      where: { status: "held", reviewDecision: null },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: HELD_LIST_LIMIT,
      include: heldInclude,
    }),
    db.checkout.findMany({
      where: { reviewDecision: { not: null } },
      orderBy: [{ reviewedAt: "desc" }, { id: "desc" }],
      take: DECIDED_LIST_LIMIT,
      include: heldInclude,
    }),
  ]);
  return [...undecided, ...decided].map((row) => {
    const order = row.orders[0];
    return {
      id: row.id,
      userEmail: row.user.email,
      provider: row.provider,
      providerSessionId: row.providerSessionId,
      status: row.status,
      items: row.items,
      ours: { total: row.amountTotal, tax: row.amountTax, currency: row.currency },
      reported: { total: row.providerAmountTotal, tax: row.providerAmountTax, currency: row.providerCurrency },
      heldReason: row.heldReason,
      createdAt: row.createdAt,
      completedAt: row.completedAt,
      reviewDecision: asDecision(row.reviewDecision),
      reviewedBy: row.reviewedBy,
      reviewedAt: row.reviewedAt,
      order: order
        ? {
            id: order.id,
            providerPaymentId: order.providerPaymentId,
            status: order.status,
            amountTotal: order.amountTotal,
            amountRefunded: order.amountRefunded,
            currency: order.currency,
            refundCount: order._count.refunds,
          }
        : null,
    };
  });
}

/** How many held checkouts wait for a decision (for a notice elsewhere in the console). */
export async function countUndecidedHeld(): Promise<number> {
  return db.checkout.count({ where: { status: "held", reviewDecision: null } });
}

export type MoneyExceptionReason = "credits_shortfall" | "dispute_open" | "dispute_lost";

export type MoneyExceptionRow = {
  orderId: string;
  checkoutId: string | null;
  userEmail: string | null;
  provider: ProviderName;
  providerPaymentId: string | null;
  providerInvoiceId: string | null;
  status: OrderStatus;
  amountTotal: number;
  amountRefunded: number;
  currency: string;
  creditsShortfall: number;
  refunds: { refundId: string; amount: number; currency: string | null; createdAt: Date }[];
  disputes: { disputeId: string; status: "open" | "won" | "lost"; amount: number | null; updatedAt: Date }[];
  reasons: MoneyExceptionReason[];
  createdAt: Date;
  updatedAt: Date;
};

/** Orders with credits a refund could not take back, or a dispute open or lost; most recently changed first. */
export async function listMoneyExceptions(): Promise<MoneyExceptionRow[]> {
  const rows = await db.order.findMany({
    where: { OR: [{ creditsShortfall: { gt: 0 } }, { disputes: { some: { status: { in: ["open", "lost"] } } } }] },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: EXCEPTIONS_LIST_LIMIT,
    include: {
      user: { select: { email: true } },
      refunds: { select: { refundId: true, amount: true, currency: true, createdAt: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
      disputes: { select: { disputeId: true, status: true, amount: true, updatedAt: true }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
    },
  });
  return rows.map((row) => {
    const reasons: MoneyExceptionReason[] = [];
    if (row.creditsShortfall > 0) reasons.push("credits_shortfall");
    if (row.disputes.some((dispute) => dispute.status === "open")) reasons.push("dispute_open");
    if (row.disputes.some((dispute) => dispute.status === "lost")) reasons.push("dispute_lost");
    return {
      orderId: row.id,
      checkoutId: row.checkoutId,
      userEmail: row.user.email,
      provider: row.provider,
      providerPaymentId: row.providerPaymentId,
      providerInvoiceId: row.providerInvoiceId,
      status: row.status,
      amountTotal: row.amountTotal,
      amountRefunded: row.amountRefunded,
      currency: row.currency,
      creditsShortfall: row.creditsShortfall,
      refunds: row.refunds,
      disputes: row.disputes,
      reasons,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  });
}

function asDecision(value: string | null): ReviewDecision | null {
  return value === "grant" || value === "refund" ? value : null;
}
