// The cancel page's question — "can this checkout be resumed?" — against the real database
// and the local payments sandbox (the real stripe adapter talks to it; no webhooks here).
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { seedCatalog } from "@/prisma/seed";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import { createCheckout } from "./create-checkout";
import { CheckoutNotFoundError } from "./errors";
import { getResumableCheckout } from "./resume";

const APP_URL = "http://app.test";
let sandbox: SandboxHandle;

async function ensureCatalog() {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await seedCatalog(db);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
}

function createUser() {
  return db.user.create({ data: { email: `resume-${randomUUID()}@test.local`, name: "Resume Buyer" } });
}

async function control(method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.urls.stripe}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function open(userId: string, priceId = "credits_100_pack") {
  const created = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity: 1, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: created.id } });
  return { id: created.id, sessionId: row.providerSessionId!, url: created.url! };
}

function useStripeSandbox() {
  process.env.PAYMENTS_PROVIDER = "stripe";
  process.env.STRIPE_SECRET_KEY = "sk_test_sandbox_resume";
  process.env.STRIPE_WEBHOOK_SECRET = "whsec_resume_tests_secret";
  process.env.STRIPE_API_URL = sandbox.urls.stripe;
}

beforeAll(async () => {
  await ensureCatalog();
  sandbox = await startSandbox({ port: 0, log: false, providers: ["stripe"], webhookUrls: { stripe: null }, env: {} });
  useStripeSandbox();
});

afterEach(() => useStripeSandbox());

afterAll(async () => {
  await sandbox?.stop();
});

describe("getResumableCheckout (the cancel page)", () => {
  it("an open, unexpired checkout: the provider's hosted page again", async () => {
    const user = await createUser();
    const a = await open(user.id);
    expect(a.url.startsWith(`${sandbox.urls.stripe}/pay/stripe/`)).toBe(true);
    const result = await getResumableCheckout(user.id, a.id);
    expect(result).toMatchObject({ status: "open", resumeUrl: a.url, providerReachable: true });
    expect(result.expiresAt!.getTime()).toBeGreaterThan(Date.now());

    // A declined card leaves the session open: still resumable.
    expect((await control("POST", `/stripe/sessions/${a.sessionId}/complete`, { card: "4000000000000002" })).status).toBe(402);
    expect((await getResumableCheckout(user.id, a.id)).resumeUrl).toBe(a.url);
  });

  it("expired at the provider: not resumable, and our row learns it", async () => {
    const user = await createUser();
    const a = await open(user.id);
    expect((await control("POST", `/stripe/sessions/${a.sessionId}/expire`)).status).toBe(200);
    const result = await getResumableCheckout(user.id, a.id);
    expect(result).toMatchObject({ status: "expired", resumeUrl: null });
    expect((await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).status).toBe("expired");
  });

  it("past its expiry time, even while the provider has not expired it yet: not resumable", async () => {
    const user = await createUser();
    const a = await open(user.id);
    const expiresAt = (await db.checkout.findUniqueOrThrow({ where: { id: a.id } })).expiresAt!;
    expect((await getResumableCheckout(user.id, a.id, new Date(expiresAt.getTime() - 1000))).resumeUrl).toBe(a.url);
    expect((await getResumableCheckout(user.id, a.id, new Date(expiresAt.getTime() + 1000))).resumeUrl).toBeNull();

    await db.checkout.update({ where: { id: a.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    expect(await getResumableCheckout(user.id, a.id)).toMatchObject({ status: "open", resumeUrl: null });
  });

  it("already paid: not resumable (status complete)", async () => {
    const user = await createUser();
    const a = await open(user.id);
    expect((await control("POST", `/stripe/sessions/${a.sessionId}/complete`, { card: "4242424242424242" })).status).toBe(200);
    expect(await getResumableCheckout(user.id, a.id)).toMatchObject({ status: "complete", resumeUrl: null });
  });

  it("provider unreachable: not resumable right now, our last known state", async () => {
    const user = await createUser();
    const a = await open(user.id);
    process.env.STRIPE_API_URL = "http://127.0.0.1:9"; // discard port: nothing listens
    expect(await getResumableCheckout(user.id, a.id)).toMatchObject({ status: "open", resumeUrl: null, providerReachable: false });
    useStripeSandbox();
    expect((await getResumableCheckout(user.id, a.id)).resumeUrl).toBe(a.url);
  });

  it("someone else's checkout or an unknown id: not found, and nothing about it leaks", async () => {
    const owner = await createUser();
    const other = await createUser();
    const a = await open(owner.id);
    await expect(getResumableCheckout(other.id, a.id)).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getResumableCheckout(owner.id, "ck_does_not_exist")).rejects.toBeInstanceOf(CheckoutNotFoundError);
    await expect(getResumableCheckout(owner.id, "")).rejects.toBeInstanceOf(CheckoutNotFoundError);
    // Also when the provider is down: ownership is checked before anything else.
    process.env.STRIPE_API_URL = "http://127.0.0.1:9";
    await expect(getResumableCheckout(other.id, a.id)).rejects.toBeInstanceOf(CheckoutNotFoundError);
  });
});
