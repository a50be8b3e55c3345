import "server-only";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { PaymentEvent, PaymentEventKind } from "@/lib/payments/types";
import { applyEvent } from "./apply";
import { NotYetMatchedError } from "./apply-common";
import { WebhookNotMatchedYetError, WebhookProcessingError } from "./errors";
import { matchKeysOf } from "./match-keys";
import { moneyTransaction } from "./transaction";

export type WebhookResult = {
  /** applied | ignored (recorded, nothing to do) | duplicate (already handled: no-op). */
  status: "applied" | "ignored" | "duplicate";
  eventId: string;
  type: string;
  kind: PaymentEventKind;
  note?: string;
  /** Our checkout the event was applied to, when it names or reaches one. */
  checkoutId?: string;
};

export type RecordAndApplyOptions = {
  /**
   * Apply again although the event is already applied/ignored (an operator's "force
   * re-apply"): still safe, because applyEvent is idempotent by unique keys.
   */
  force?: boolean;
};

/**
 * Records a verified event once and applies it in one transaction with its status change.
 * On error everything rolls back and the event is marked failed with the error text — or,
 * when it names nothing we know yet (NotYetMatchedError), unmatched with the ids it waits
 * for — and the error is rethrown so the route answers 500 and the provider retries.
 */
export async function recordAndApply(event: PaymentEvent, options: RecordAndApplyOptions = {}): Promise<WebhookResult> {
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
        data: { status: outcome.status, processedAt: new Date(), error: outcome.note ?? null, matchKeys: [] },
      });
      return { ...base, status: outcome.status, note: outcome.note, checkoutId: outcome.checkoutId };
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const unmatched = error instanceof NotYetMatchedError;
    // Outside the rolled-back transaction; never overwrite a concurrent success.
    await db.webhookEvent
      .updateMany({
        where: { id: recorded.id, status: { in: ["received", "failed", "unmatched"] } },
        data: { status: unmatched ? "unmatched" : "failed", error: message.slice(0, 4000), processedAt: new Date(), matchKeys: unmatched ? matchKeysOf(event) : [] },
      })
      .catch(() => undefined);
    const described = `Applying ${event.provider} event ${event.eventId} (${event.type}) failed: ${message}`;
    if (unmatched) throw new WebhookNotMatchedYetError(event.eventId, described, { cause: error });
    throw new WebhookProcessingError(event.eventId, described, { cause: error });
  }
}

function isDone(status: string | undefined): boolean {
  return status === "applied" || status === "ignored";
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as Prisma.InputJsonValue;
}
