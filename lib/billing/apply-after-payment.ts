import "server-only";
import type { Order } from "@/lib/generated/prisma/client";
import type { PaymentEvent } from "@/lib/payments/types";
import { NotYetMatchedError, type ApplyOutcome, type Tx } from "./apply-common";
import { syncPlanGrant } from "./apply-subscriptions";
import { creditsClawback, disputeState, nextDisputeStatus, refundDecision, refundedTotal } from "./money-policy";

// Money that moves after the payment: refunds (each recorded once by its id) and disputes
// (recorded by theirs). Both end in reconcileOrderGrants, which derives the order's status and
// what its grants still give from those facts alone, so any delivery order converges.
//
// Lock order, shared with every other event: Checkout → Subscription → Order → User.

/** Finds the order an event about a payment refers to, and locks it (its subscription first). */
async function lockOrder(tx: Tx, event: PaymentEvent): Promise<Order | null> {
  const paymentId = event.payment?.id ?? null;
  const invoiceId = event.invoice?.id ?? null;
  let found = paymentId || invoiceId
    ? await tx.order.findFirst({
        where: {
          provider: event.provider,
          OR: [...(paymentId ? [{ providerPaymentId: paymentId }] : []), ...(invoiceId ? [{ providerInvoiceId: invoiceId }] : [])],
        },
        select: { id: true, subscriptionId: true },
      })
    : null;
  if (!found && event.ourCheckoutId) {
    // Our checkout id names the subscription's checkout on a renewal's refund too: it matches
    // the checkout's own order only when that order's payment is not known to be another one.
    const byCheckout = await tx.order.findUnique({ where: { checkoutId: event.ourCheckoutId }, select: { id: true, provider: true, subscriptionId: true, providerPaymentId: true } });
    if (byCheckout && byCheckout.provider === event.provider && (!paymentId || !byCheckout.providerPaymentId)) found = byCheckout;
  }
  if (!found) return null;
  if (found.subscriptionId) await tx.$queryRaw`SELECT id FROM "Subscription" WHERE id = ${found.subscriptionId} FOR UPDATE`;
  await tx.$queryRaw`SELECT id FROM "Order" WHERE id = ${found.id} FOR UPDATE`;
  return tx.order.findUniqueOrThrow({ where: { id: found.id } });
}

function unmatched(event: PaymentEvent): never {
  const what = event.payment?.id ? `payment ${event.payment.id}` : event.ourCheckoutId ? `checkout ${event.ourCheckoutId}` : "an unnamed payment";
  throw new NotYetMatchedError(`${event.kind} (${event.type}) for ${what}, which has no recorded order`);
}

export async function applyRefund(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const order = await lockOrder(tx, event);
  if (!order) unmatched(event);
  const payment = event.payment ?? { id: "" };
  const refunds = payment.refunds ?? [];
  if (refunds.length) {
    await tx.refund.createMany({
      data: refunds.map((refund) => ({ provider: event.provider, refundId: refund.id, orderId: order.id, amount: refund.amount, currency: refund.currency?.toLowerCase() ?? null })),
      skipDuplicates: true,
    });
  }
  const sum = await tx.refund.aggregate({ where: { orderId: order.id }, _sum: { amount: true } });
  const amountRefunded = refundedTotal({
    paid: order.amountTotal,
    sumOfRefunds: sum._sum.amount ?? 0,
    reportedRunningTotal: payment.amountRefunded ?? 0,
    fullyRefunded: payment.refunded === true,
    recorded: order.amountRefunded,
  });
  if (amountRefunded !== order.amountRefunded) await tx.order.update({ where: { id: order.id }, data: { amountRefunded } });
  await reconcileOrderGrants(tx, order.id);
  return { status: "applied", checkoutId: order.checkoutId ?? undefined };
}

export async function applyDispute(tx: Tx, event: PaymentEvent): Promise<ApplyOutcome> {
  const order = await lockOrder(tx, event);
  if (!order) unmatched(event);
  const disputeId = event.dispute?.id ?? event.payment?.disputeId ?? `payment:${order.id}`;
  const reported = event.kind === "dispute.created" ? "open" : (event.dispute?.status ?? "open");
  const existing = await tx.dispute.findUnique({ where: { provider_disputeId: { provider: event.provider, disputeId } } });
  const status = nextDisputeStatus(existing?.status ?? null, reported);
  if (!existing) {
    await tx.dispute.createMany({
      data: [{ provider: event.provider, disputeId, orderId: order.id, status, amount: event.dispute?.amount ?? null }],
      skipDuplicates: true,
    });
  } else if (existing.status !== status) {
    await tx.dispute.update({ where: { id: existing.id }, data: { status } });
  }
  await reconcileOrderGrants(tx, order.id);
  return { status: "applied", note: `dispute ${disputeId} ${status}`, checkoutId: order.checkoutId ?? undefined };
}

