import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { creditsBalance } from "@/lib/billing/entitlements";
import { createUser, ensureCatalog } from "@/lib/billing/testing/fixtures";
import { db } from "@/lib/db";
import { listHeldCheckouts, listMoneyExceptions } from "./held-checkouts";
import { decideHeldCheckoutFromForm } from "./operations";

// The server actions check the admin first; here the signed-in admin is a stub (access.ts
// itself is tested elsewhere), so what reaches the billing layer is the real thing.
const signedIn = vi.hoisted(() => ({ admin: { id: "admin-user", email: "ops@example.com", name: "Ops" } as { id: string; email: string | null; name: string | null } | null }));
vi.mock("@/lib/admin/access", () => ({
  currentAdmin: async () => signedIn.admin,
  requireAdmin: async () => {
    if (!signedIn.admin) throw new Error("NEXT_HTTP_ERROR_FALLBACK;404");
    return signedIn.admin;
  },
}));
const { decideHeldCheckoutNow } = await import("@/app/(admin)/admin/actions");

beforeAll(async () => {
  await ensureCatalog();
});

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

/** A paid checkout for 2 × credits_100_pack ($20 priced) that the provider reported as $15 paid: held, one order, nothing granted. */
async function heldCheckout(options: { reportedTotal?: number; reportedCurrency?: string } = {}) {
  const user = await createUser();
  const price = await db.price.findUniqueOrThrow({ where: { id: "credits_100_pack" } });
  const completedAt = new Date(Date.now() - 60_000);
  const checkout = await db.checkout.create({
    data: {
      userId: user.id,
      provider: "stripe",
      providerSessionId: `cs_test_${randomUUID()}`,
      status: "held",
      mode: "payment",
      amountSubtotal: 2 * price.unitAmount,
      amountTax: 0,
      amountTotal: 2 * price.unitAmount,
      currency: price.currency,
      providerAmountTotal: options.reportedTotal ?? 1500,
      providerAmountTax: 120,
      providerCurrency: options.reportedCurrency ?? "usd",
      heldReason: "paid 1500 usd, priced 2000 usd",
      idempotencyKey: randomUUID(),
      completedAt,
      items: { create: [{ priceId: price.id, quantity: 2, unitAmount: price.unitAmount, currency: price.currency }] },
    },
  });
  const order = await db.order.create({
    data: {
      userId: user.id,
      checkoutId: checkout.id,
      provider: "stripe",
      providerPaymentId: `pi_test_${randomUUID()}`,
      amountTotal: options.reportedTotal ?? 1500,
      currency: options.reportedCurrency ?? "usd",
    },
  });
  return { user, checkout, order };
}

const rowOf = async (checkoutId: string) => (await listHeldCheckouts()).find((row) => row.id === checkoutId);

describe("listHeldCheckouts", () => {
  it("returns our priced figures and the provider's side by side, the reason, the order's payment id and refund state; undecided first", async () => {
    const { user, checkout, order } = await heldCheckout({ reportedCurrency: "eur", reportedTotal: 2000 });
    const decided = await heldCheckout();
    await decideHeldCheckoutFromForm(form({ checkoutId: decided.checkout.id, decision: "refund" }), "ops@example.com");

    const rows = await listHeldCheckouts();
    const row = rows.find((candidate) => candidate.id === checkout.id);
    expect(row).toEqual({
      id: checkout.id,
      userEmail: user.email,
      provider: "stripe",
      providerSessionId: checkout.providerSessionId,
      status: "held",
      items: [{ priceId: "credits_100_pack", quantity: 2 }],
      ours: { total: 2000, tax: 0, currency: "usd" },
      reported: { total: 2000, tax: 120, currency: "eur" },
      heldReason: "paid 1500 usd, priced 2000 usd",
      createdAt: checkout.createdAt,
      completedAt: checkout.completedAt,
      reviewDecision: null,
      reviewedBy: null,
      reviewedAt: null,
      order: { id: order.id, providerPaymentId: order.providerPaymentId, status: "paid", amountTotal: 2000, amountRefunded: 0, currency: "eur", refundCount: 0 },
    });
    const decidedIndex = rows.findIndex((candidate) => candidate.id === decided.checkout.id);
    expect(rows[decidedIndex]).toMatchObject({ status: "held", reviewDecision: "refund", reviewedBy: "ops@example.com", reviewedAt: expect.any(Date) });
    // Every undecided row comes before every decided one.
    const lastUndecided = rows.map((candidate) => candidate.reviewDecision).lastIndexOf(null);
    expect(lastUndecided).toBeLessThan(rows.findIndex((candidate) => candidate.reviewDecision !== null));
    expect(rows.findIndex((candidate) => candidate.id === checkout.id)).toBeLessThan(decidedIndex);
  });
});

