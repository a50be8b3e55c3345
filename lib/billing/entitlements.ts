import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";

export type PlanAccess = {
  key: string;
  status: string;
  periodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
};

export type Access = {
  /** The plan currently giving access (latest period end wins), or null. */
  plan: PlanAccess | null;
  /** Keys of one-time products owned (e.g. "templates"). */
  lasting: string[];
  credits: number;
};

/** Grants in force now: not revoked, and not past their period end (null = no end). */
function inForce(userId: string, now: Date): Prisma.EntitlementWhereInput {
  return { userId, revokedAt: null, OR: [{ periodEnd: null }, { periodEnd: { gt: now } }] };
}

/** What the user may use right now. Derived only from grants written by applyEvent. */
export async function getAccess(userId: string, now: Date = new Date()): Promise<Access> {
  const grants = await db.entitlement.findMany({
    where: inForce(userId, now),
    include: { subscription: { select: { status: true, cancelAtPeriodEnd: true, currentPeriodEnd: true } } },
  });
  let plan: PlanAccess | null = null;
  const lasting = new Set<string>();
  let credits = 0;
  for (const grant of grants) {
    if (grant.kind === "credits") credits += grant.quantity;
    else if (grant.kind === "lasting") lasting.add(grant.key);
    else if (grant.kind === "plan") {
      const candidate: PlanAccess = {
        key: grant.key,
        status: grant.subscription?.status ?? "active",
        periodEnd: grant.periodEnd,
        cancelAtPeriodEnd: grant.subscription?.cancelAtPeriodEnd ?? false,
      };
      const later = !plan || (candidate.periodEnd?.getTime() ?? Infinity) > (plan.periodEnd?.getTime() ?? Infinity);
      if (later) plan = candidate;
    }
  }
  return { plan, lasting: [...lasting].sort(), credits };
}

/** Credits granted and not revoked (negative grants, e.g. `usage:<id>`, would count as spending). */
export async function creditsBalance(userId: string, now: Date = new Date()): Promise<number> {
  const result = await db.entitlement.aggregate({
    where: { ...inForce(userId, now), kind: "credits" },
    _sum: { quantity: true },
  });
  return result._sum.quantity ?? 0;
}

/** Whether a plan or one-time grant with this key is in force ("credits": a positive balance). */
export async function hasEntitlement(userId: string, key: string, now: Date = new Date()): Promise<boolean> {
  if (key === "credits") return (await creditsBalance(userId, now)) > 0;
  const found = await db.entitlement.findFirst({
    where: { ...inForce(userId, now), key, kind: { in: ["plan", "lasting"] } },
    select: { id: true },
  });
  return found !== null;
}
