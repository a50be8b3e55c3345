// Test-only: FastStar event envelopes and deliveries signed by the DOCUMENTED scheme
// (faststarpay.com/docs/webhooks), computed here with node:crypto — independently of the
// adapter's own signing helper, so a mistake there cannot hide itself. Never imported by app code.
import { createHmac, randomUUID } from "node:crypto";

export type Json = Record<string, unknown>;

/** `{ id, type, created, data, livemode, api_version: "v1" }` as the exact JSON text to sign. */
export function faststarEventPayload(type: string, data: Json, options: { id?: string; created?: number } = {}): string {
  return JSON.stringify({
    id: options.id ?? `evt_test_${randomUUID().replace(/-/g, "")}`,
    type,
    created: options.created ?? Math.floor(Date.now() / 1000),
    data,
    livemode: false,
    api_version: "v1",
  });
}

/** X-Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body", keyed by the secret as text>. */
export function documentedSignature(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")}`;
}

/** The three headers FastStar sends with a delivery of `payload`. */
export function signedHeaders(payload: string, secret: string, options: { timestamp?: number; eventId?: string | null } = {}): Headers {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const parsed = JSON.parse(payload) as { id?: string; created?: number };
  const headers = new Headers({
    "content-type": "application/json",
    "x-webhook-signature": documentedSignature(payload, secret, timestamp),
    "x-webhook-timestamp": String(parsed.created ?? timestamp),
  });
  const id = options.eventId === undefined ? parsed.id : options.eventId;
  if (id) headers.set("x-webhook-id", id);
  return headers;
}
