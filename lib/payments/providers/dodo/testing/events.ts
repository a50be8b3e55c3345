// Test-only: Dodo webhook envelopes signed with the official Standard Webhooks library
// (standardwebhooks, the one the SDK verifies with), for unit tests of verification and
// normalization and for forged or replayed deliveries. Never imported by app code.
import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";

export type Json = Record<string, unknown>;

/** A base64 Standard Webhooks secret (whsec_…) derived from a label, stable per label. */
export function testWebhookSecret(label: string): string {
  return `whsec_${Buffer.from(`dodo-test-${label}`.padEnd(32, "-")).toString("base64")}`;
}

/** `{business_id, type, timestamp, data:{payload_type, …}}` as the exact JSON text to sign. */
export function dodoEventPayload(type: string, payloadType: string, data: Json, options: { timestamp?: string } = {}): string {
  return JSON.stringify({
    business_id: "bus_test",
    type,
    timestamp: options.timestamp ?? new Date().toISOString(),
    data: { payload_type: payloadType, ...data },
  });
}

export function newWebhookId(): string {
  return `msg_${randomUUID().replace(/-/g, "")}`;
}

/** Headers with a valid `webhook-signature` for `payload`, made by standardwebhooks (optionally at another time). */
export function signedHeaders(payload: string, secret: string, options: { id?: string; timestamp?: number } = {}): Headers {
  const id = options.id ?? newWebhookId();
  const seconds = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(secret).sign(id, new Date(seconds * 1000), payload);
  return new Headers({
    "webhook-id": id,
    "webhook-timestamp": String(seconds),
    "webhook-signature": signature,
    "content-type": "application/json",
  });
}
