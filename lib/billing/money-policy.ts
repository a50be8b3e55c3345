// The money policy in code: what a buyer keeps, decided from what was paid, refunded, disputed
// or left unpaid. Pure functions, no database: lib/billing/apply*.ts calls them and writes the
// result. docs/money-policy.md states the same rules in words; change both together.
import type { Amounts, DisputeStatus, SubscriptionStatus } from "@/lib/payments/types";

// ───────────────────────────── 1. Paid = priced, or held ─────────────────────────────

/** A hold that a later report with matching figures lifts (nothing contradicts it, it was only unknown). */
export const NO_PAID_AMOUNT = "the provider reported no paid amount and currency";

export type PricedCheckout = {
  /** Our priced total in minor units (the catalog's, after discounts we asked for). */
  amountTotal: number;
  currency: string;
  /** The checkout asked for a trial: the first payment may be nothing. */
  trial: boolean;
};

/**
 * Null when what the provider reports as paid matches what we priced, else why not. Compared
 * in our currency: the reported figures when the provider charged in it, else the provider's
 * own conversion back to it (Amounts.converted). Tax: a total that includes it must equal the
 * price; tax added on top must leave the price once subtracted; unknown accepts either.
 */
export function paidAmountMismatch(priced: PricedCheckout, reported: Amounts | null | undefined): string | null {
  if (!reported || reported.total == null || !reported.currency) return NO_PAID_AMOUNT;
  const ours = priced.currency.toLowerCase();
  const figures =
    reported.currency.toLowerCase() === ours
      ? reported
      : reported.converted && reported.converted.currency.toLowerCase() === ours
        ? reported.converted
        : null;
  const paid = `${reported.total} ${reported.currency.toUpperCase()}`;
  const expected = `${priced.amountTotal} ${ours.toUpperCase()}`;
  if (!figures || figures.total == null) return `paid ${paid}, priced ${expected} (another currency, no conversion reported)`;

  const tax = figures.tax ?? 0;
  const candidates =
    reported.taxInclusive === true ? [figures.total] : reported.taxInclusive === false ? [figures.total - tax] : [figures.total, figures.total - tax];
  const acceptable = priced.trial ? [priced.amountTotal, 0] : [priced.amountTotal];
  if (candidates.some((candidate) => acceptable.includes(candidate))) return null;
  const shown = figures === reported ? paid : `${paid} = ${figures.total} ${ours.toUpperCase()}`;
  return `paid ${shown}${tax ? ` (tax ${tax})` : ""}, priced ${expected}`;
}

// ───────────────────────────── 2. Refunds ─────────────────────────────

/**
 * The refunded total of one payment: every refund counted once by its id, and never less than
 * the highest running total the provider reported. Capped at what was paid.
 */
export function refundedTotal(input: { paid: number; sumOfRefunds: number; reportedRunningTotal: number; fullyRefunded: boolean; recorded: number }): number {
  const highest = Math.max(input.recorded, input.sumOfRefunds, input.reportedRunningTotal, input.fullyRefunded ? input.paid : 0);
  return Math.min(highest, input.paid);
}

export type GrantKind = "credits" | "lasting" | "plan";

export type RefundDecision =
  /** Nothing taken back. */
  | { action: "keep" }
  /** The whole grant ends. */
  | { action: "revoke" }
  /** A quantity grant shrinks to `keep` (credits). */
  | { action: "reduce"; keep: number };

/**
 * THE place a developer changes what a refund takes back. Full refund: everything. Partial:
 * credits shrink to the share still paid for (rounded down, so a refund never leaves more
 * than was paid for); a one-time product and a subscription period are kept.
 */
export function refundDecision(kind: GrantKind, granted: number, paid: number, refunded: number): RefundDecision {
  if (refunded <= 0) return { action: "keep" };
  const full = paid <= 0 || refunded >= paid;
  if (kind === "credits") return { action: "reduce", keep: full ? 0 : creditsToKeep(granted, paid, refunded) };
  return full ? { action: "revoke" } : { action: "keep" };
}

/** floor(granted × (paid − refunded) / paid), never below zero. Integer arithmetic only. */
export function creditsToKeep(granted: number, paid: number, refunded: number): number {
  if (paid <= 0) return 0;
  const stillPaid = Math.max(0, paid - refunded);
  return Math.max(0, Math.floor((granted * stillPaid) / paid));
}

/**
 * How many credits a refund takes back now, given what it took before and the buyer's current
 * balance: the target, but never more than the buyer still holds (the rest is the shortfall,
 * recorded on the order for the admin console). Never gives back what it already took.
 */
