// The success page's check of a signed return URL (Creem), against the real database and the
// local payments sandbox as Creem (the real adapter, official SDK). The sandbox signs its
// redirect exactly as Creem documents; webhooks are off, so nothing but the success page's own
// read could change our rows.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { creemRedirectSignature } from "@/lib/payments/providers/creem/redirect";
import { startCreemSandbox, type CreemSandbox } from "@/lib/payments/providers/creem/testing/sandbox";
import { createCheckout } from "./create-checkout";
import { getCheckoutResult } from "./overview";
import { checkReturnUrl } from "./return-url";
import { APP_URL, createUser, ensureCatalog } from "./testing/fixtures";

let sandbox: CreemSandbox;

beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startCreemSandbox({ webhookUrl: null });
  sandbox.configureAdapter();
});

beforeEach(() => sandbox.configureAdapter());

afterAll(async () => {
  await sandbox?.stop();
});

async function open(userId: string, email: string) {
  const created = await createCheckout({ userId, email, priceId: "lifetime_once", appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId! };
}

/** Everything a return could have written for this user. */
async function stateOf(userId: string, checkoutId: string) {
  const checkout = await db.checkout.findUniqueOrThrow({ where: { id: checkoutId }, select: { status: true, completedAt: true, updatedAt: true } });
  const [orders, entitlements, subscriptions] = await Promise.all([
    db.order.count({ where: { userId } }),
    db.entitlement.count({ where: { userId } }),
    db.subscription.count({ where: { userId } }),
  ]);
  return { checkout, orders, entitlements, subscriptions };
}

describe("the success page checks Creem's signed return URL", () => {
  it("a genuine redirect verifies: the signed ids are this checkout's (our request_id, Creem's checkout_id)", async () => {
    const user = await createUser();
    const a = await open(user.id, user.email!);
    const paid = await sandbox.pay(a.sessionId);
    const params = new URL(paid.redirectUrl!).searchParams;
    // Our id travels as cid; Creem's own checkout_id no longer collides with it.
    expect(params.get("cid")).toBe(a.id);
    expect(params.getAll("checkout_id")).toEqual([a.sessionId]);

    const result = await getCheckoutResult(user.id, { checkoutId: params.get("cid"), returnParams: params });
    expect(result.returnUrl).toEqual({ status: "verified", providerSessionId: a.sessionId });
    // The state still comes from Creem's API, not from the URL.
    expect(result.view).toBe("paid");
  });

  it("a forged signature (claiming an order for an unpaid checkout) is rejected, logged, and writes nothing", async () => {
    const user = await createUser();
    const a = await open(user.id, user.email!);
    const claims: Array<[string, string]> = [
      ["request_id", a.id],
      ["checkout_id", a.sessionId],
      ["order_id", "ord_forged"],
      ["product_id", "prod_sbx_lifetime_once"],
    ];
    // Signed with a guessed key: the attacker does not know our API key.
    const forged = new URLSearchParams([["cid", a.id], ...claims, ["signature", creemRedirectSignature(claims, "creem_test_guess")]]);
    const before = await stateOf(user.id, a.id);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const result = await getCheckoutResult(user.id, { checkoutId: a.id, returnParams: forged });
      expect(result.returnUrl).toMatchObject({ status: "rejected", reason: expect.stringMatching(/does not match/) });
      expect(result.view).toBe("processing");
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`[checkout ${a.id}] tampered or replayed creem return URL`));
    } finally {
      warn.mockRestore();
    }
    expect(await stateOf(user.id, a.id)).toEqual(before);
    expect(before.checkout.status).toBe("open");
  });

  it("a genuine signature replayed onto another checkout of the same user is rejected and writes nothing", async () => {
    const user = await createUser();
    const paidOne = await open(user.id, user.email!);
    const unpaid = await open(user.id, user.email!);
    const genuine = new URL((await sandbox.pay(paidOne.sessionId)).redirectUrl!).searchParams;
    const replayed = new URLSearchParams(genuine);
    replayed.set("cid", unpaid.id);

    const before = await stateOf(user.id, unpaid.id);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const result = await getCheckoutResult(user.id, { checkoutId: unpaid.id, returnParams: replayed });
      expect(result.returnUrl).toMatchObject({ status: "rejected", reason: expect.stringMatching(/another checkout/) });
      expect(result.view).toBe("processing");
    } finally {
      warn.mockRestore();
    }
    expect(await stateOf(user.id, unpaid.id)).toEqual(before);
  });

  it("a changed value in a genuine redirect breaks the signature", async () => {
    const user = await createUser();
    const a = await open(user.id, user.email!);
    const params = new URL((await sandbox.pay(a.sessionId)).redirectUrl!).searchParams;
    const edited = new URLSearchParams(params);
    edited.set("product_id", "prod_sbx_pro_monthly");
    const row = { id: a.id, providerSessionId: a.sessionId };
    const creem = (await import("@/lib/payments")).getProvider("creem");
    expect(checkReturnUrl(creem, row, params).status).toBe("verified");
    expect(checkReturnUrl(creem, row, edited)).toMatchObject({ status: "rejected" });
  });

  it("no signature, or a provider that signs nothing: unsigned, nothing to check", async () => {
    const user = await createUser();
    const a = await open(user.id, user.email!);
    const result = await getCheckoutResult(user.id, { checkoutId: a.id, returnParams: new URLSearchParams({ cid: a.id }) });
    expect(result.returnUrl).toEqual({ status: "unsigned" });
    const stripeLike = { name: "stripe" as const };
    expect(checkReturnUrl(stripeLike, { id: a.id, providerSessionId: null }, new URLSearchParams({ signature: "x" }))).toEqual({ status: "unsigned" });
  });
});
