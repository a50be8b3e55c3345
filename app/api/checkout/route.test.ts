import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { APP_URL, createUser, ensureCatalog, startStripe, type StripeSandbox } from "@/lib/billing/testing/fixtures";
import { MAX_CHECKOUT_BODY_BYTES } from "@/lib/http/body";
import { useIsolatedDatabase, writableRowCounts } from "@/lib/security/testing/isolated-database";
import { POST } from "./route";

// POST /api/checkout with the real catalog, database and Stripe sandbox. The one stand-in is
// who is signed in: Auth.js (next-auth) imports `next/server`, which only resolves inside a
// Next.js build, so `currentUser` returns the user the test names (e2e/security.spec.ts and
// e2e/checkout.spec.ts cover the same route with real sessions). Counting whole tables is
// exact: this file has a database of its own.
const scope = vi.hoisted(() => ({ user: null as { id: string; email: string | null; name: string | null } | null }));
vi.mock("@/lib/auth", () => ({ currentUser: async () => scope.user }));

const LIMITS = { CHECKOUT_RATE_LIMIT_PER_USER: "3", CHECKOUT_RATE_LIMIT_PER_IP: "5" };

let sandbox: StripeSandbox;
let stopDatabase: () => Promise<void>;
const savedEnv = { ...process.env };
beforeAll(async () => {
  Object.assign(process.env, { APP_URL, ...LIMITS });
  stopDatabase = await useIsolatedDatabase();
  await ensureCatalog();
  sandbox = await startStripe();
}, 120_000);
afterAll(async () => {
  await sandbox?.stop();
  process.env = { ...savedEnv };
  await stopDatabase?.();
});

/** A new user, signed in for the following requests. */
async function signedIn() {
  const user = await createUser();
  scope.user = { id: user.id, email: user.email, name: user.name };
  return user;
}

const randomIp = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

function post(body: BodyInit | null, headers: Record<string, string>): Promise<Response> {
  const request = new Request(`${APP_URL}/api/checkout`, {
    method: "POST",
    body,
    headers: { host: new URL(APP_URL).host, "content-type": "application/json", "x-forwarded-for": randomIp(), ...headers },
  });
  return POST(request);
}

const json = (value: unknown) => JSON.stringify(value);

describe("POST /api/checkout: cross-origin requests are refused before anything else", () => {
  it("a signed-in user's valid request from another origin → 403 and nothing created; from our origin → 200", async () => {
    await signedIn();
    const before = await writableRowCounts();
    const crossSite: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { origin: "http://app.test:8080" },
      { origin: "https://app.test" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of crossSite) {
      const response = await post(json({ priceId: "lifetime_once" }), headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(await response.json()).toEqual({ error: "Checkouts can only be started from this site's own pages.", code: "cross_origin_request" });
    }
    expect(await writableRowCounts()).toEqual(before);

    const allowed = await post(json({ priceId: "lifetime_once" }), { origin: APP_URL, "sec-fetch-site": "same-origin" });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ id: expect.any(String), url: expect.stringContaining("/pay/stripe/"), presentation: "redirect" });
    expect(await writableRowCounts()).toMatchObject({ checkouts: before.checkouts + 1 });
  });

  it("signed out → 401, nothing created", async () => {
    scope.user = null;
    const before = await writableRowCounts();
    const response = await post(json({ priceId: "lifetime_once" }), { origin: APP_URL });
    expect(response.status).toBe(401);
    expect(await writableRowCounts()).toEqual(before);
  });
});

