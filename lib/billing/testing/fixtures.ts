// Test-only helpers for billing integration tests: real database, fresh users, the demo
// catalog, and a local Stripe API stand-in driven through the real SDK. Never imported by app code.
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db";
import { handleWebhook } from "@/lib/billing/webhooks";
import { FakeStripe, signedHeaders, stripeEventPayload, type Json } from "@/lib/payments/providers/stripe/testing/fake-stripe";
import { seedCatalog } from "@/prisma/seed";

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

/** Starts the local Stripe API and points the adapter (and webhook verification) at it. */
export async function startStripe(): Promise<FakeStripe> {
  const fake = await FakeStripe.start();
  process.env.PAYMENTS_PROVIDER = "stripe";
  process.env.STRIPE_SECRET_KEY = "sk_test_billing_tests";
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.STRIPE_API_URL = fake.url;
  return fake;
}

export type SignedDelivery = { payload: string; headers: Headers; eventId: string };

let sequence = 0;
/** A Stripe event signed with the test secret, as Stripe would POST it. */
export function signedEvent(type: string, object: Json, options: { id?: string; created?: number; secret?: string; timestamp?: number } = {}): SignedDelivery {
  sequence += 1;
  const eventId = options.id ?? `evt_test_${randomUUID().replace(/-/g, "")}_${sequence}`;
  const payload = stripeEventPayload(type, object, { id: eventId, created: options.created });
  return { payload, headers: signedHeaders(payload, options.secret ?? WEBHOOK_SECRET, options.timestamp), eventId };
}

export async function deliver(delivery: SignedDelivery) {
  return handleWebhook("stripe", delivery.payload, delivery.headers);
}

export async function webhookRows(eventId: string) {
  return db.webhookEvent.findMany({ where: { provider: "stripe", eventId } });
}
