import http from "node:http";
import type { AddressInfo } from "node:net";
import { Creem } from "creem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderRequestError, ProviderUnavailableError, ReturnUrlVerificationError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type { CheckoutLineItem, CheckoutRequest } from "@/lib/payments/types";
import { toCreemCheckoutParams } from "./checkout";
import { callCreem } from "./client";
import { creemProvider } from "./index";
import { creemRedirectSignature, verifyCreemReturnUrl } from "./redirect";
import { SANDBOX_API_KEY, startCreemSandbox, type CreemSandbox, type Json } from "./testing/sandbox";

const pack: CheckoutLineItem = {
  priceId: "credits_100_pack",
  productId: "credits_100",
  name: "100 credits",
  unitAmount: 1000,
  currency: "usd",
  quantity: 3,
  type: "one_time",
  interval: null,
  trialDays: null,
  externalPriceId: "prod_sbx_credits_100_pack",
};

const plan: CheckoutLineItem = {
  priceId: "pro_monthly",
  productId: "pro",
  name: "Pro",
  unitAmount: 2900,
  currency: "usd",
  quantity: 1,
  type: "recurring",
  interval: "month",
  trialDays: 7,
  externalPriceId: "prod_sbx_pro_monthly",
};

function request(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return {
    checkoutId: "chk_our_1",
    mode: "payment",
    lineItems: [pack],
    customerEmail: "buyer@example.com",
    successUrl: "https://app.example/checkout/success?cid=chk_our_1",
    cancelUrl: "https://app.example/checkout/cancel?cid=chk_our_1",
    idempotencyKey: "checkout_chk_our_1",
    presentation: "redirect",
    ...overrides,
  };
}

describe("creem request mapping (toCreemCheckoutParams): every seed field", () => {
  it("request_id = our id, metadata carries it too, success_url as given, units = quantity, customer.email locks the email", () => {
    const { request: creem, extra } = toCreemCheckoutParams(request({ metadata: { source: "pricing" } }));
    expect(creem).toEqual({
      productId: "prod_sbx_credits_100_pack",
      requestId: "chk_our_1",
      units: 3,
      successUrl: "https://app.example/checkout/success?cid=chk_our_1",
      metadata: { source: "pricing", checkout_id: "chk_our_1" },
      customer: { email: "buyer@example.com" },
    });
    expect(extra).toEqual({});
  });

  it("our user's name is prefilled next to the email (customer.name); our user id and plan_type are not sent", () => {
    const { request: creem, extra } = toCreemCheckoutParams(request({ customerName: "Ada Buyer", userId: "usr_our_1" }));
    expect(creem.customer).toEqual({ email: "buyer@example.com", name: "Ada Buyer" });
    expect(JSON.stringify({ creem, extra })).not.toMatch(/usr_our_1|plan_type|planType/);
    // A known customer is reused by id alone: Creem already has its name.
    expect(toCreemCheckoutParams(request({ customerName: "Ada Buyer", providerCustomerId: "cust_1" })).request.customer).toEqual({ id: "cust_1" });
  });

  it("discount_code and locale are passed; a known Creem customer is reused by id", () => {
    const { request: creem, extra } = toCreemCheckoutParams(request({ discountCode: "SUMMER2025", locale: "zh-CN", providerCustomerId: "cust_1" }));
    expect(creem.discountCode).toBe("SUMMER2025");
    expect(creem.customer).toEqual({ id: "cust_1" });
    expect(extra).toEqual({ locale: "zh-CN" });
  });

  it("a plan: the Creem product carries the trial, nothing per checkout; units 1", () => {
    const { request: creem } = toCreemCheckoutParams(request({ mode: "subscription", lineItems: [plan] }));
    expect(creem).toMatchObject({ productId: "prod_sbx_pro_monthly", units: 1 });
    expect(JSON.stringify(creem)).not.toMatch(/trial|cancel/i);
  });

  it("refuses what Creem cannot do instead of dropping it", () => {
    const refusal = (overrides: Partial<CheckoutRequest>) => {
      try {
        toCreemCheckoutParams(request(overrides));
      } catch (error) {
        return error;
      }
      throw new Error("expected a refusal");
    };
    expect(refusal({ mode: "setup" })).toMatchObject({ feature: "setupMode" });
    expect(refusal({ lineItems: [pack, pack] })).toMatchObject({ feature: "multipleLineItems" });
    expect(refusal({ lineItems: [{ ...pack, externalPriceId: null }] })).toMatchObject({ feature: "inlinePrices" });
    expect(refusal({ locale: "xx-YY" })).toBeInstanceOf(UnsupportedFeatureError);
    expect(refusal({ lineItems: [{ ...pack, quantity: 0 }] })).toBeInstanceOf(ProviderRequestError);
    expect(refusal({ mode: "subscription" })).toBeInstanceOf(ProviderRequestError); // a one-time product in a subscription
    expect(creemProvider.capabilities).toMatchObject({ cancelUrl: false, trials: false, setupMode: false, inlinePrices: false, overlay: true, signedReturnUrl: true, quantity: true, locale: true });
  });
});

