// Test-only: the Stripe sandbox as the console's tests use it (webhook delivery off: every
// webhook is "held" until a test delivers it) and real checkouts on it. Never imported by app code.
import { afterAll, beforeAll } from "vitest";
import { createCheckout } from "@/lib/billing/create-checkout";
import { APP_URL, ensureCatalog, startStripe, type StripeSandbox } from "@/lib/billing/testing/fixtures";
import { db } from "@/lib/db";

/** Starts the sandbox (and the catalog) for this test file; call at the top level. */
export function withStripeSandbox(): () => StripeSandbox {
  let sandbox: StripeSandbox | undefined;
  beforeAll(async () => {
    await ensureCatalog();
    sandbox = await startStripe();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
  return () => {
    if (!sandbox) throw new Error("The Stripe sandbox is not running (beforeAll has not finished).");
    return sandbox;
  };
}

/** A real checkout: our row and the sandbox's session, through the adapter. */
export async function openCheckout(userId: string, priceId: string, quantity = 1): Promise<{ id: string; sessionId: string }> {
  const checkout = await createCheckout({ userId, email: "buyer@test.local", priceId, quantity, appUrl: APP_URL });
  const row = await db.checkout.findUniqueOrThrow({ where: { id: checkout.id } });
  return { id: checkout.id, sessionId: row.providerSessionId! };
}
