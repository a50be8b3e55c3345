import "server-only";
import { PaymentsError } from "@/lib/payments/errors";

/** Webhook deliveries are a few KB; anything near this is not from a provider. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** POST /api/checkout carries a price id, a quantity and a key: a few hundred bytes. */
export const MAX_CHECKOUT_BODY_BYTES = 16 * 1024;

/** A request body over the route's limit. 413; nothing was read past the limit. */
export class PayloadTooLargeError extends PaymentsError {
  readonly status = 413;
  readonly code = "payload_too_large";
  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
    this.name = "PayloadTooLargeError";
  }
}

/**
 * The body as text (UTF-8, like Request.text()), refusing more than `limitBytes`: first by the
 * declared Content-Length, then by counting bytes while streaming, because a chunked body
 * declares no length and a declared one may lie. At most `limitBytes` (+ one chunk) is held.
 */
export async function readTextWithin(request: Request, limitBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) throw new PayloadTooLargeError(limitBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

/** The body as JSON within `limitBytes`, or undefined when it is not valid JSON. */
export async function readJsonWithin(request: Request, limitBytes: number): Promise<unknown> {
  const text = await readTextWithin(request, limitBytes);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