describe("creem return URL signature (verifyReturnUrl)", () => {
  const key = "creem_test_signing";
  const signed = (pairs: Array<[string, string]>, prefix: Array<[string, string]> = []) => {
    const all = [...prefix, ...pairs, ["signature", creemRedirectSignature(pairs, key)] as [string, string]];
    return new URLSearchParams(all);
  };
  const creemPairs: Array<[string, string]> = [
    ["request_id", "chk_1"],
    ["checkout_id", "ch_1"],
    ["order_id", "ord_1"],
    ["customer_id", "cust_1"],
    ["product_id", "prod_1"],
  ];

  it("matches the documented string: key=value pairs in URL order joined by |, salt=<API key> last, SHA-256 hex", async () => {
    const { createHash } = await import("node:crypto");
    const expected = createHash("sha256").update("request_id=chk_1|checkout_id=ch_1|order_id=ord_1|customer_id=cust_1|product_id=prod_1|salt=creem_test_signing").digest("hex");
    expect(creemRedirectSignature(creemPairs, key)).toBe(expected);
    expect(creemRedirectSignature([...creemPairs, ["subscription_id", ""], ["x", "null"]], key)).toBe(expected);
  });

  it("accepts Creem's parameters after our own cid (or a legacy checkout_id), and the fully signed form; returns both ids", () => {
    const withOurs = signed(creemPairs, [["cid", "chk_1"]]);
    expect(verifyCreemReturnUrl(withOurs, key)).toEqual({ providerSessionId: "ch_1", ourCheckoutId: "chk_1" });
    const withLegacy = signed(creemPairs, [["checkout_id", "chk_1"]]);
    expect(verifyCreemReturnUrl(withLegacy, key)).toEqual({ providerSessionId: "ch_1", ourCheckoutId: "chk_1" });
    const all: Array<[string, string]> = [["checkout_id", "chk_1"], ...creemPairs];
    expect(verifyCreemReturnUrl(signed(all), key)).toEqual({ providerSessionId: "ch_1", ourCheckoutId: "chk_1" });
  });

  it("refuses a missing, doubled or wrong signature, a changed value, another key's signature", () => {
    const params = signed(creemPairs, [["checkout_id", "chk_1"]]);
    const without = new URLSearchParams(params);
    without.delete("signature");
    expect(() => verifyCreemReturnUrl(without, key)).toThrow(ReturnUrlVerificationError);
    const doubled = new URLSearchParams(params);
    doubled.append("signature", params.get("signature")!);
    expect(() => verifyCreemReturnUrl(doubled, key)).toThrow(ReturnUrlVerificationError);
    const changed = new URLSearchParams(params.toString().replace("ord_1", "ord_2"));
    expect(() => verifyCreemReturnUrl(changed, key)).toThrow(/does not match/);
    expect(() => verifyCreemReturnUrl(params, "creem_test_other")).toThrow(ReturnUrlVerificationError);
    const reordered = new URLSearchParams([["checkout_id", "chk_1"], ...[...creemPairs].reverse(), ["signature", params.get("signature")!]]);
    expect(() => verifyCreemReturnUrl(reordered, key)).toThrow(ReturnUrlVerificationError);
  });
});