describe("POST /api/checkout: hostile bodies get a 4xx naming the problem and create nothing", () => {
  it.each([
    ["a foreign Stripe price id", { priceId: "price_1NirD82eZvKYlo2CIvbtLWuY" }, /price/i],
    ["another provider's product id", { priceId: "prod_6tW66i0oZM7w1qXReHJrwg" }, /price/i],
    ["a path-like id", { priceId: "../credits_100_pack" }, /price/i],
    ["a negative quantity", { priceId: "credits_100_pack", quantity: -1 }, /quantity/],
    ["a huge quantity", { priceId: "credits_100_pack", quantity: 1e12 }, /quantity/],
    ["MAX_SAFE_INTEGER + 2", { priceId: "credits_100_pack", quantity: Number.MAX_SAFE_INTEGER + 2 }, /quantity/],
    ["a fractional quantity", { priceId: "credits_100_pack", quantity: 2.5 }, /quantity: quantity must be a whole number/],
    ["a string quantity", { priceId: "credits_100_pack", quantity: "3" }, /quantity/],
    ["a null quantity", { priceId: "credits_100_pack", quantity: null }, /quantity/],
    ["someone else's user id", { priceId: "credits_100_pack", userId: "user_victim" }, /userId|unrecognized/i],
    ["an amount", { priceId: "credits_100_pack", unit_amount: 1 }, /unit_amount|unrecognized/i],
    ["a prototype key", JSON.parse('{"priceId":"credits_100_pack","__proto__":{"quantity":5}}'), /__proto__|unrecognized/i],
    ["an array", [{ priceId: "credits_100_pack" }], /body|expected object/i],
  ])("%s → 400", async (_name, body, message) => {
    await signedIn();
    const before = await writableRowCounts();
    const response = await post(json(body), { origin: APP_URL });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringMatching(message), code: "invalid_checkout_request" });
    expect(await writableRowCounts()).toEqual(before);
  });

  // PostgreSQL refuses NUL in text: the schema must catch it first, or this would be a 500.
  it("a NUL character in a price id → 400", async () => {
    await signedIn();
    const before = await writableRowCounts();
    const response = await post(json({ priceId: "credits_100_pack\u0000" }), { origin: APP_URL });
    expect(await writableRowCounts()).toEqual(before);
    expect(response.status).toBe(400);
  });

  it("not JSON, empty, form-encoded → 400; over 16 KB → 413", async () => {
    await signedIn();
    const before = await writableRowCounts();
    for (const [body, type] of [["{", "application/json"], ["", "application/json"], ["priceId=credits_100_pack", "application/x-www-form-urlencoded"]]) {
      const response = await post(body, { origin: APP_URL, "content-type": type });
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({ error: "The request body must be JSON.", code: "invalid_checkout_request" });
    }
    const padded = json({ priceId: "credits_100_pack", idempotencyKey: "k".repeat(MAX_CHECKOUT_BODY_BYTES) });
    const tooLarge = await post(padded, { origin: APP_URL });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toEqual({ error: expect.stringMatching(/larger than 16384 bytes/), code: "payload_too_large" });
    expect(await writableRowCounts()).toEqual(before);
  });
});

describe("POST /api/checkout: rate limited per user and per IP (429 + Retry-After), nothing created when limited", () => {
  it("the 4th checkout of one user within a minute is refused, from any address", async () => {
    await signedIn();
    for (let index = 0; index < 3; index += 1) {
      expect((await post(json({ priceId: "credits_100_pack" }), { origin: APP_URL })).status).toBe(200);
    }
    const before = await writableRowCounts();
    const limited = await post(json({ priceId: "credits_100_pack" }), { origin: APP_URL });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toEqual({ error: expect.stringMatching(/^Too many checkouts started for your account \(at most 3 a minute\)/), code: "rate_limited" });
    expect(await writableRowCounts()).toEqual(before);
  });

  it("the 6th checkout from one address within a minute is refused, whoever is signed in", async () => {
    const ip = randomIp().replace("203.0.113", "198.51.100");
    for (let index = 0; index < 5; index += 1) {
      await signedIn();
      expect((await post(json({ priceId: "credits_100_pack" }), { origin: APP_URL, "x-forwarded-for": ip })).status).toBe(200);
    }
    await signedIn();
    const before = await writableRowCounts();
    const limited = await post(json({ priceId: "credits_100_pack" }), { origin: APP_URL, "x-forwarded-for": ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await limited.json()).toEqual({ error: expect.stringMatching(/^Too many checkouts started from your network \(at most 5 a minute\)/), code: "rate_limited" });
    expect(await writableRowCounts()).toEqual(before);
    // The same user from another address is fine.
    expect((await post(json({ priceId: "credits_100_pack" }), { origin: APP_URL })).status).toBe(200);
  });
});
