// Test-only: Stripe event envelopes signed with the official SDK's test-header helper, for
// unit tests of verification/normalization and for forged or replayed deliveries built from
// real sandbox objects. Never imported by app code.
import Stripe from "stripe";

export type Json = Record<string, unknown>;

/** A Stripe event envelope around `object`, as the exact JSON text to sign (for forged or replayed events). */
export function stripeEventPayload(type: string, object: Json, options: { id?: string; created?: number } = {}): string {
  return JSON.stringify({
    id: options.id ?? `evt_test_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`,
    object: "event",
    api_version: Stripe.API_VERSION,
    created: options.created ?? Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

/** Headers carrying a valid Stripe-Signature for `payload` (optionally at another time), made by the SDK. */
export function signedHeaders(payload: string, secret: string, timestamp?: number): Headers {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
  return new Headers({ "stripe-signature": signature, "content-type": "application/json" });
}
