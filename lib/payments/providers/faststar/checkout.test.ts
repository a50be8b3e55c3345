import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProviderRequestError, ProviderUnavailableError, UnsupportedFeatureError } from "@/lib/payments/errors";
import type { CheckoutLineItem, CheckoutRequest } from "@/lib/payments/types";
import { faststarProvider } from "./index";
import { faststarCapabilities, toSessionParams } from "./checkout";
import { faststarRequest } from "./client";
import { DIRECT_KEY, MOR_KEY, startFaststarSandbox, type FaststarSandbox } from "./testing/sandbox";

const pack: CheckoutLineItem = {
  priceId: "credits_100_pack",
  productId: "credits_100",
  name: "100 credits",
  description: "Top up credits",
  unitAmount: 1000,
  currency: "usd",
  quantity: 3,
  type: "one_time",
  interval: null,
  trialDays: null,
  externalPriceId: "price_sbx_credits_100_pack",
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
  externalPriceId: "price_sbx_pro_monthly",
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

describe("faststar request mapping (toSessionParams): every seed field", () => {
  it("maps mode, presentation, line_items[price_id, quantity], customer_email, success/cancel URLs, buyer_country and client_reference_id", () => {
    expect(toSessionParams(request({ buyerCountry: "de" }), "mor", false)).toEqual({
      mode: "payment",
      presentation: "link",
      line_items: [{ price_id: "price_sbx_credits_100_pack", quantity: 3 }],
      customer_email: "buyer@example.com",
      success_url: "https://app.example/checkout/success?cid=chk_our_1",
      cancel_url: "https://app.example/checkout/cancel?cid=chk_our_1",
      buyer_country: "DE",
      client_reference_id: "chk_our_1",
    });
  });

  it("overlay → presentation iframe (only where the overlay is available); redirect → link", () => {
    expect(toSessionParams(request({ presentation: "overlay" }), "mor", true).presentation).toBe("iframe");
    expect(() => toSessionParams(request({ presentation: "overlay" }), "mor", false)).toThrow(UnsupportedFeatureError);
  });

  it("subscription mode references the recurring price_id; its trial lives on FastStar's price", () => {
    const params = toSessionParams(request({ mode: "subscription", lineItems: [plan] }), "mor", false);
    expect(params).toMatchObject({ mode: "subscription", line_items: [{ price_id: "price_sbx_pro_monthly", quantity: 1 }] });
    expect(JSON.stringify(params)).not.toMatch(/trial/);
  });

  it("a prod_… catalog id travels as product_id (FastStar uses its default price)", () => {
    expect(toSessionParams(request({ lineItems: [{ ...pack, externalPriceId: "prod_abc" }] }), "mor", false).line_items).toEqual([{ product_id: "prod_abc", quantity: 3 }]);
  });

  it("ad_hoc_amount / ad_hoc_currency / description only for a Direct/PSP merchant and one-time items", () => {
    const adHoc = { ...pack, externalPriceId: null };
    expect(toSessionParams(request({ lineItems: [adHoc] }), "direct", false).line_items).toEqual([
      { quantity: 3, ad_hoc_amount: 1000, ad_hoc_currency: "USD", description: "100 credits — Top up credits" },
    ]);
    const mor = (() => {
      try {
        toSessionParams(request({ lineItems: [adHoc] }), "mor", false);
      } catch (error) {
        return error;
      }
    })();
    expect(mor).toBeInstanceOf(UnsupportedFeatureError);
    expect((mor as Error).message).toMatch(/Merchant-of-Record merchants must reference a catalog price_id/);
    expect(() => toSessionParams(request({ mode: "subscription", lineItems: [{ ...plan, externalPriceId: null }] }), "direct", false)).toThrow(/recurring price_id/);
  });

  it("setup mode sends no line items", () => {
    const params = toSessionParams(request({ mode: "setup", lineItems: [] }), "mor", false);
    expect(params.mode).toBe("setup");
    expect(params.line_items).toBeUndefined();
    expect(() => toSessionParams(request({ mode: "setup" }), "mor", false)).toThrow(UnsupportedFeatureError);
  });

  it("refuses what the session cannot carry instead of dropping it", () => {
    expect(() => toSessionParams(request({ locale: "de" }), "mor", false)).toThrow(UnsupportedFeatureError);
    expect(() => toSessionParams(request({ allowDiscountCodes: true }), "mor", false)).toThrow(UnsupportedFeatureError);
    expect(() => toSessionParams(request({ discountCode: "SUMMER" }), "mor", false)).toThrow(UnsupportedFeatureError);
    expect(() => toSessionParams(request({ metadata: { campaign: "x" } }), "mor", false)).toThrow(/metadata/);
    expect(() => toSessionParams(request({ lineItems: [{ ...pack, trialDays: 7 }] }), "mor", false)).toThrow(/Trials/);
    expect(() => toSessionParams(request({ buyerCountry: "Germany" }), "mor", false)).toThrow(ProviderRequestError);
    expect(() => toSessionParams(request({ lineItems: [{ ...pack, quantity: 0 }] }), "mor", false)).toThrow(ProviderRequestError);
    expect(() => toSessionParams(request({ lineItems: [] }), "mor", false)).toThrow(ProviderRequestError);
    // our checkout id is not "extra" metadata: it travels as client_reference_id
    expect(toSessionParams(request({ metadata: { checkout_id: "chk_our_1" } }), "mor", false).client_reference_id).toBe("chk_our_1");
  });

  it("a known provider customer id changes nothing: FastStar's create has no customer field", () => {
    expect(toSessionParams(request({ providerCustomerId: "cus_1" }), "mor", false)).toEqual(toSessionParams(request(), "mor", false));
  });
});

describe("faststar adapter over HTTP (fetch client → the local payments sandbox)", () => {
  let sandbox: FaststarSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sandbox = await startFaststarSandbox();
  });
  afterAll(async () => {
    await sandbox.stop();
  });
  afterEach(async () => {
    process.env = { ...saved };
    await sandbox.control("DELETE", "/faststar/faults");
  });

  it("creates with X-API-Key, JSON and the idempotency key, unwraps the envelope, and reads the session back", async () => {
    sandbox.configureAdapter();
    const created = await faststarProvider.createCheckout(request());
    expect(created.providerSessionId).toMatch(/^cs_/);
    expect(created.url).toMatch(new RegExp(`^${sandbox.url}/pay/faststar/${created.providerSessionId}\\?token=\\w+$`));
    expect(created.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const sent = (await sandbox.requests({ method: "POST", path: "^/api/v1/public/checkout/sessions$" })).at(-1)!;
    expect(sent.headers["x-api-key"]).toBe(MOR_KEY);
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers["idempotency-key"]).toBe("checkout_chk_our_1");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual(toSessionParams(request(), "mor", true));

    const open = await faststarProvider.getCheckout(created.providerSessionId);
    expect(open).toMatchObject({
      providerSessionId: created.providerSessionId,
      ourCheckoutId: "chk_our_1",
      status: "open",
      mode: "payment",
      paymentId: null,
      amounts: { subtotal: 3000, tax: 0, total: 3000, currency: "usd" },
    });

    // The same idempotency key again: the same session, not a second one.
    expect((await faststarProvider.createCheckout(request())).providerSessionId).toBe(created.providerSessionId);

    expect((await sandbox.pay(created.providerSessionId)).status).toBe(200);
    const paid = await faststarProvider.getCheckout(created.providerSessionId);
    expect(paid.status).toBe("paid");
    expect(paid.paymentId).toMatch(/^pi_/);
    expect(paid.customerId).toBeNull();
  });

  it("reports FastStar's tax: EU VAT included (total = subtotal), US sales tax added", async () => {
    sandbox.configureAdapter();
    // taxInclusive is read off the documented identity: inclusive total = subtotal, exclusive total = subtotal + tax.
    const cases: Array<[string, { subtotal: number; tax: number; total: number; taxInclusive: boolean }]> = [
      ["DE", { subtotal: 3000, tax: 479, total: 3000, taxInclusive: true }], // 19 % inside 30.00
      ["FR", { subtotal: 3000, tax: 500, total: 3000, taxInclusive: true }], // 20 % inside
      ["US", { subtotal: 3000, tax: 240, total: 3240, taxInclusive: false }], // 8 % on top
      ["US-CA", { subtotal: 3000, tax: 218, total: 3218, taxInclusive: false }], // 7.25 % on top
    ];
    for (const [country, amounts] of cases) {
      const created = await faststarProvider.createCheckout(request({ buyerCountry: country, idempotencyKey: `tax_${country}` }));
      expect((await faststarProvider.getCheckout(created.providerSessionId)).amounts, country).toEqual({ ...amounts, currency: "usd" });
      await sandbox.pay(created.providerSessionId);
      expect((await faststarProvider.getCheckout(created.providerSessionId)).amounts, country).toEqual({ ...amounts, currency: "usd" });
    }
  });

  it("a subscription with a trial: paid at no charge, the subscription id on the state", async () => {
    sandbox.configureAdapter();
    const created = await faststarProvider.createCheckout(request({ mode: "subscription", lineItems: [plan], idempotencyKey: "sub_1" }));
    await sandbox.pay(created.providerSessionId);
    const state = await faststarProvider.getCheckout(created.providerSessionId);
    expect(state).toMatchObject({ status: "paid", mode: "subscription", amounts: { subtotal: 0, tax: 0, total: 0 } });
    expect(state.subscriptionId).toMatch(/^sub_/);
    await expect(faststarProvider.cancelSubscriptionAtPeriodEnd(state.subscriptionId!)).rejects.toBeInstanceOf(UnsupportedFeatureError);
  });

  it("reads expired and canceled sessions", async () => {
    sandbox.configureAdapter();
    const a = await faststarProvider.createCheckout(request({ idempotencyKey: "exp_1" }));
    await sandbox.control("POST", `/faststar/sessions/${a.providerSessionId}/expire`);
    expect((await faststarProvider.getCheckout(a.providerSessionId)).status).toBe("expired");
    const b = await faststarProvider.createCheckout(request({ idempotencyKey: "can_1" }));
    await sandbox.control("POST", `/faststar/sessions/${b.providerSessionId}/cancel`);
    expect((await faststarProvider.getCheckout(b.providerSessionId)).status).toBe("canceled");
  });

  it("Merchant of Record vs Direct/PSP: FastStar refuses ad hoc amounts for an MoR key, accepts them for a direct one", async () => {
    const adHoc = request({ lineItems: [{ ...pack, externalPriceId: null }], idempotencyKey: "adhoc_1" });
    // Misconfigured: the adapter thinks it is direct, the key belongs to an MoR merchant.
    sandbox.configureAdapter({ key: MOR_KEY, mode: "direct" });
    const refused = await faststarProvider.createCheckout(adHoc).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderRequestError);
    expect((refused as ProviderRequestError).providerStatus).toBe(400);
    expect((refused as Error).message).toMatch(/Merchant of Record merchants must reference a catalog price_id or product_id/);

    sandbox.configureAdapter({ key: DIRECT_KEY, mode: "direct" });
    expect(faststarCapabilities.inlinePrices).toBe(true);
    const created = await faststarProvider.createCheckout({ ...adHoc, idempotencyKey: "adhoc_2" });
    const state = await faststarProvider.getCheckout(created.providerSessionId);
    expect(state.amounts).toMatchObject({ subtotal: 3000, currency: "usd" });

    sandbox.configureAdapter({ key: MOR_KEY });
    expect(faststarCapabilities.inlinePrices).toBe(false);
    await expect(faststarProvider.createCheckout({ ...adHoc, idempotencyKey: "adhoc_3" })).rejects.toBeInstanceOf(UnsupportedFeatureError);
  });

  it("overlay only against the sandbox", () => {
    delete process.env.FASTSTAR_API_URL;
    expect(faststarCapabilities.overlay).toBe(false);
    sandbox.configureAdapter();
    expect(faststarCapabilities.overlay).toBe(true);
    process.env.FASTSTAR_API_URL = "not a url";
    expect(faststarCapabilities.overlay).toBe(false);
  });

  it("maps 4xx to ProviderRequestError with FastStar's message, 5xx/429 to ProviderUnavailableError", async () => {
    sandbox.configureAdapter();
    const missing = await faststarProvider.getCheckout("cs_nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProviderRequestError);
    expect((missing as ProviderRequestError).providerStatus).toBe(404);
    expect((missing as Error).message).toMatch(/Checkout session cs_nope not found/);

    sandbox.configureAdapter({ key: "fs_live_wrong" });
    process.env.FASTSTAR_API_URL = sandbox.url; // (a live-looking key is refused next to the override)
    await expect(faststarProvider.getCheckout("cs_x")).rejects.toThrow(/FASTSTAR_API_URL/);
    sandbox.configureAdapter({ key: "not_a_test_key" }); // the sandbox accepts fs_test_… keys only
    const unauthorized = await faststarProvider.getCheckout("cs_x").catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(ProviderRequestError);
    expect((unauthorized as ProviderRequestError).providerStatus).toBe(401);
    expect((unauthorized as Error).message).toMatch(/Invalid API key.*Check FASTSTAR_API_KEY/);

    sandbox.configureAdapter();
    await sandbox.fault({ status: 503, count: 1 });
    await expect(faststarProvider.createCheckout(request({ idempotencyKey: "f1" }))).rejects.toBeInstanceOf(ProviderUnavailableError);
    await sandbox.fault({ status: 429, count: 1 });
    await expect(faststarProvider.getCheckout("cs_x")).rejects.toBeInstanceOf(ProviderUnavailableError);
    await sandbox.fault({ status: 422, count: 1 });
    const rejected = await faststarProvider.createCheckout(request({ idempotencyKey: "f2" })).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ProviderRequestError);
    expect((rejected as Error).message).toMatch(/Injected fault/);
  });

  it("maps a timeout and a refused connection to ProviderUnavailableError", async () => {
    sandbox.configureAdapter();
    await sandbox.fault({ delayMs: 1_000, count: 1 });
    const slow = await faststarRequest({ method: "GET", path: "/public/checkout/sessions/cs_x", action: "read a checkout session", timeoutMs: 100 }).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(ProviderUnavailableError);
    expect((slow as Error).message).toMatch(/no answer within 100 ms.*Try again/);

    process.env.FASTSTAR_API_URL = await closedPortUrl();
    const refused = await faststarProvider.createCheckout(request()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as Error).message).toMatch(/unreachable.*Try again/);
  });

  it("a 2xx whose envelope says success:false, or has no envelope, is a refusal", async () => {
    const answers = [
      { status: 200, body: JSON.stringify({ success: false, message: "Merchant account suspended", data: null }) },
      { status: 200, body: "<html>proxy</html>" },
    ];
    const server = http.createServer((req, res) => {
      const next = answers.shift()!;
      res.writeHead(next.status, { "content-type": "application/json" }).end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      process.env.FASTSTAR_API_KEY = MOR_KEY;
      process.env.FASTSTAR_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(faststarProvider.getCheckout("cs_x")).rejects.toThrow(/Merchant account suspended/);
      await expect(faststarProvider.getCheckout("cs_x")).rejects.toThrow(/not its JSON envelope/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

/** A URL on a port that was just free: nothing listens, connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