/**
 * The order's status and its grants from the facts recorded about it (refunded total,
 * disputes), by the policy in money-policy.ts. Idempotent: run after every refund or dispute.
 */
export async function reconcileOrderGrants(tx: Tx, orderId: string): Promise<void> {
  const order = await tx.order.findUniqueOrThrow({
    where: { id: orderId },
    include: { disputes: { select: { status: true } }, entitlements: true },
  });
  const disputes = disputeState(order.disputes.map((dispute) => dispute.status));
  const paid = order.amountTotal;
  const refunded = order.amountRefunded;
  const status = disputes !== "none" ? "disputed" : refunded >= paid && refunded > 0 ? "refunded" : refunded > 0 ? "partially_refunded" : "paid";
  const now = new Date();
  const disputeReason = disputes === "open" ? "disputed" : "dispute lost";

  // Grants this order bought (positive quantities) and the one refund adjustment row.
  const clawbackSource = `refund:${order.id}`;
  const grants = order.entitlements.filter((grant) => grant.source !== clawbackSource);
  let shortfall = order.creditsShortfall;
  for (const grant of grants) {
    const decision = refundDecision(grant.kind, grant.quantity, paid, refunded);
    const revokedForRefund = decision.action === "revoke";
    const reason = disputes !== "none" ? disputeReason : revokedForRefund ? "refunded" : null;
    if (reason && (!grant.revokedAt || grant.revokedReason !== reason)) {
      await tx.entitlement.update({ where: { id: grant.id }, data: { revokedAt: now, revokedReason: reason } });
    } else if (!reason && grant.revokedAt && isOurRevocation(grant.revokedReason)) {
      await tx.entitlement.update({ where: { id: grant.id }, data: { revokedAt: null, revokedReason: null } });
    }
  }

  const credits = grants.filter((grant) => grant.kind === "credits").reduce((sum, grant) => sum + grant.quantity, 0);
  if (credits > 0) {
    const decision = refundDecision("credits", credits, paid, refunded);
    const target = decision.action === "reduce" ? credits - decision.keep : 0;
    const adjustment = order.entitlements.find((grant) => grant.source === clawbackSource) ?? null;
    const alreadyTaken = adjustment ? -adjustment.quantity : 0;
    if (target > alreadyTaken) {
      // The balance is read under the user's lock: nothing spends between the read and the write.
      await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${order.userId} FOR UPDATE`;
      // What a dispute suspended of this order still counts as held: the clawback must not
      // depend on whether the refund or the dispute was applied first.
      const suspended = order.entitlements
        .filter((grant) => grant.kind === "credits" && grant.revokedAt && (grant.revokedReason === "disputed" || grant.revokedReason === "dispute lost"))
        .reduce((sum, grant) => sum + grant.quantity, 0);
      const balance = (await creditsInForce(tx, order.userId, now)) + suspended;
      const result = creditsClawback({ target, alreadyTaken, balance });
      shortfall = result.shortfall;
      if (adjustment) {
        await tx.entitlement.update({ where: { id: adjustment.id }, data: { quantity: -result.taken } });
      } else if (result.taken > 0) {
        await tx.entitlement.createMany({
          data: [
            {
              userId: order.userId,
              kind: "credits",
              key: "credits",
              quantity: -result.taken,
              source: clawbackSource,
              orderId: order.id,
              periodStart: now,
              ...(disputes !== "none" ? { revokedAt: now, revokedReason: disputeReason } : {}),
            },
          ],
          skipDuplicates: true,
        });
      }
    }
    // The adjustment follows its grants: suspended with them by a dispute, restored with them.
    if (adjustment) {
      const suspended = disputes !== "none";
      if (suspended !== (adjustment.revokedAt !== null)) {
        await tx.entitlement.update({ where: { id: adjustment.id }, data: suspended ? { revokedAt: now, revokedReason: disputeReason } : { revokedAt: null, revokedReason: null } });
      }
    }
  }
  if (status !== order.status || shortfall !== order.creditsShortfall) {
    await tx.order.update({ where: { id: order.id }, data: { status, creditsShortfall: shortfall } });
  }
  if (order.subscriptionId) await syncPlanGrant(tx, order.subscriptionId);
}

/** Revocations this module made (and may undo when a dispute is won). */
function isOurRevocation(reason: string | null): boolean {
  return reason === "disputed" || reason === "dispute lost" || reason === "refunded";
}

async function creditsInForce(tx: Tx, userId: string, now: Date): Promise<number> {
  const result = await tx.entitlement.aggregate({
    where: { userId, kind: "credits", revokedAt: null, OR: [{ periodEnd: null }, { periodEnd: { gt: now } }] },
    _sum: { quantity: true },
  });
  return result._sum.quantity ?? 0;
}
