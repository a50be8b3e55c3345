// Test-only: Creem webhook envelopes and `creem-signature` headers computed by the documented
// scheme (hex HMAC-SHA256 of the raw body) independently of the adapter, for forged, tampered
// and replayed deliveries. Never imported by app code.
import { createHmac, randomUUID } from "node:crypto";

export type Json = Record<string, unknown>;

/** A Creem envelope `{id, eventType, created_at (ms), object}` as the exact JSON text to sign. */
export function creemEventPayload(eventType: string, object: Json, options: { id?: string; createdAt?: number } = {}): string {
  return JSON.stringify({
    id: options.id ?? `evt_test_${randomUUID().replace(/-/g, "")}`,
    eventType,
    created_at: options.createdAt ?? Date.now(),
    object,
  });
}

export function signCreemBody(payload: string, secret: string): string {
  return createHmac("sha256", secret).update(payload, "utf8").digest("hex");
}

/** Headers carrying a valid `creem-signature` for `payload`. */
export function creemSignedHeaders(payload: string, secret: string): Headers {
  return new Headers({ "creem-signature": signCreemBody(payload, secret), "content-type": "application/json" });
}
