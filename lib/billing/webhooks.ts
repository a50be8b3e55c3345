import "server-only";
import { db } from "@/lib/db";
import { getProvider, isProviderName } from "@/lib/payments";
import { UnknownProviderError, WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent } from "@/lib/payments/types";
import { WebhookNotMatchedYetError } from "./errors";
import { applyParkedEvents, keysUnlockedBy } from "./parked-events";
import { recordAndApply, type RecordAndApplyOptions, type WebhookResult } from "./record-event";
import { syncCheckout } from "./sync-checkout";

export type { RecordAndApplyOptions, WebhookResult } from "./record-event";

/**
 * POST /api/webhooks/[provider] in one call. Route mapping:
 *   result → 200 · WebhookVerificationError → 400 · UnknownProviderError → 404 ·
 *   ProviderConfigurationError (missing secret: fail closed) → 500 · WebhookProcessingError → 500.
 *
 * 1. verify the signature over the exact raw body (invalid → throws, nothing written), and
 *    refuse an event from the other mode (test vs live) than the deployment's keys;
 * 2. record the event once — unique (provider, eventId); an event already applied/ignored is
 *    a no-op success; a redelivery of a failed one counts an attempt and applies again;
 * 3. apply it in one transaction together with the status change to applied/ignored; on error
 *    everything rolls back, the event is marked failed with the error text, and the error is
 *    rethrown so the route answers 500 and the provider retries;
 * 4. an event about money that names nothing we know yet is kept as unmatched (and answered
 *    500), and applied as soon as what it waits for is recorded.
 */
export async function handleWebhook(providerName: string, rawBody: string, headers: Headers): Promise<WebhookResult> {
  if (!isProviderName(providerName)) throw new UnknownProviderError(providerName);
  const provider = getProvider(providerName);
  const event = await provider.verifyWebhook(rawBody, headers);
  if (event.provider !== provider.name || !event.eventId) {
    throw new WebhookVerificationError(`The ${provider.name} adapter returned an event without an id or for another provider.`);
  }
  // A test-mode event never reaches a live deployment's data, nor the other way round.
  const mode = provider.deploymentMode?.() ?? null;
  if (mode && typeof event.livemode === "boolean" && event.livemode !== (mode === "live")) {
    throw new WebhookVerificationError(
      `This deployment uses ${provider.name} ${mode} keys but the event ${event.eventId} is from ${event.livemode ? "live" : "test"} mode: refused, nothing recorded.`,
    );
  }
  return recordAndApplyEvent(event);
}

/**
 * Steps 2–4 of handleWebhook for an already verified event: the webhook route and the
 * operator's replay (lib/billing/replay-event.ts) share this one path.
 */
export async function recordAndApplyEvent(event: PaymentEvent, options: RecordAndApplyOptions = {}): Promise<WebhookResult> {
  let result: WebhookResult;
  try {
    result = await recordAndApply(event, options);
  } catch (error) {
    if (error instanceof WebhookNotMatchedYetError && isUnidentifiedPayment(event)) {
      const matched = await matchByOpenCheckouts(event);
      if (matched) return matched;
    }
    throw error;
  }
  if (result.status === "applied") await applyParkedEvents(event.provider, await keysUnlockedBy(event, result));
  return result;
}

/** A payment that names only itself (FastStar's documented payment.succeeded). */
function isUnidentifiedPayment(event: PaymentEvent): boolean {
  return event.kind === "checkout.completed" && !event.ourCheckoutId && !event.providerSessionId && Boolean(event.payment?.id);
}

/** Open checkouts asked about, newest first, when a payment names none: the buyer paid a recent one. */
const OPEN_CHECKOUTS_ASKED = 20;
const OPEN_CHECKOUT_MAX_AGE_MS = 48 * 3_600_000;

/**
 * The provider's own API, server-to-server: each recent open checkout's session is read (the
 * success page's sync, which records the payment id and applies what waits on it) until the
 * paying one is found. Returns the event's result once it has been applied that way.
 */
async function matchByOpenCheckouts(event: PaymentEvent): Promise<WebhookResult | null> {
  const open = await db.checkout.findMany({
    where: {
      provider: event.provider,
      // failed too: a declined card, then the same session paid with another.
      status: { in: ["open", "processing", "failed"] },
      providerSessionId: { not: null },
      createdAt: { gt: new Date(Date.now() - OPEN_CHECKOUT_MAX_AGE_MS) },
    },
    orderBy: { createdAt: "desc" },
    take: OPEN_CHECKOUTS_ASKED,
    select: { id: true },
  });
  for (const { id } of open) {
    const synced = await syncCheckout(id).catch(() => null);
    if (synced?.status !== "complete" && synced?.status !== "held") continue;
    const row = await db.webhookEvent.findUnique({
      where: { provider_eventId: { provider: event.provider, eventId: event.eventId } },
      select: { status: true, error: true },
    });
    if (row?.status === "applied") return { eventId: event.eventId, type: event.type, kind: event.kind, status: "applied", note: row.error ?? undefined, checkoutId: id };
  }
  return null;
}
