import { describe, expect, it } from "vitest";
import { creditsBalance } from "@/lib/billing/entitlements";
import { createUser, deliver, payAndSign, webhookRows } from "@/lib/billing/testing/fixtures";
import { db } from "@/lib/db";
import { openCheckout, withStripeSandbox } from "./testing/stripe";
import { DEFAULT_STUCK_MINUTES, listStuckCheckouts, stuckFiltersSchema } from "./checkouts";
import { lookUpCustomerByEmail } from "./customer-lookup";
import { replayEventFromForm, syncCheckoutFromForm } from "./operations";

const sandboxOf = withStripeSandbox(); // webhook delivery off: every webhook is "held"

const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
};

describe("pending and stuck checkouts", () => {
  it("lists unfinished checkouts older than N minutes and failed ones, with the user's email, never complete ones", async () => {
    const user = await createUser();
    const open1 = await openCheckout(user.id, "credits_100_pack", 2);
    const failed = await openCheckout(user.id, "lifetime_once");
    await db.checkout.update({ where: { id: failed.id }, data: { status: "failed", lastError: "card declined" } });
    const done = await openCheckout(user.id, "credits_100_pack", 1);
    await deliver(await payAndSign(sandboxOf(), done.sessionId));

    const later = new Date(Date.now() + 10 * 60_000);
    const mine = (rows: Awaited<ReturnType<typeof listStuckCheckouts>>) => rows.filter((row) => row.userEmail === user.email);
    expect(mine(await listStuckCheckouts({ minutes: 5 }, later))).toEqual([
      expect.objectContaining({ id: failed.id, status: "failed", lastError: "card declined", provider: "stripe" }),
      expect.objectContaining({ id: open1.id, status: "open", amountTotal: 2000, currency: "usd", ageMinutes: 10 }),
    ]);
    // Now, nothing of this user is five minutes old yet: only the failed one shows.
    expect(mine(await listStuckCheckouts({ minutes: 5 })).map((row) => row.id)).toEqual([failed.id]);
  });

  it("reads the minutes from the query string, defaulting to 5", () => {
    expect(stuckFiltersSchema.parse({}).minutes).toBe(DEFAULT_STUCK_MINUTES);
    expect(stuckFiltersSchema.parse({ minutes: "0" }).minutes).toBe(0);
    expect(stuckFiltersSchema.parse({ minutes: "-3" }).minutes).toBe(DEFAULT_STUCK_MINUTES);
    expect(stuckFiltersSchema.parse({ minutes: "abc" }).minutes).toBe(DEFAULT_STUCK_MINUTES);
  });
});

describe("Sync now and Replay, as the console's buttons run them", () => {
  it("Sync now on a paid checkout whose webhook is held completes it from the provider's state, once", async () => {
    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 3);
    await sandboxOf().pay(a.sessionId); // paid at the provider; no webhook delivered
    expect(await creditsBalance(user.id)).toBe(0);

    const flash = await syncCheckoutFromForm(form({ checkoutId: a.id }));
    expect(flash).toEqual({ status: "success", message: expect.stringContaining(`Checkout ${a.id} is complete (applied`) });
    expect(await creditsBalance(user.id)).toBe(300);
    expect(await syncCheckoutFromForm(form({ checkoutId: a.id }))).toMatchObject({ status: "success", message: expect.stringContaining("provider not asked") });
    expect(await creditsBalance(user.id)).toBe(300);
  });

  it("Sync now on an unpaid checkout says it is still open and grants nothing; bad input changes nothing", async () => {
    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 1);
    expect(await syncCheckoutFromForm(form({ checkoutId: a.id }))).toEqual({ status: "info", message: expect.stringContaining("is open") });
    expect(await syncCheckoutFromForm(form({ checkoutId: "no-such-checkout" }))).toEqual({ status: "error", message: "No such checkout." });
    expect(await syncCheckoutFromForm(form({}))).toMatchObject({ status: "error" });
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("Replay reports already-applied, Force re-apply reports applied, and the flash says which attempt it was", async () => {
    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 1);
    const delivery = await payAndSign(sandboxOf(), a.sessionId);
    await deliver(delivery);
    const [row] = await webhookRows(delivery.eventId);
    expect(await replayEventFromForm(form({ webhookEventId: row.id, force: "false" }))).toEqual({
      status: "info",
      message: expect.stringMatching(/^Already applied: checkout.session.completed/),
    });
    expect(await replayEventFromForm(form({ webhookEventId: row.id, force: "true" }))).toEqual({
      status: "success",
      message: expect.stringMatching(/^Applied checkout.session.completed .* \(attempt 2\)/),
    });
    expect(await replayEventFromForm(form({ webhookEventId: "nope" }))).toEqual({ status: "error", message: "Replay failed: Webhook event not found." });
    expect(await replayEventFromForm(form({ webhookEventId: row.id, force: "yes" }))).toMatchObject({ status: "error" });
    expect(await creditsBalance(user.id)).toBe(100);
  });
});

describe("customer lookup by email (display only)", () => {
  it("shows the user's checkouts, orders and entitlements, whatever the case of the email", async () => {
    const user = await createUser();
    const a = await openCheckout(user.id, "credits_100_pack", 1);
    await deliver(await payAndSign(sandboxOf(), a.sessionId));
    const found = await lookUpCustomerByEmail(` ${user.email!.toUpperCase()} `);
    expect(found?.user.id).toBe(user.id);
    expect(found?.checkouts.map((checkout) => checkout.id)).toEqual([a.id]);
    expect(found?.orders).toEqual([expect.objectContaining({ checkoutId: a.id, status: "paid" })]);
    expect(found?.entitlements).toEqual([expect.objectContaining({ key: "credits", quantity: 100 })]);
    expect(found?.subscriptions).toEqual([]);
    expect(await lookUpCustomerByEmail("nobody-here@test.local")).toBeNull();
  });
});
