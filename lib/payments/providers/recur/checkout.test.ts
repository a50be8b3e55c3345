import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderRequestError, ProviderUnavailableError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type { CheckoutLineItem, CheckoutRequest } from "@/lib/payments/types";
import { recurCapabilities, toRecurSessionBody, withSessionPlaceholder } from "./checkout";
import { recurRequest } from "./client";
import { recurProvider } from "./index";
import { startRecurSandbox, type RecurSandbox } from "./testing/sandbox";

const pack: CheckoutLineItem = {
  priceId: "credits_100_pack",
  productId: "credits_100",
  name: "100 credits",
  unitAmount: 1000,
  currency: "usd",
  quantity: 1,
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
    customerName: "Ada Buyer",
    userId: "usr_our_1",
    successUrl: "https://app.example/checkout/success?cid=chk_our_1",
    cancelUrl: "https://app.example/checkout/cancel?cid=chk_our_1",
    idempotencyKey: "checkout_chk_our_1",
    presentation: "redirect",
    ...overrides,
  };
}

describe("recur request mapping (toRecurSessionBody)", () => {
  it("maps every field: productId, mode, URLs with the placeholder, email, name, our user id, and our checkout id in metadata", () => {
    expect(toRecurSessionBody(request({ metadata: { campaign: "spring" } }))).toEqual({
      productId: "prod_sbx_credits_100_pack",
      mode: "PAYMENT",
      successUrl: "https://app.example/checkout/success?cid=chk_our_1&session_id={CHECKOUT_SESSION_ID}",
      cancelUrl: "https://app.example/checkout/cancel?cid=chk_our_1",
      customerEmail: "buyer@example.com",
      customerName: "Ada Buyer",
      externalCustomerId: "usr_our_1",
      metadata: { campaign: "spring", checkout_id: "chk_our_1" },
    });
  });

  it("leaves out an unknown name or user id, and one too long for Recur's customer record (never cut)", () => {
    const bare = toRecurSessionBody(request({ customerName: null, userId: null }));
    expect(bare).not.toHaveProperty("customerName");
    expect(bare).not.toHaveProperty("externalCustomerId");
    const long = toRecurSessionBody(request({ customerName: "x".repeat(201) }));
    expect(long).not.toHaveProperty("customerName");
    expect(long.externalCustomerId).toBe("usr_our_1");
  });

  it("uses SUBSCRIPTION / SETUP, productSlug for slug: ids, and leaves trials to the Recur product", () => {
    const body = toRecurSessionBody(request({ mode: "subscription", lineItems: [plan], customerEmail: null }));
    expect(body).toMatchObject({ mode: "SUBSCRIPTION", productId: "prod_sbx_pro_monthly" });
    expect(body).not.toHaveProperty("customerEmail");
    expect(JSON.stringify(body)).not.toMatch(/trial/i);
    expect(toRecurSessionBody(request({ mode: "setup" })).mode).toBe("SETUP");
    const slug = toRecurSessionBody(request({ lineItems: [{ ...pack, externalPriceId: "slug:credits-100-pack" }] }));
    expect(slug).toMatchObject({ productSlug: "credits-100-pack" });
    expect(slug).not.toHaveProperty("productId");
  });

  it("never sends the provider customer id (Recur's create has no such field); the customer is matched by email", () => {
    const body = toRecurSessionBody(request({ providerCustomerId: "cus_1" }));
    expect(JSON.stringify(body)).not.toContain("cus_1");
    expect(body.customerEmail).toBe("buyer@example.com");
  });

  it("keeps an existing {CHECKOUT_SESSION_ID} placeholder", () => {
    expect(withSessionPlaceholder("https://a.example/s?x={CHECKOUT_SESSION_ID}")).toBe("https://a.example/s?x={CHECKOUT_SESSION_ID}");
    expect(withSessionPlaceholder("https://a.example/s")).toBe("https://a.example/s?session_id={CHECKOUT_SESSION_ID}");
  });

  it("refuses what Recur cannot do instead of dropping it", () => {
    const refused = (overrides: Partial<CheckoutRequest>, feature: string) => {
      let error: unknown;
      try {
        toRecurSessionBody(request(overrides));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UnsupportedFeatureError);
      expect((error as UnsupportedFeatureError).feature).toBe(feature);
      expect((error as UnsupportedFeatureError).status).toBe(422);
    };
    refused({ lineItems: [{ ...pack, quantity: 3 }] }, "quantity");
    refused({ lineItems: [pack, pack] }, "multipleLineItems");
    refused({ lineItems: [{ ...pack, externalPriceId: null }] }, "inlinePrices");
    refused({ locale: "zh-TW" }, "locale");
    refused({ discountCode: "SPRING" }, "discountCodes");
    refused({ allowDiscountCodes: true }, "discountCodes");
    refused({ automaticTax: true }, "tax");
    expect(() => toRecurSessionBody(request({ lineItems: [] }))).toThrow(ProviderRequestError);
  });

  it("declares the same limits as capabilities (overlay false: redirect only)", () => {
    expect(recurCapabilities).toMatchObject({ overlay: false, quantity: false, multipleLineItems: false, inlinePrices: false, trials: false, subscriptions: true, cancelUrl: true });
  });
});