export function creditsClawback(input: { target: number; alreadyTaken: number; balance: number }): { taken: number; shortfall: number } {
  const available = input.balance + input.alreadyTaken;
  const taken = Math.max(input.alreadyTaken, Math.min(input.target, Math.max(0, available)));
  return { taken, shortfall: Math.max(0, input.target - taken) };
}

// ───────────────────────────── 3. Disputes ─────────────────────────────

/** What the payment's disputes leave: lost outranks open outranks none (won ones count as none). */
export function disputeState(statuses: readonly DisputeStatus[]): "none" | "open" | "lost" {
  if (statuses.includes("lost")) return "lost";
  if (statuses.includes("open")) return "open";
  return "none";
}

/** A dispute's status never moves back: open → won/lost, and a closed one stays as it closed. */
export function nextDisputeStatus(current: DisputeStatus | null, reported: DisputeStatus): DisputeStatus {
  if (!current || current === "open") return reported;
  return current;
}

// ───────────────────────────── 4–5. Subscriptions ─────────────────────────────

/** Statuses that can give access (past_due only within the grace period). */
export const ACCESS_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due"]);

/**
 * Orders two reports about one subscription made in the same second (Stripe's `created` has
 * one-second resolution): the one further along wins, so a late retry of an "active" update
 * never undoes a cancellation. Terminal states rank highest.
 */
export const STATUS_RANK: Record<SubscriptionStatus, number> = {
  incomplete: 0,
  trialing: 1,
  active: 2,
  paused: 3,
  past_due: 3,
  unpaid: 4,
  canceled: 5,
  expired: 6,
};

export const DEFAULT_PAST_DUE_GRACE_DAYS = 3;

/** BILLING_PAST_DUE_GRACE_DAYS (whole days, 0–60, default 3): fail closed on anything else. */
export function pastDueGraceMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.BILLING_PAST_DUE_GRACE_DAYS?.trim();
  if (!raw) return DEFAULT_PAST_DUE_GRACE_DAYS * DAY_MS;
  if (!/^\d+$/.test(raw) || Number(raw) > 60) {
    throw new Error(`BILLING_PAST_DUE_GRACE_DAYS must be a whole number of days from 0 to 60 (got "${raw}").`);
  }
  return Number(raw) * DAY_MS;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export type PlanAccessInput = {
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  paidThrough: Date | null;
  pastDueSince: Date | null;
  /** The subscription's checkout is held for review (paid ≠ priced). */
  checkoutHeld: boolean;
  disputes: "none" | "open" | "lost";
  /** The payment for the current period was refunded in full. */
  latestPaymentRefunded: boolean;
  graceMs: number;
};

/** The plan grant a subscription gives now: until when, or why none. */
export function planAccess(input: PlanAccessInput): { access: true; periodEnd: Date | null } | { access: false; reason: string } {
  if (input.checkoutHeld) return { access: false, reason: "checkout held for review" };
  if (input.disputes === "open") return { access: false, reason: "disputed" };
  if (input.disputes === "lost") return { access: false, reason: "dispute lost" };
  if (input.latestPaymentRefunded) return { access: false, reason: "refunded" };
  if (!ACCESS_STATUSES.has(input.status)) return { access: false, reason: `subscription ${input.status}` };
  // A trial is given, not paid: it lasts as the provider says.
  if (input.status === "trialing") return { access: true, periodEnd: input.currentPeriodEnd };
  if (!input.paidThrough) return { access: false, reason: "no paid period yet" };
  if (input.status === "past_due") {
    const since = input.pastDueSince ?? input.paidThrough;
    const graceEnd = new Date(since.getTime() + input.graceMs);
    return { access: true, periodEnd: graceEnd > input.paidThrough ? graceEnd : input.paidThrough };
  }
  return { access: true, periodEnd: input.paidThrough };
}

/**
 * One billing interval after `from` (a renewal whose invoice names no period end): the same day
 * of the next month (or year), clamped to that month's last day as the providers bill
 * (Jan 31 → Feb 28, Feb 29 → Feb 28 next year), never overflowing into the month after.
 */
export function addInterval(from: Date, interval: "month" | "year"): Date {
  const year = from.getUTCFullYear() + (interval === "year" ? 1 : 0);
  const month = from.getUTCMonth() + (interval === "month" ? 1 : 0);
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const next = new Date(from);
  next.setUTCFullYear(year, month, Math.min(from.getUTCDate(), lastDay));
  return next;
}
