// Issue 5: the provider failing while we create its checkout session, for all five providers,
// through the real adapters against the local sandbox, which injects the faults at the HTTP
// level (`POST /_sandbox/<p>/faults`): a 5xx answer, no answer in time (the request is then
// answered 503 to nobody: nothing created), and no answer in time although the provider DID
// create the session (a delay-only fault hands the request on after the client gave up).
// createCheckout must answer ProviderUnavailableError (the route's 502) and a retry with the
// same idempotency key must give a usable checkout without a second provider session where
// the provider can prevent one.
//
// What each provider can promise after a lost answer (checked below):
// - Stripe and FastStar take an Idempotency-Key: the retry reuses the failed attempt's key
//   (create-checkout.ts, `outcomeUnknown`), so the provider returns the session it created.
// - Creem, Dodo and Recur take none: the retry opens a new session and our one Checkout row
//   points at it; the earlier session was never shown to anyone, and an event for it cannot
//   complete our checkout (apply.ts matches our id AND the recorded session id). Dodo's SDK
//   also retries once by itself, which can leave one more such session.
// The adapters' own timeouts are used (10 s each, lib/payments/providers/*/client.ts), so the
// five providers run side by side to keep the file at about one timeout cycle per provider.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { ProviderUnavailableError, httpErrorFor } from "@/lib/payments/errors";
import type { ProviderName } from "@/lib/payments/types";
import { createCheckout } from "./create-checkout";
import { PROVIDERS, deliverEvent, withProviderSandboxes, HTTPS_APP_URL, type ProviderSandbox } from "./testing/provider-sandboxes";
import { createUser } from "./testing/fixtures";

/** Every adapter's client timeout (stripe, creem, dodo: SDK option; recur, faststar: AbortSignal). */
const ADAPTER_TIMEOUT_MS = 10_000;
/** Longer than the adapter waits: the client gives up before the sandbox answers. */
const BEYOND_TIMEOUT_MS = ADAPTER_TIMEOUT_MS + 1_000;
const WITH_IDEMPOTENCY: ReadonlySet<ProviderName> = new Set(["stripe", "faststar"]);

const sandboxFor = withProviderSandboxes();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A buyer's request, repeated as is by a retry (the SubscribeButton keeps its key after an error). */
async function request(name: ProviderName) {
  const user = await createUser();
  const input = { userId: user.id, email: user.email, priceId: "lifetime_once", appUrl: HTTPS_APP_URL, idempotencyKey: `retry-${randomUUID()}` };
  return { user, attempt: () => createCheckout(input, { provider: getProvider(name) }) };
}

/** The failed attempt: ProviderUnavailableError → 502, our one row failed with the reason, nothing reused. */
async function expectUnavailable(attempt: Promise<unknown>, userId: string) {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderUnavailableError);
  expect(httpErrorFor(error).status).toBe(502);
  const [row] = await db.checkout.findMany({ where: { userId } });
  expect(row).toMatchObject({ status: "failed", lastError: expect.any(String) });
  return row;
}

/** The retry: the same row, open, with a URL and a provider session that the provider knows. */
async function expectUsable(result: Awaited<ReturnType<typeof createCheckout>>, sandbox: ProviderSandbox, checkoutId: string) {
  expect(result).toMatchObject({ id: checkoutId, status: "open", url: expect.stringMatching(/^http/) });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: checkoutId } });
  expect(await db.checkout.count({ where: { userId: row.userId } })).toBe(1);
  expect((await sandbox.sessionsFor(checkoutId)).map((s) => s.id)).toContain(row.providerSessionId);
  return row;
}

describe("the provider answers 5xx to the create call", () => {
  it.each(PROVIDERS)("%s: ProviderUnavailableError (502), nothing created; the retry with the same key opens exactly one session", async (name) => {
    const sandbox = sandboxFor(name);
    const { user, attempt } = await request(name);
    await sandbox.fault({ status: 500, count: 1 + sandbox.sdkRetries, methods: ["POST"], paths: sandbox.createPath });
    const failed = await expectUnavailable(attempt(), user.id);
    await sandbox.clearFaults();
    expect(await sandbox.sessionsFor(failed.id)).toEqual([]);

    await expectUsable(await attempt(), sandbox, failed.id);
    expect(await sandbox.sessionsFor(failed.id)).toHaveLength(1);
  });
});

describe("the provider does not answer within the adapter's timeout", () => {
  // Providers side by side (each its own sandbox and variables); the two cases of one provider
  // in sequence, since a fault takes whichever create call comes next.
  it.concurrent.each(PROVIDERS)(
    "%s: no answer and nothing created → 502, one session after the retry; no answer although created → 502, and the retry does not open a second session where the provider has idempotency",
    async (name) => {
      const sandbox = sandboxFor(name);
      const faultedCalls = 1 + sandbox.sdkRetries;

      // 1. The request times out and the provider never acts on it.
      const lost = await request(name);
      await sandbox.fault({ status: 503, delayMs: BEYOND_TIMEOUT_MS, count: faultedCalls, methods: ["POST"], paths: sandbox.createPath });
      const failed = await expectUnavailable(lost.attempt(), lost.user.id);
      await sleep(BEYOND_TIMEOUT_MS - ADAPTER_TIMEOUT_MS + 500); // the delayed 503s are sent to nobody
      await sandbox.clearFaults();
      expect(await sandbox.sessionsFor(failed.id)).toEqual([]);
      await expectUsable(await lost.attempt(), sandbox, failed.id);
      expect(await sandbox.sessionsFor(failed.id)).toHaveLength(1);

      // 2. The request times out, but the provider creates the session afterwards.
      const late = await request(name);
      await sandbox.fault({ delayMs: BEYOND_TIMEOUT_MS, count: faultedCalls, methods: ["POST"], paths: sandbox.createPath });
      const unknown = await expectUnavailable(late.attempt(), late.user.id);
      expect(unknown.metadata).toMatchObject({ outcomeUnknown: true });
      await sleep(BEYOND_TIMEOUT_MS - ADAPTER_TIMEOUT_MS + 500); // now the provider has created it
      await sandbox.clearFaults();
      const createdUnseen = await sandbox.sessionsFor(unknown.id);
      // Stripe's SDK retries with the same key too: still one session.
      expect(createdUnseen).toHaveLength(WITH_IDEMPOTENCY.has(name) ? 1 : faultedCalls);

      const row = await expectUsable(await late.attempt(), sandbox, unknown.id);
      const after = await sandbox.sessionsFor(unknown.id);
      if (WITH_IDEMPOTENCY.has(name)) {
        // The same provider key: the provider returned the session it had created.
        expect(after).toEqual(createdUnseen);
        expect(createdUnseen.map((s) => s.id)).toContain(row.providerSessionId);
        return;
      }
      // No idempotency at the provider: a new session, and ours is the one we were answered.
      expect(after).toHaveLength(createdUnseen.length + 1);
      expect(createdUnseen.map((s) => s.id)).not.toContain(row.providerSessionId);
      // An unseen session paid anyway (it cannot be, but if) never completes our checkout.
      const before = (await sandbox.events()).length;
      await sandbox.pay(createdUnseen[0].id);
      for (const event of (await sandbox.events()).slice(before)) await deliverEvent(event);
      expect(await db.checkout.findUniqueOrThrow({ where: { id: unknown.id } })).toMatchObject({ status: "open", providerSessionId: row.providerSessionId });
      expect(await db.order.count({ where: { checkoutId: unknown.id } })).toBe(0);
    },
    120_000,
  );
});