describe("recur adapter over HTTP (fetch client → the local payments sandbox)", () => {
  let sandbox: RecurSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startRecurSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await sandbox.control("DELETE", "/recur/faults");
  });

  it("sends the documented JSON create with a Bearer key and reads the session back (OPEN → COMPLETE)", async () => {
    sandbox.configureAdapter();
    const created = await recurProvider.createCheckout(request());
    expect(created.providerSessionId).toMatch(/^cs_/);
    expect(created.url).toBe(`${sandbox.url}/pay/recur/${created.providerSessionId}`);
    expect(created.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const sent = (await sandbox.requests({ method: "POST", path: "^/v1/checkout/sessions$" })).at(-1)!;
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers.authorization).toBe("Bearer sk_test_recur_lib_sandbox");
    expect(sent.body).toEqual(toRecurSessionBody(request()));

    const open = await recurProvider.getCheckout(created.providerSessionId);
    expect(open).toMatchObject({ status: "open", ourCheckoutId: "chk_our_1", mode: "payment", paymentId: null, amounts: { total: 1000, currency: "usd" } });

    const paid = await sandbox.pay(created.providerSessionId, "4147 6310 0000 0001");
    expect(paid.body.outcome).toBe("succeeded");
    expect(paid.body.redirectUrl).toBe(`https://app.example/checkout/success?cid=chk_our_1&session_id=${created.providerSessionId}`);
    const state = await recurProvider.getCheckout(created.providerSessionId);
    expect(state).toMatchObject({ status: "paid", ourCheckoutId: "chk_our_1", subscriptionId: null, expiresAt: expect.any(Date) });
    expect(state.paymentId).toMatch(/^ord_/);
    expect(state.customerId).toMatch(/^cus_/);
  });

  it("reads an expired session as expired", async () => {
    sandbox.configureAdapter();
    const created = await recurProvider.createCheckout(request({ checkoutId: "chk_exp" }));
    await sandbox.ok("POST", `/recur/sessions/${created.providerSessionId}/expire`);
    expect((await recurProvider.getCheckout(created.providerSessionId)).status).toBe("expired");
  });

  it("a subscription session: paid, its subscription cancelled at period end through the adapter", async () => {
    sandbox.configureAdapter();
    const created = await recurProvider.createCheckout(request({ mode: "subscription", lineItems: [plan] }));
    await sandbox.pay(created.providerSessionId);
    const state = await recurProvider.getCheckout(created.providerSessionId);
    expect(state.status).toBe("paid");
    expect(state.subscriptionId).toMatch(/^sub_/);
    expect(state.paymentId).toBeNull(); // a trial charges nothing: no order yet
    const snapshot = await recurProvider.cancelSubscriptionAtPeriodEnd(state.subscriptionId!);
    expect(snapshot).toMatchObject({ id: state.subscriptionId, status: "trialing", cancelAtPeriodEnd: true, ourCheckoutId: "chk_our_1" });
    expect(snapshot.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });

  it("turns Recur's error codes into ProviderRequestError with the code", async () => {
    sandbox.configureAdapter();
    const rejected = async (run: () => Promise<unknown>) => {
      const error = await run().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderRequestError);
      return error as ProviderRequestError;
    };
    const missing = await rejected(() => recurProvider.createCheckout(request({ lineItems: [{ ...pack, externalPriceId: "prod_nope" }] })));
    expect(missing).toMatchObject({ providerStatus: 404, providerCode: "resource_not_found" });
    const badUrl = await rejected(() => recurProvider.createCheckout(request({ successUrl: "http://app.example/checkout/success" })));
    expect(badUrl).toMatchObject({ providerStatus: 400, providerCode: "invalid_request" });
    expect(badUrl.message).toMatch(/HTTPS/);
    // Sandbox relaxation: http on localhost / 127.0.0.1 is accepted for local development.
    await expect(recurProvider.createCheckout(request({ successUrl: "http://localhost:3000/checkout/success", cancelUrl: "http://127.0.0.1:3000/x" }))).resolves.toBeTruthy();
    const pinned = await startRecurSandboxPinned();
    try {
      process.env.RECUR_API_URL = pinned.url;
      const unauthorized = await rejected(() => recurProvider.createCheckout(request()));
      expect(unauthorized).toMatchObject({ providerStatus: 401, providerCode: "unauthorized" });
      expect(unauthorized.message).toMatch(/RECUR_SECRET_KEY/);
    } finally {
      await pinned.stop();
      process.env.RECUR_API_URL = sandbox.url;
    }
    const unknown = await rejected(() => recurProvider.getCheckout("cs_missing"));
    expect(unknown).toMatchObject({ providerStatus: 404, providerCode: "resource_not_found" });
  });

  it("maps 5xx and 429 to ProviderUnavailableError, without retrying a create", async () => {
    sandbox.configureAdapter();
    await sandbox.control("DELETE", "/recur/requests");
    await sandbox.fault({ status: 503, count: 1 });
    await expect(recurProvider.createCheckout(request())).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect((await sandbox.requests({ method: "POST" })).map((r) => r.status)).toEqual([503]);
    await sandbox.fault({ status: 429, count: 1 });
    await expect(recurProvider.getCheckout("cs_x")).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it("maps a timeout and a refused connection to ProviderUnavailableError", async () => {
    sandbox.configureAdapter();
    await sandbox.fault({ delayMs: 1_000, count: 1 });
    const error = await recurRequest({ method: "GET", path: "/v1/checkout/sessions/cs_x", action: "read a checkout session", timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toMatch(/no answer within 100 ms/);
    process.env.RECUR_API_URL = await closedPortUrl();
    const refused = await recurProvider.createCheckout(request()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as Error).message).toMatch(/Try again/);
  });
});

/** A second sandbox that accepts only one pinned key, to see an `unauthorized` answer. */
async function startRecurSandboxPinned() {
  const { startSandbox } = await import("@/sandbox/server");
  const handle = await startSandbox({ port: 0, log: false, providers: ["recur"], webhookUrls: { recur: null }, apiKeys: { recur: "sk_test_the_only_key" }, env: {} });
  return { url: handle.urls.recur, stop: () => handle.stop() };
}

/** A URL on a port that was just free: nothing listens, connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
