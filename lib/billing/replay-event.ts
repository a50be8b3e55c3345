import "server-only";
import { db } from "@/lib/db";
import { getProvider } from "@/lib/payments";
import { PaymentsError } from "@/lib/payments/errors";
import { WebhookProcessingError } from "./errors";
import { recordAndApplyEvent } from "./webhooks";

// An operator's replay of a recorded webhook event. The stored payload is the provider's raw
// event, verified when it arrived, so it is re-normalized (not re-verified: signatures expire)
// and goes through the SAME record-and-apply path as a live delivery.

export type ReplayResult = {
  webhookEventId: string;
  eventId: string;
  type: string;
  /**
   * applied / ignored: applied now (ignored = recorded, nothing to do);
   * already_applied: it was applied or ignored before and `force` was not given: a no-op;
   * failed: applying failed again (rolled back; `error` says why).
   */
  outcome: "applied" | "ignored" | "already_applied" | "failed";
  note: string | null;
  error: string | null;
  attempts: number;
};

/** No recorded event with this id. */
export class WebhookEventNotFoundError extends PaymentsError {
  readonly status = 404;
  readonly code = "webhook_event_not_found";
  constructor() {
    super("Webhook event not found.");
    this.name = "WebhookEventNotFoundError";
  }
}

/** The stored payload cannot be replayed (no normalizer for its provider, or it names another event). */
export class ReplayNotPossibleError extends PaymentsError {
  readonly status = 422;
  readonly code = "replay_not_possible";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ReplayNotPossibleError";
  }
}

/**
 * Re-applies one recorded event by our WebhookEvent id. Idempotent: an event already applied
 * (or ignored) is a no-op unless `force`, and even then applyEvent's unique keys grant nothing
 * twice. A failed event counts an attempt and is applied again.
 */
export async function replayWebhookEvent(webhookEventId: string, options: { force?: boolean } = {}): Promise<ReplayResult> {
  const row = await db.webhookEvent.findUnique({ where: { id: webhookEventId } });
  if (!row) throw new WebhookEventNotFoundError();

  const provider = getProvider(row.provider);
  if (!provider.normalizeStoredEvent) throw new ReplayNotPossibleError(`The ${provider.name} adapter cannot re-normalize stored events.`);
  let event;
  try {
    event = provider.normalizeStoredEvent(row.payload, row.eventId);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ReplayNotPossibleError(`The stored payload of ${row.eventId} cannot be normalized: ${reason}`, { cause: error });
  }
  if (event.provider !== row.provider || event.eventId !== row.eventId) {
    throw new ReplayNotPossibleError(`The stored payload of ${row.eventId} names ${event.provider} event ${event.eventId}.`);
  }

  // Applied as a live delivery is: with what verifyWebhook would have added from the API.
  if (provider.resolveStoredEvent) event = await provider.resolveStoredEvent(event);
  let outcome: ReplayResult["outcome"];
  let note: string | null = null;
  let error: string | null = null;
  try {
    const result = await recordAndApplyEvent(event, { force: options.force });
    outcome = result.status === "duplicate" ? "already_applied" : result.status;
    note = result.note ?? null;
  } catch (caught) {
    if (!(caught instanceof WebhookProcessingError)) throw caught;
    outcome = "failed";
    error = caught.message;
  }
  const after = await db.webhookEvent.findUniqueOrThrow({ where: { id: row.id }, select: { attempts: true } });
  return { webhookEventId: row.id, eventId: row.eventId, type: row.type, outcome, note, error, attempts: after.attempts };
}
