// Client-safe (no secrets): how each hosted checkout page tells its embedding window that the
// payment finished. The overlay trusts a message only from the checkout URL's own origin and
// only in one of these shapes; it then navigates to OUR success page, which re-verifies the
// session server-side (the message itself never grants anything).

export type OverlayCompletion = { redirectUrl?: string };

type Matcher = (data: unknown) => OverlayCompletion | null;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

// The local sandbox's stand-in for providers whose own overlay script opens only their hosts
// (Stripe.js, Dodo, FastStar): {source:"checkout-sandbox", type:"checkout.completed"}.
const sandboxMessage: Matcher = (data) =>
  isRecord(data) && data.source === "checkout-sandbox" && data.type === "checkout.completed"
    ? { redirectUrl: typeof data.redirectUrl === "string" ? data.redirectUrl : undefined }
    : null;

// Creem's embed protocol: {source:"creem-embed", version:1, type:"completed", redirectUrl}.
const creemMessage: Matcher = (data) =>
  isRecord(data) && data.source === "creem-embed" && data.type === "completed"
    ? { redirectUrl: typeof data.redirectUrl === "string" ? data.redirectUrl : undefined }
    : null;

const matchers: Matcher[] = [sandboxMessage, creemMessage];

/** The completion carried by a postMessage from the checkout frame, or null. */
export function parseOverlayCompletion(
  event: { origin: string; data: unknown },
  checkoutUrl: string,
): OverlayCompletion | null {
  if (event.origin !== new URL(checkoutUrl).origin) return null;
  for (const match of matchers) {
    const completion = match(event.data);
    if (completion) return completion;
  }
  return null;
}
