import { describe, expect, it } from "vitest";
import { addInterval, creditsClawback, creditsToKeep, disputeState, nextDisputeStatus, paidAmountMismatch, pastDueGraceMs, planAccess, refundDecision, refundedTotal } from "./money-policy";

const DAY = 86_400_000;
const priced = { amountTotal: 10_000, currency: "usd", trial: false };

describe("paidAmountMismatch", () => {
  it("accepts only the priced amount in our currency, or the provider's conversion to it", () => {
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: null, total: 10_000, currency: "USD" })).toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 1, tax: null, total: 1, currency: "jpy" })).toMatch(/paid 1 JPY, priced 10000 USD/);
    expect(paidAmountMismatch(priced, { subtotal: 9_999, tax: null, total: 9_999, currency: "usd" })).toMatch(/priced 10000 USD/);
    expect(paidAmountMismatch(priced, { subtotal: 10_001, tax: null, total: 10_001, currency: "usd" })).not.toBeNull();
    const converted = { subtotal: 1_500_000, tax: null, total: 1_500_000, currency: "jpy", converted: { subtotal: 10_000, tax: null, total: 10_000, currency: "usd" } };
    expect(paidAmountMismatch(priced, converted)).toBeNull();
    expect(paidAmountMismatch(priced, { ...converted, converted: { ...converted.converted, total: 5_000 } })).not.toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: null, tax: null, total: null, currency: null })).toMatch(/no paid amount/);
    expect(paidAmountMismatch(priced, undefined)).toMatch(/no paid amount/);
  });

  it("tax: inclusive totals equal the price, exclusive ones leave it once tax is taken off", () => {
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: 900, total: 10_900, currency: "usd", taxInclusive: false })).toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: 900, total: 10_900, currency: "usd", taxInclusive: true })).not.toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: 900, total: 10_000, currency: "usd", taxInclusive: true })).toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: 900, total: 10_000, currency: "usd", taxInclusive: false })).not.toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 10_000, tax: 900, total: 10_900, currency: "usd" })).toBeNull();
  });

  it("a trial may report nothing paid; without a trial, nothing paid is a mismatch", () => {
    expect(paidAmountMismatch({ ...priced, trial: true }, { subtotal: 0, tax: null, total: 0, currency: "usd" })).toBeNull();
    expect(paidAmountMismatch(priced, { subtotal: 0, tax: null, total: 0, currency: "usd" })).not.toBeNull();
  });
});

describe("refunds", () => {
  it("the refunded total is the larger of the sum of refunds and the running total, capped at what was paid", () => {
    expect(refundedTotal({ paid: 100, sumOfRefunds: 50, reportedRunningTotal: 0, fullyRefunded: false, recorded: 0 })).toBe(50);
    expect(refundedTotal({ paid: 100, sumOfRefunds: 50, reportedRunningTotal: 80, fullyRefunded: false, recorded: 0 })).toBe(80);
    expect(refundedTotal({ paid: 100, sumOfRefunds: 0, reportedRunningTotal: 0, fullyRefunded: true, recorded: 0 })).toBe(100);
    expect(refundedTotal({ paid: 100, sumOfRefunds: 150, reportedRunningTotal: 0, fullyRefunded: false, recorded: 0 })).toBe(100);
    expect(refundedTotal({ paid: 100, sumOfRefunds: 10, reportedRunningTotal: 0, fullyRefunded: false, recorded: 60 })).toBe(60);
  });

  it("credits shrink to the share still paid for, rounded down; other grants only go on a full refund", () => {
    expect(creditsToKeep(1_000, 10_000, 9_999)).toBe(0);
    expect(creditsToKeep(1_000, 10_000, 5_000)).toBe(500);
    expect(creditsToKeep(100, 3, 1)).toBe(66);
    expect(creditsToKeep(100, 100, 200)).toBe(0);
    expect(refundDecision("credits", 1_000, 10_000, 2_500)).toEqual({ action: "reduce", keep: 750 });
    expect(refundDecision("lasting", 1, 10_000, 2_500)).toEqual({ action: "keep" });
    expect(refundDecision("lasting", 1, 10_000, 10_000)).toEqual({ action: "revoke" });
    expect(refundDecision("plan", 1, 900, 900)).toEqual({ action: "revoke" });
    expect(refundDecision("credits", 1_000, 10_000, 0)).toEqual({ action: "keep" });
  });

  it("a clawback never takes more than the buyer holds and never gives back what it took", () => {
    expect(creditsClawback({ target: 1_000, alreadyTaken: 0, balance: 200 })).toEqual({ taken: 200, shortfall: 800 });
    expect(creditsClawback({ target: 500, alreadyTaken: 0, balance: 1_000 })).toEqual({ taken: 500, shortfall: 0 });
    expect(creditsClawback({ target: 1_000, alreadyTaken: 500, balance: 0 })).toEqual({ taken: 500, shortfall: 500 });
    expect(creditsClawback({ target: 300, alreadyTaken: 500, balance: 0 })).toEqual({ taken: 500, shortfall: 0 });
    expect(creditsClawback({ target: 100, alreadyTaken: 0, balance: -50 })).toEqual({ taken: 0, shortfall: 100 });
  });
});

