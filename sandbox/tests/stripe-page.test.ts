import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CANCEL_URL, card, startStripe, submitPage, tshirt, type TestSandbox } from "./helpers";

let t: TestSandbox;
let stripe: Stripe;
beforeAll(async () => {
  t = await startStripe();
  stripe = t.stripe;
});
afterAll(() => t.stop());
beforeEach(async () => {
  await t.control("POST", "/reset");
});

const expectedRedirect = (id: string) => `http://localhost:3000/checkout/success?checkout_id=chk_123&session_id=${id}`;

function frameConfig(html: string): Record<string, unknown> {
  const m = /<script type="application\/json" id="sandbox-config">([^<]*)<\/script>/.exec(html);
  if (!m) throw new Error("no sandbox-config script in page");
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe("hosted checkout page", () => {
  it("renders an accessible, frameable page with items, amounts and the locked email", async () => {
    const s = await tshirt(stripe);
    const res = await fetch(s.url!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(res.headers.get("x-frame-options")).toBeNull();
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors *");
    const html = await res.text();
    expect(html).toContain("Stripe — sandbox");
    expect(html).toContain("T-shirt");
    expect(html).toContain("$40.00");
    expect(html).toContain("$20.00 each");
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*readonly[^>]*value="buyer@example.com"/);
    for (const id of ["card_number", "card_expiry", "card_cvc", "name"]) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain(`href="${CANCEL_URL.replace(/&/g, "&amp;")}" data-sandbox-cancel`);
    expect(html).toContain("Pay $40.00");
    expect(frameConfig(html)).toEqual({ provider: "stripe", sessionId: s.id, ready: true });
  });

  it("4242 pays: 303 to success_url with {CHECKOUT_SESSION_ID} substituted and nothing appended", async () => {
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4242 4242 4242 4242"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(expectedRedirect(s.id));
    const after = await stripe.checkout.sessions.retrieve(s.id);
    expect(after).toMatchObject({ status: "complete", payment_status: "paid", url: null, customer_details: { email: "buyer@example.com", name: "Ada Lovelace" } });
    expect(after.payment_intent).toMatch(/^pi_/);
    const pi = await stripe.paymentIntents.retrieve(after.payment_intent as string);
    expect(pi).toMatchObject({ status: "succeeded", amount: 4000, currency: "usd" });
    // The page now explains that the session is complete.
    const again = await fetch(s.url ?? `${t.origin}/pay/stripe/${s.id}`);
    expect(again.status).toBe(200);
    expect(await again.text()).toContain("already complete");
    // Paying again is refused, nothing changes.
    const twice = await submitPage(`${t.origin}/pay/stripe/${s.id}`, card("4242424242424242"));
    expect(twice.status).toBe(200);
    expect((await stripe.checkout.sessions.retrieve(s.id)).payment_intent).toBe(after.payment_intent);
  });

  it("asks for an email when the session has none, and validates card fields", async () => {
    const s = await tshirt(stripe, { customer_email: undefined });
    const bad = await submitPage(s.url!, card("4242 4242 4242 4241", { card_expiry: "13/30", card_cvc: "1" }));
    expect(bad.status).toBe(400);
    const html = await bad.text();
    expect(html).toContain("Your email is incomplete.");
    expect(html).toContain("Your card number is invalid.");
    expect(html).toContain("Your card&#39;s expiration month is invalid.");
    expect(html).toContain("Your card&#39;s security code is incomplete.");
    expect(html).toMatch(/id="card_number"[^>]*aria-invalid="true" aria-describedby="card_number-error"/);
    const ok = await submitPage(s.url!, card("4242424242424242", { email: "new@example.com" }));
    expect(ok.status).toBe(303);
    expect((await stripe.checkout.sessions.retrieve(s.id)).customer_details?.email).toBe("new@example.com");
  });

  it("4000 0000 0000 0002 is declined and the session stays open and payable", async () => {
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4000 0000 0000 0002"));
    expect(res.status).toBe(402);
    const html = await res.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('<div class="alert" role="alert" id="form-error">Your card was declined.</div>');
    expect(await stripe.checkout.sessions.retrieve(s.id)).toMatchObject({ status: "open", payment_status: "unpaid", payment_intent: null });
    // A Luhn-valid card that is not a test card is refused the way test mode refuses live cards.
    const live = await submitPage(s.url!, card("4111 1111 1111 1111"));
    expect(live.status).toBe(402);
    expect(await live.text()).toContain("Your request was in test mode, but used a non test (live) card.");
    const retry = await submitPage(s.url!, card("4242424242424242"));
    expect(retry.status).toBe(303);
  });

  it("4000 0000 0000 9995 fails with insufficient funds", async () => {
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4000000000009995"));
    expect(res.status).toBe(402);
    expect(await res.text()).toContain("Your card has insufficient funds.");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
  });

  it("4000 0025 0000 3155 asks for authentication: fail keeps it open, complete pays", async () => {
    const s = await tshirt(stripe);
    const step = await submitPage(s.url!, card("4000 0025 0000 3155"));
    expect(step.status).toBe(200);
    const html = await step.text();
    expect(html).toContain("Complete authentication");
    expect(html).toContain("Fail authentication");
    const token = /name="token" value="([^"]+)"/.exec(html)![1];
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");

    const failed = await submitPage(`${s.url}/authenticate`, { token, result: "fail", embedded: "0" });
    expect(failed.status).toBe(402);
    expect(await failed.text()).toContain("We are unable to authenticate your payment method.");
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    // A used token cannot be replayed.
    const replay = await submitPage(`${s.url}/authenticate`, { token, result: "complete", embedded: "0" });
    expect(replay.status).toBe(400);

    const step2 = await submitPage(s.url!, card("4000002500003155"));
    const token2 = /name="token" value="([^"]+)"/.exec(await step2.text())![1];
    const done = await submitPage(`${s.url}/authenticate`, { token: token2, result: "complete", embedded: "0" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(expectedRedirect(s.id));
    expect((await stripe.checkout.sessions.retrieve(s.id)).payment_status).toBe("paid");
  });

  it("inside the overlay iframe: answers 200 with a page that posts checkout.completed", async () => {
    const s = await tshirt(stripe);
    const res = await submitPage(s.url!, card("4242424242424242", { embedded: "1" }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(frameConfig(html)).toEqual({ provider: "stripe", sessionId: s.id, completed: { redirectUrl: expectedRedirect(s.id) } });
    expect(html).toContain('source: "checkout-sandbox"');
    expect(html).toContain('type: "checkout.completed"');
    expect(html).toContain("window.parent.postMessage(msg, \"*\")");
  });

  it("subscription with a trial: trialing subscription, no charge, redirect", async () => {
    const price = await stripe.prices.create({ product_data: { name: "Pro" }, currency: "usd", unit_amount: 1000, recurring: { interval: "month" } });
    const s = await stripe.checkout.sessions.create({
      mode: "subscription",
      success_url: "http://localhost:3000/ok?sid={CHECKOUT_SESSION_ID}",
      line_items: [{ price: price.id, quantity: 1 }],
      subscription_data: { trial_period_days: 7 },
    });
    const page = await (await fetch(s.url!)).text();
    expect(page).toContain("7 days free");
    expect(page).toContain("Start trial");
    const res = await submitPage(s.url!, card("4242424242424242", { email: "t@example.com" }));
    expect(res.headers.get("location")).toBe(`http://localhost:3000/ok?sid=${s.id}`);
    const done = await stripe.checkout.sessions.retrieve(s.id, { expand: ["subscription"] });
    const sub = done.subscription as Stripe.Subscription;
    expect(done.payment_status).toBe("no_payment_required");
    expect(sub.status).toBe("trialing");
    expect(sub.trial_end! - sub.trial_start!).toBe(7 * 86400);
    expect(sub.items.data[0].current_period_end).toBe(sub.trial_end);
  });

  it("setup mode saves a card without charging", async () => {
    const s = await stripe.checkout.sessions.create({ mode: "setup", currency: "usd", success_url: "http://localhost:3000/ok?sid={CHECKOUT_SESSION_ID}" });
    const res = await submitPage(s.url!, card("4242424242424242", { email: "s@example.com" }));
    expect(res.status).toBe(303);
    const done = await stripe.checkout.sessions.retrieve(s.id);
    expect(done).toMatchObject({ status: "complete", payment_status: "no_payment_required", payment_intent: null });
    expect(done.setup_intent).toMatch(/^seti_/);
    expect(done.customer).toMatch(/^cus_/);
  });

  it("applies a promotion code from the page when allow_promotion_codes is on", async () => {
    const coupon = await stripe.coupons.create({ amount_off: 500, currency: "usd", duration: "once" });
    await stripe.promotionCodes.create({ promotion: { type: "coupon", coupon: coupon.id }, code: "FIVEOFF" });
    const s = await tshirt(stripe, { allow_promotion_codes: true });
    const wrong = await submitPage(s.url!, { intent: "apply_promotion_code", promotion_code: "NOPE" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("This code is invalid.");
    const applied = await submitPage(s.url!, { intent: "apply_promotion_code", promotion_code: "fiveoff" });
    expect(applied.status).toBe(200);
    expect(await applied.text()).toContain("Pay $35.00");
    expect((await stripe.checkout.sessions.retrieve(s.id)).amount_total).toBe(3500);
  });

  it("cancelled (back link) sessions stay payable; expired and unknown sessions explain themselves", async () => {
    const s = await tshirt(stripe);
    await fetch(CANCEL_URL).catch(() => undefined); // the browser leaves; nothing is sent to the sandbox
    expect((await stripe.checkout.sessions.retrieve(s.id)).status).toBe("open");
    await stripe.checkout.sessions.expire(s.id);
    const expired = await fetch(`${t.origin}/pay/stripe/${s.id}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain("This checkout session has expired");
    const pay = await submitPage(`${t.origin}/pay/stripe/${s.id}`, card("4242424242424242"));
    expect(pay.status).toBe(410);
    const unknown = await fetch(`${t.origin}/pay/stripe/cs_test_unknown`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("Checkout session not found");
  });
});
