import "server-only";
import { db } from "@/lib/db";
import { moneyTransaction } from "./transaction";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getProvider, isProviderName } from "@/lib/payments";
import { UnknownProviderError, WebhookVerificationError } from "@/lib/payments/errors";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { applyEvent } from "./apply";
import { WebhookProcessingError } from "./errors";

export type WebhookResult = {
  /** applied | ignored (recorded, nothing to do) | duplicate (already handled: no-op). */
  status: "applied" | "ignored" | "duplicate";
  eventId: string;
  type: string;
  kind: PaymentEventKind;
  note?: string;
};

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
 *    rethrown so the route answers 500 and the provider retries.
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

export type RecordAndApplyOptions = {
  /**
   * Apply again although the event is already applied/ignored (an operator's "force
   * re-apply"): still safe, because applyEvent is idempotent by unique keys.
   */
  force?: boolean;
};

/**
 * Steps 2 and 3 of handleWebhook for an already verified event: the webhook route and the
 * operator's replay (lib/billing/replay-event.ts) share this one path.
 */
export async function recordAndApplyEvent(event: PaymentEvent, options: RecordAndApplyOptions = {}): Promise<WebhookResult> {
  const key = { provider_eventId: { provider: event.provider, eventId: event.eventId } };
  // One statement for a new event (INSERT … ON CONFLICT DO NOTHING RETURNING); a known one is read back.
  const [inserted] = await db.webhookEvent.createManyAndReturn({
    data: [
      {
        provider: event.provider,
        eventId: event.eventId,
        type: event.type,
        payload: toJson(event.raw),
        status: "received",
      },
    ],
    skipDuplicates: true,
    select: { id: true, status: true },
  });
  const recorded = inserted ?? (await db.webhookEvent.findUniqueOrThrow({ where: key, select: { id: true, status: true } }));
  const base = { eventId: event.eventId, type: event.type, kind: event.kind };
  if (!inserted) {
    if (isDone(recorded.status) && !options.force) return { ...base, status: "duplicate" };
    await db.webhookEvent.update({ where: { id: recorded.id }, data: { attempts: { increment: 1 } } });
  }

  try {
    return await moneyTransaction(async (tx) => {
      // Serializes concurrent deliveries of the same event; the loser sees the winner's status.
      const [locked] = await tx.$queryRaw<{ status: string }[]>`
        SELECT status::text AS status FROM "WebhookEvent" WHERE id = ${recorded.id} FOR UPDATE`;
      if (isDone(locked?.status) && !options.force) return { ...base, status: "duplicate" as const };
      const outcome = await applyEvent(event, { tx });
      await tx.webhookEvent.update({
        where: { id: recorded.id },
        data: { status: outcome.status, processedAt: new Date(), error: outcome.note ?? null },
      });
      return { ...base, status: outcome.status, note: outcome.note };
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // Outside the rolled-back transaction; never overwrite a concurrent success.
    await db.webhookEvent
      .updateMany({
        where: { id: recorded.id, status: { in: ["received", "failed"] } },
        data: { status: "failed", error: message.slice(0, 4000), processedAt: new Date() },
      })
      .catch(() => undefined);
    throw new WebhookProcessingError(event.eventId, `Applying ${event.provider} event ${event.eventId} (${event.type}) failed: ${message}`, {
      cause: error,
    });
  }
}

function isDone(status: string | undefined): boolean {
  return status === "applied" || status === "ignored";
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;
}