describe("disputes", () => {
  it("lost outranks open; a closed dispute never reopens", () => {
    expect(disputeState([])).toBe("none");
    expect(disputeState(["won"])).toBe("none");
    expect(disputeState(["won", "open"])).toBe("open");
    expect(disputeState(["open", "lost"])).toBe("lost");
    expect(nextDisputeStatus(null, "open")).toBe("open");
    expect(nextDisputeStatus("open", "won")).toBe("won");
    expect(nextDisputeStatus("won", "open")).toBe("won");
    expect(nextDisputeStatus("lost", "won")).toBe("lost");
  });
});

describe("planAccess", () => {
  const now = Date.now();
  const base = { status: "active" as const, currentPeriodEnd: new Date(now + 60 * DAY), paidThrough: new Date(now + 30 * DAY), pastDueSince: null, checkoutHeld: false, disputes: "none" as const, latestPaymentRefunded: false, graceMs: 3 * DAY };
  it("runs to the paid period, not the provider's period", () => {
    expect(planAccess(base)).toEqual({ access: true, periodEnd: base.paidThrough });
    expect(planAccess({ ...base, paidThrough: null })).toEqual({ access: false, reason: "no paid period yet" });
    expect(planAccess({ ...base, status: "trialing", paidThrough: null })).toEqual({ access: true, periodEnd: base.currentPeriodEnd });
  });
  it("past_due: the grace period from the failure; unpaid and the ended states: none", () => {
    const since = new Date(now - DAY);
    expect(planAccess({ ...base, status: "past_due", paidThrough: since, pastDueSince: since })).toEqual({ access: true, periodEnd: new Date(since.getTime() + 3 * DAY) });
    for (const status of ["unpaid", "canceled", "expired", "incomplete", "paused"] as const) expect(planAccess({ ...base, status }).access).toBe(false);
  });
  it("held, disputed or refunded: none", () => {
    expect(planAccess({ ...base, checkoutHeld: true })).toMatchObject({ access: false, reason: "checkout held for review" });
    expect(planAccess({ ...base, disputes: "open" })).toMatchObject({ access: false, reason: "disputed" });
    expect(planAccess({ ...base, disputes: "lost" })).toMatchObject({ access: false, reason: "dispute lost" });
    expect(planAccess({ ...base, latestPaymentRefunded: true })).toMatchObject({ access: false, reason: "refunded" });
  });
});

describe("BILLING_PAST_DUE_GRACE_DAYS", () => {
  it("defaults to 3 days, takes whole days up to 60, and refuses anything else", () => {
    expect(pastDueGraceMs({})).toBe(3 * DAY);
    expect(pastDueGraceMs({ BILLING_PAST_DUE_GRACE_DAYS: "0" })).toBe(0);
    expect(pastDueGraceMs({ BILLING_PAST_DUE_GRACE_DAYS: "14" })).toBe(14 * DAY);
    for (const bad of ["-1", "1.5", "61", "three"]) expect(() => pastDueGraceMs({ BILLING_PAST_DUE_GRACE_DAYS: bad })).toThrow(/BILLING_PAST_DUE_GRACE_DAYS/);
  });
});

describe("addInterval", () => {
  const at = (iso: string) => new Date(iso);
  it("is the same day next month or year, clamped to the month's end as providers bill", () => {
    expect(addInterval(at("2026-01-15T10:30:00.000Z"), "month").toISOString()).toBe("2026-02-15T10:30:00.000Z");
    expect(addInterval(at("2026-01-31T10:30:00.000Z"), "month").toISOString()).toBe("2026-02-28T10:30:00.000Z");
    expect(addInterval(at("2028-01-30T00:00:00.000Z"), "month").toISOString()).toBe("2028-02-29T00:00:00.000Z");
    expect(addInterval(at("2026-03-31T23:59:59.000Z"), "month").toISOString()).toBe("2026-04-30T23:59:59.000Z");
    expect(addInterval(at("2026-12-31T00:00:00.000Z"), "month").toISOString()).toBe("2027-01-31T00:00:00.000Z");
    expect(addInterval(at("2028-02-29T08:00:00.000Z"), "year").toISOString()).toBe("2029-02-28T08:00:00.000Z");
    expect(addInterval(at("2026-05-31T08:00:00.000Z"), "year").toISOString()).toBe("2027-05-31T08:00:00.000Z");
  });
});