describe("Grant access and Mark for refund, as the console's buttons run them", () => {
  it("grant (through the server action, as the signed-in admin) completes the checkout and grants the order's credits, once", async () => {
    const { user, checkout, order } = await heldCheckout();
    expect(await creditsBalance(user.id)).toBe(0);

    const flash = await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id, decision: "grant" }));
    expect(flash).toEqual({ status: "success", message: expect.stringContaining(`Granted checkout ${checkout.id}: it is complete`) });

    const after = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
    expect(after).toMatchObject({ status: "complete", reviewDecision: "grant", reviewedBy: "ops@example.com", reviewedAt: expect.any(Date) });
    // Our priced figures and the provider's stay as they were.
    expect(after).toMatchObject({ amountTotal: 2000, currency: "usd", providerAmountTotal: 1500, providerCurrency: "usd" });
    expect(await db.entitlement.findMany({ where: { orderId: order.id } })).toEqual([
      expect.objectContaining({ userId: user.id, kind: "credits", key: "credits", quantity: 200, source: `order:${order.id}`, revokedAt: null }),
    ]);
    expect(await creditsBalance(user.id)).toBe(200);
    expect(await rowOf(checkout.id)).toMatchObject({ status: "complete", reviewDecision: "grant", reviewedBy: "ops@example.com" });

    // Deciding again, either way, is an error flash and changes nothing.
    for (const decision of ["grant", "refund"]) {
      expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id, decision }))).toEqual({
        status: "error",
        message: expect.stringContaining(`Checkout ${checkout.id} was already decided (grant) by ops@example.com`),
      });
    }
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(1);
    expect(await creditsBalance(user.id)).toBe(200);
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "complete", reviewDecision: "grant" });
  });

  it("refund records the decision, grants nothing and says where to refund; a second decision is refused", async () => {
    const { user, checkout, order } = await heldCheckout();
    const flash = await decideHeldCheckoutFromForm(form({ checkoutId: checkout.id, decision: "refund" }), "second-admin@example.com");
    expect(flash).toEqual({ status: "success", message: expect.stringContaining(`Marked checkout ${checkout.id} for refund`) });
    expect(flash).toMatchObject({ message: expect.stringContaining(order.providerPaymentId!) });
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "held", reviewDecision: "refund", reviewedBy: "second-admin@example.com" });
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(0);

    expect(await decideHeldCheckoutFromForm(form({ checkoutId: checkout.id, decision: "grant" }), "ops@example.com")).toEqual({
      status: "error",
      message: expect.stringContaining("was already decided (refund) by second-admin@example.com"),
    });
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "held", reviewDecision: "refund", reviewedBy: "second-admin@example.com" });
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(0);
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("invalid input is an error flash and changes nothing", async () => {
    const { checkout, order } = await heldCheckout();
    const invalid = { status: "error", message: "That request was not valid. Reload the page and try again." };
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id, decision: "maybe" }))).toEqual(invalid);
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id }))).toEqual(invalid);
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ decision: "grant" }))).toEqual(invalid);
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: " ", decision: "grant" }))).toEqual(invalid);
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: "x".repeat(101), decision: "grant" }))).toEqual(invalid);
    expect(await decideHeldCheckoutFromForm(form({ checkoutId: checkout.id, decision: "grant" }), "  ")).toEqual(invalid);
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: "no-such-checkout", decision: "grant" }))).toEqual({ status: "error", message: "No such checkout." });

    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "held", reviewDecision: null, reviewedBy: null, reviewedAt: null });
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(0);
  });

  it("a checkout that is not held cannot be decided", async () => {
    const { checkout, order } = await heldCheckout();
    await db.checkout.update({ where: { id: checkout.id }, data: { status: "open" } });
    expect(await decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id, decision: "grant" }))).toEqual({
      status: "error",
      message: `Checkout ${checkout.id} is open, not held for review. Nothing changed.`,
    });
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "open", reviewDecision: null });
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(0);
  });

  it("two admins deciding at once: one decision wins, the other gets an error flash", async () => {
    const { checkout, order } = await heldCheckout();
    const flashes = await Promise.all([
      decideHeldCheckoutFromForm(form({ checkoutId: checkout.id, decision: "grant" }), "a@example.com"),
      decideHeldCheckoutFromForm(form({ checkoutId: checkout.id, decision: "refund" }), "b@example.com"),
    ]);
    expect(flashes.map((flash) => flash.status).sort()).toEqual(["error", "success"]);
    expect(flashes.find((flash) => flash.status === "error")).toMatchObject({ message: expect.stringContaining("was already decided") });
    const after = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
    expect(await db.entitlement.count({ where: { orderId: order.id } })).toBe(after.reviewDecision === "grant" ? 1 : 0);
  });

  it("someone who is not an admin gets the 404 and changes nothing", async () => {
    const { checkout } = await heldCheckout();
    const admin = signedIn.admin;
    signedIn.admin = null;
    try {
      await expect(decideHeldCheckoutNow({ status: "idle" }, form({ checkoutId: checkout.id, decision: "grant" }))).rejects.toThrow();
    } finally {
      signedIn.admin = admin;
    }
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } })).toMatchObject({ status: "held", reviewDecision: null });
  });
});

