// Test-only helpers for billing integration tests: real database, fresh users, the demo
// catalog, and the local payments sandbox (sandbox/) as Stripe, driven through the real SDK.
// Never imported by app code.
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { handleWebhook } from "@/lib/billing/webhooks";
import { signedHeaders, stripeEventPayload, type Json } from "@/lib/payments/providers/stripe/testing/events";
import { startStripeSandbox, type StripeSandbox } from "@/lib/payments/providers/stripe/testing/sandbox";
import { seedCatalog } from "@/prisma/seed";

export type { Json, StripeSandbox };

export const WEBHOOK_SECRET = "whsec_billing_tests_secret";
export const APP_URL = "http://app.test";

/** Upserts the demo catalog (idempotent; tolerant of parallel test files). */
export async function ensureCatalog(): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await seedCatalog(db);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
    }
  }
}

export async function createUser() {
  return db.user.create({ data: { email: `buyer-${randomUUID()}@test.local`, name: "Test Buyer" } });
}

/**
 * Starts the sandbox (webhook delivery off: tests deliver events themselves, in the order
 * they choose) and points the adapter and webhook verification at it.
 */
export async function startStripe(): Promise<StripeSandbox> {
  const sandbox = await startStripeSandbox({ webhookUrl: null, webhookSecret: WEBHOOK_SECRET });
  sandbox.configureAdapter();
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  return sandbox;
}

export type SignedDelivery = { payload: string; headers: Headers; eventId: string };
type SignOptions = { secret?: string; timestamp?: number };

let sequence = 0;
/** A Stripe event around `object` (a real sandbox object, possibly altered), signed with the test secret. */
export function signedEvent(type: string, object: object, options: { id?: string; created?: number } & SignOptions = {}): SignedDelivery {
  sequence += 1;
  const eventId = options.id ?? `evt_test_${randomUUID().replace(/-/g, "")}_${sequence}`;
  const payload = stripeEventPayload(type, object as Json, { id: eventId, created: options.created });
  return { payload, headers: signedHeaders(payload, options.secret ?? WEBHOOK_SECRET, options.timestamp), eventId };
}

/** An event the sandbox emitted, byte for byte as it delivers it (pretty-printed), signed. */
export function signedSandboxEvent(event: Stripe.Event, options: SignOptions = {}): SignedDelivery {
  const payload = JSON.stringify(event, null, 2);
  return { payload, headers: signedHeaders(payload, options.secret ?? WEBHOOK_SECRET, options.timestamp), eventId: event.id };
}

/** Pays the session on the sandbox and returns its real checkout.session.completed, signed. */
export async function payAndSign(sandbox: StripeSandbox, sessionId: string, options: SignOptions = {}): Promise<SignedDelivery & { session: Stripe.Checkout.Session }> {
  const session = await sandbox.pay(sessionId);
  const delivery = signedSandboxEvent(await sandbox.event("checkout.session.completed", sessionId), options);
  return { ...delivery, session };
}

export async function deliver(delivery: SignedDelivery) {
  return handleWebhook("stripe", delivery.payload, delivery.headers);
}

export async function webhookRows(eventId: string) {
  return db.webhookEvent.findMany({ where: { provider: "stripe", eventId } });
}