describe("creem adapter over HTTP (official SDK → the local payments sandbox)", () => {
  let sandbox: CreemSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startCreemSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await sandbox.control("DELETE", "/creem/faults");
  });
  const lastCreate = async () => (await sandbox.requests({ method: "POST", path: "^/v1/checkouts$" })).at(-1)!;

  it("creates with x-api-key and a JSON body carrying every seed field, and reads the checkout back", async () => {
    sandbox.configureAdapter();
    await sandbox.creem.discounts.create({ name: "Summer", code: "SUMMER2025", type: "percentage", percentage: 20, duration: "once", appliesToProducts: [] });
    const created = await creemProvider.createCheckout(request({ discountCode: "SUMMER2025", locale: "zh-CN", customerName: "Ada Buyer", metadata: { source: "pricing" } }));
    expect(created.providerSessionId).toMatch(/^ch_/);
    expect(created.url).toBe(`${sandbox.url}/pay/creem/${created.providerSessionId}`);
    expect(created.expiresAt).toBeNull();
    const sent = await lastCreate();
    expect(sent.headers["x-api-key"]).toBe(SANDBOX_API_KEY);
    expect(sent.headers["content-type"]).toContain("application/json");
    expect(sent.body).toEqual({
      product_id: "prod_sbx_credits_100_pack",
      request_id: "chk_our_1",
      units: 3,
      success_url: "https://app.example/checkout/success?cid=chk_our_1",
      metadata: { source: "pricing", checkout_id: "chk_our_1" },
      customer: { email: "buyer@example.com", name: "Ada Buyer" },
      discount_code: "SUMMER2025",
      locale: "zh-CN",
    });

    const open = await creemProvider.getCheckout(created.providerSessionId);
    expect(open).toMatchObject({ status: "open", ourCheckoutId: "chk_our_1", mode: "payment", amounts: { subtotal: 3000, currency: "usd" }, paymentId: null });

    const paid = await sandbox.pay(created.providerSessionId);
    expect(paid.status).toBe(200);
    const state = await creemProvider.getCheckout(created.providerSessionId);
    expect(state.status).toBe("paid");
    expect(state.paymentId).toMatch(/^tran_/); // the order's transaction: what its refunds and disputes name
    expect(state.customerId).toMatch(/^cust_/);
    expect(state.amounts).toEqual({ subtotal: 3000, tax: 0, total: 2400, currency: "usd", taxInclusive: false }); // 20 % off; the product is tax_mode exclusive
    expect(state.subscription).toBeNull();

    // The redirect the browser gets is signed with our API key and verifies; our id stays first,
    // under a name (cid) that does not collide with Creem's own checkout_id.
    const redirect = new URL(paid.redirectUrl!);
    expect(redirect.searchParams.get("cid")).toBe("chk_our_1");
    expect(redirect.searchParams.getAll("checkout_id")).toEqual([created.providerSessionId]);
    expect(creemProvider.verifyReturnUrl!(redirect.searchParams)).toEqual({ providerSessionId: created.providerSessionId, ourCheckoutId: "chk_our_1" });
    process.env.CREEM_API_KEY = "creem_test_someone_else";
    expect(() => creemProvider.verifyReturnUrl!(redirect.searchParams)).toThrow(ReturnUrlVerificationError);
  });

  it("a known customer is reused by id; the page locks that customer's email", async () => {
    sandbox.configureAdapter();
    const first = await creemProvider.createCheckout(request({ checkoutId: "chk_first", customerEmail: "known@example.com" }));
    await sandbox.pay(first.providerSessionId);
    const customerId = (await creemProvider.getCheckout(first.providerSessionId)).customerId!;
    const second = await creemProvider.createCheckout(request({ checkoutId: "chk_second", providerCustomerId: customerId }));
    expect((await lastCreate()).body).toMatchObject({ customer: { id: customerId } });
    const html = await (await fetch(second.url)).text();
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*readonly[^>]*value="known@example.com"/);
  });

  it("a subscription: trialing snapshot with our id from the subscription metadata; cancel at period end", async () => {
    sandbox.configureAdapter();
    const created = await creemProvider.createCheckout(request({ checkoutId: "chk_plan", mode: "subscription", lineItems: [plan] }));
    await sandbox.pay(created.providerSessionId);
    const state = await creemProvider.getCheckout(created.providerSessionId);
    expect(state).toMatchObject({ status: "paid", mode: "subscription", amounts: { total: 0 } });
    expect(state.subscription).toMatchObject({ status: "trialing", cancelAtPeriodEnd: false, ourCheckoutId: "chk_plan" });
    expect(state.subscription!.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    const canceled = await creemProvider.cancelSubscriptionAtPeriodEnd(state.subscription!.id);
    expect(canceled).toMatchObject({ status: "active", cancelAtPeriodEnd: true });
    const cancelRequest = (await sandbox.requests({ method: "POST", path: "^/v1/subscriptions/" })).at(-1)!;
    expect(cancelRequest.body).toEqual({ mode: "scheduled", onExecute: "cancel" });
    expect((await sandbox.creem.subscriptions.get(state.subscription!.id)).status).toBe("scheduled_cancel");
  });

  it("maps 4xx to ProviderRequestError with Creem's message, 5xx/429 to ProviderUnavailableError", async () => {
    sandbox.configureAdapter();
    const missing = await creemProvider.createCheckout(request({ lineItems: [{ ...pack, externalPriceId: "prod_nope" }] })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProviderRequestError);
    expect(missing).toMatchObject({ providerStatus: 404, providerCode: "Not Found" });
    expect((missing as Error).message).toMatch(/Product not found/);
    process.env.CREEM_API_KEY = "pk_not_creem"; // refused before any call, naming the variable
    await expect(creemProvider.createCheckout(request())).rejects.toThrow(/CREEM_API_KEY/);
    sandbox.configureAdapter();
    await sandbox.fault({ status: 503, count: 1 });
    await expect(creemProvider.createCheckout(request())).rejects.toBeInstanceOf(ProviderUnavailableError);
    await sandbox.fault({ status: 429, count: 1 });
    await expect(creemProvider.getCheckout("ch_x")).rejects.toBeInstanceOf(ProviderUnavailableError);
    await sandbox.fault({ status: 400, count: 1 });
    await expect(creemProvider.createCheckout(request())).rejects.toMatchObject({ providerStatus: 400, providerCode: "Bad Request" });
  });

  it("a key the sandbox refuses is a ProviderRequestError that names CREEM_API_KEY", async () => {
    const handle = await startCreemSandboxPinned();
    try {
      process.env.CREEM_API_KEY = "creem_test_wrong";
      process.env.CREEM_API_URL = handle.url;
      const error = await creemProvider.createCheckout(request()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderRequestError);
      expect(error).toMatchObject({ providerStatus: 403 });
      expect((error as Error).message).toMatch(/CREEM_API_KEY/);
    } finally {
      await handle.stop();
    }
  });

  it("maps a timeout and a refused connection to ProviderUnavailableError", async () => {
    sandbox.configureAdapter();
    await sandbox.fault({ delayMs: 1_000, count: 1 });
    const impatient = new Creem({ apiKey: SANDBOX_API_KEY, serverURL: sandbox.url, timeoutMs: 100 });
    const timedOut = await callCreem("read a checkout", () => impatient.checkouts.retrieve("ch_x")).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ProviderUnavailableError);
    process.env.CREEM_API_URL = await closedPortUrl();
    const refused = await creemProvider.createCheckout(request()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as Error).message).toMatch(/Try again/);
  });

  it("reads an expired checkout as expired", async () => {
    sandbox.configureAdapter();
    const created = await creemProvider.createCheckout(request({ checkoutId: "chk_expiring" }));
    await sandbox.control<Json>("POST", `/creem/sessions/${created.providerSessionId}/expire`);
    expect((await creemProvider.getCheckout(created.providerSessionId)).status).toBe("expired");
  });
});

async function startCreemSandboxPinned() {
  const { startSandbox } = await import("@/sandbox/server");
  const handle = await startSandbox({ port: 0, log: false, providers: ["creem"], webhookUrls: { creem: null }, apiKeys: { creem: "creem_test_pinned" }, env: {} });
  return { url: handle.urls.creem, stop: () => handle.stop() };
}

/** A URL on a port that was just free: nothing listens, connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