describe("listMoneyExceptions", () => {
  it("lists orders with a credits shortfall or an open or lost dispute, with their figures; a won dispute alone is not an exception", async () => {
    const make = async (data: { creditsShortfall?: number; amountRefunded?: number; status?: "paid" | "refunded" | "partially_refunded" | "disputed" }) => {
      const user = await createUser();
      return db.order.create({
        data: { userId: user.id, provider: "stripe", providerPaymentId: `pi_test_${randomUUID()}`, amountTotal: 3000, currency: "usd", ...data },
      });
    };
    const shortfall = await make({ creditsShortfall: 40, amountRefunded: 3000, status: "refunded" });
    await db.refund.create({ data: { provider: "stripe", refundId: `re_${randomUUID()}`, orderId: shortfall.id, amount: 3000, currency: "usd" } });
    const open = await make({ status: "disputed" });
    await db.dispute.create({ data: { provider: "stripe", disputeId: `dp_${randomUUID()}`, orderId: open.id, status: "open", amount: 3000 } });
    const lost = await make({});
    await db.dispute.create({ data: { provider: "stripe", disputeId: `dp_${randomUUID()}`, orderId: lost.id, status: "lost", amount: 3000 } });
    const won = await make({});
    await db.dispute.create({ data: { provider: "stripe", disputeId: `dp_${randomUUID()}`, orderId: won.id, status: "won", amount: 3000 } });
    const fine = await make({});

    const rows = await listMoneyExceptions();
    const byId = new Map(rows.map((row) => [row.orderId, row]));
    expect(byId.get(shortfall.id)).toMatchObject({
      reasons: ["credits_shortfall"],
      creditsShortfall: 40,
      amountTotal: 3000,
      amountRefunded: 3000,
      currency: "usd",
      status: "refunded",
      providerPaymentId: shortfall.providerPaymentId,
      refunds: [expect.objectContaining({ amount: 3000 })],
      disputes: [],
    });
    expect(byId.get(open.id)).toMatchObject({ reasons: ["dispute_open"], status: "disputed", disputes: [expect.objectContaining({ status: "open", amount: 3000 })] });
    expect(byId.get(lost.id)).toMatchObject({ reasons: ["dispute_lost"], creditsShortfall: 0 });
    expect(byId.has(won.id)).toBe(false);
    expect(byId.has(fine.id)).toBe(false);
  });
});
