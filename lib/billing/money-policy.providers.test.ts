// The money policy through each provider's own signed events: the sandbox emits what the
// provider sends (lib/payments/providers/<name>/testing/money-controls.ts), each event is
// delivered signed the way that provider signs it, through handleWebhook. A control the
// provider has no equivalent for (NotEmulated) is reported as skipped with its reason.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { createCheckout } from "./create-checkout";
import { creditsBalance, getAccess } from "./entitlements";
import { WebhookProcessingError } from "./errors";
import { creditsToKeep } from "./money-policy";
import { createUser } from "./testing/fixtures";
import { NotEmulated } from "./testing/money-controls";
import { PROVIDERS, deliverEvent, HTTPS_APP_URL, withProviderSandboxes, type ProviderSandbox } from "./testing/provider-sandboxes";

const sandboxFor = withProviderSandboxes();

/** Delivers every event emitted since `seen`, retrying the ones answered 5xx (as providers do). */
async function deliverNew(sandbox: ProviderSandbox, seen: number): Promise<number> {
  const all = await sandbox.events();
  let pending = all.slice(seen);
  for (let round = 0; pending.length > 0 && round < 5; round += 1) {
    const failed = [];
    for (const event of pending) {
      try {
        await deliverEvent(event);
      } catch (error) {
        if (!(error instanceof WebhookProcessingError)) throw error;
        failed.push(event);
      }
    }
    pending = failed;
  }
  expect(pending.map((event) => event.type)).toEqual([]);
  return all.length;
}

async function buy(sandbox: ProviderSandbox, priceId: string, quantity = 1) {
  const user = await createUser();
  const created = await createCheckout({ userId: user.id, email: user.email, priceId, quantity, appUrl: HTTPS_APP_URL }, { provider: getProvider(sandbox.name) });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { user, checkoutId: created.id, sessionId: row.providerSessionId! };
}

/** Runs `act`; false when the provider cannot produce it (the test then says why, and stops). */
async function where(act: () => Promise<void>): Promise<boolean> {
  try {
    await act();
    return true;
  } catch (error) {
    if (error instanceof NotEmulated) {
      console.info(`[money-policy] skipped: ${error.message}`);
      return false;
    }
    throw error;
  }
}

describe.each(PROVIDERS)("money policy through %s's signed events", (name) => {
  it("a partial refund takes back the refunded share of a credit pack; the rest refunded, all of it", async () => {
    const sandbox = sandboxFor(name);
    let seen = (await sandbox.events()).length;
    const packs = getProvider(name).capabilities.quantity ? 4 : 1;
    const { user, checkoutId, sessionId } = await buy(sandbox, "credits_100_pack", packs);
    await sandbox.pay(sessionId);
    seen = await deliverNew(sandbox, seen);
    expect(await creditsBalance(user.id)).toBe(100 * packs);
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId } });
    if (!(await where(() => sandbox.money.refund(order.providerPaymentId!, order.amountTotal / 4)))) return;
    seen = await deliverNew(sandbox, seen);
    expect(await creditsBalance(user.id)).toBe(creditsToKeep(100 * packs, order.amountTotal, order.amountTotal / 4));
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "partially_refunded", amountRefunded: order.amountTotal / 4 });
    await sandbox.money.refund(order.providerPaymentId!, (order.amountTotal * 3) / 4);
    await deliverNew(sandbox, seen);
    expect(await creditsBalance(user.id)).toBe(0);
    expect(await db.order.findUniqueOrThrow({ where: { id: order.id } })).toMatchObject({ status: "refunded", amountRefunded: order.amountTotal });
  });

  it("a dispute suspends a one-time product until it is won", async () => {
    const sandbox = sandboxFor(name);
    let seen = (await sandbox.events()).length;
    const { user, checkoutId, sessionId } = await buy(sandbox, "lifetime_once");
    await sandbox.pay(sessionId);
    seen = await deliverNew(sandbox, seen);
    expect((await getAccess(user.id)).lasting).toHaveLength(1);
    const order = await db.order.findUniqueOrThrow({ where: { checkoutId } });
    if (!(await where(() => sandbox.money.dispute(order.providerPaymentId!, "open")))) return;
    seen = await deliverNew(sandbox, seen);
    expect((await getAccess(user.id)).lasting).toEqual([]);
    if (!(await where(() => sandbox.money.dispute(order.providerPaymentId!, "won")))) return;
    await deliverNew(sandbox, seen);
    expect((await getAccess(user.id)).lasting).toHaveLength(1);
  });

  it("a completion paying less than the price is held for review and grants nothing", async () => {
    const sandbox = sandboxFor(name);
    const seen = (await sandbox.events()).length;
    const { user, checkoutId, sessionId } = await buy(sandbox, "credits_100_pack", 1);
    if (!(await where(() => sandbox.money.payDifferentAmount(sessionId, { amount: 100 })))) return;
    await deliverNew(sandbox, seen);
    expect(await db.checkout.findUniqueOrThrow({ where: { id: checkoutId } })).toMatchObject({ status: "held", amountTotal: 1_000, providerAmountTotal: 100 });
    expect(await creditsBalance(user.id)).toBe(0);
  });

  it("a failed renewal keeps the plan for the grace period; unpaid ends it", async () => {
    const sandbox = sandboxFor(name);
    let seen = (await sandbox.events()).length;
    const { user, sessionId } = await buy(sandbox, "starter_monthly");
    await sandbox.pay(sessionId);
    seen = await deliverNew(sandbox, seen);
    const { providerSubscriptionId } = await db.subscription.findFirstOrThrow({ where: { userId: user.id } });
    if (!(await where(() => sandbox.money.failRenewal(providerSubscriptionId)))) return;
    seen = await deliverNew(sandbox, seen);
    const status = (await db.subscription.findFirstOrThrow({ where: { userId: user.id } })).status;
    // past_due keeps access (grace); a provider that halts at once (Dodo on_hold → paused) ends it.
    if (status === "past_due") expect((await getAccess(user.id)).plan).toMatchObject({ status: "past_due" });
    else expect((await getAccess(user.id)).plan).toBeNull();
    if (!(await where(() => sandbox.money.markUnpaid(providerSubscriptionId)))) return;
    await deliverNew(sandbox, seen);
    expect((await getAccess(user.id)).plan).toBeNull();
  });
});
