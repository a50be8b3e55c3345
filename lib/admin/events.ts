import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { getProvider } from "@/lib/payments";
import { PROVIDER_NAMES, type ProviderName } from "@/lib/payments/types";

// The operator's list of recorded webhook events: newest first, 50 a page (cursor), filtered
// by provider, status, type and a search for our checkout id or the provider's event id.

export const EVENTS_PAGE_SIZE = 50;
export const WEBHOOK_EVENT_STATUSES = ["received", "applied", "ignored", "unmatched", "failed"] as const;

const blankToUndefined = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

/** The filters as they arrive in the query string; anything unknown is dropped, not trusted. */
export const eventFiltersSchema = z.object({
  provider: z.preprocess(blankToUndefined, z.enum(PROVIDER_NAMES).optional()).catch(undefined),
  status: z.preprocess(blankToUndefined, z.enum(WEBHOOK_EVENT_STATUSES).optional()).catch(undefined),
  type: z.preprocess(blankToUndefined, z.string().max(200).optional()).catch(undefined),
  search: z.preprocess(blankToUndefined, z.string().max(200).optional()).catch(undefined),
  cursor: z.preprocess(blankToUndefined, z.string().max(100).optional()).catch(undefined),
});

export type EventFilters = z.infer<typeof eventFiltersSchema>;

export type EventRow = {
  id: string;
  provider: ProviderName;
  eventId: string;
  type: string;
  status: (typeof WEBHOOK_EVENT_STATUSES)[number];
  attempts: number;
  error: string | null;
  receivedAt: Date;
  processedAt: Date | null;
  /** Our checkout the normalized event references (by our id, or by the provider's session id). */
  checkoutId: string | null;
};

export type EventPage = { rows: EventRow[]; nextCursor: string | null };

export async function listWebhookEvents(filters: EventFilters): Promise<EventPage> {
  const where: Prisma.WebhookEventWhereInput = {
    ...(filters.provider ? { provider: filters.provider } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.type ? { type: { contains: filters.type, mode: "insensitive" } } : {}),
    ...(filters.search ? { OR: [{ eventId: filters.search }, { id: { in: await eventIdsMentioning(filters.search) } }] } : {}),
  };
  const found = await db.webhookEvent.findMany({
    where,
    orderBy: [{ receivedAt: "desc" }, { id: "desc" }],
    take: EVENTS_PAGE_SIZE + 1,
    ...(filters.cursor ? { cursor: { id: filters.cursor }, skip: 1 } : {}),
  });
  const page = found.slice(0, EVENTS_PAGE_SIZE);
  const rows = await Promise.all(
    page.map(async (row) => ({
      id: row.id,
      provider: row.provider,
      eventId: row.eventId,
      type: row.type,
      status: row.status,
      attempts: row.attempts,
      error: row.error,
      receivedAt: row.receivedAt,
      processedAt: row.processedAt,
      checkoutId: await linkedCheckoutId(row.provider, row.payload, row.eventId),
    })),
  );
  return { rows, nextCursor: found.length > EVENTS_PAGE_SIZE ? page[page.length - 1].id : null };
}

/**
 * Events whose stored payload mentions `term`: our checkout id travels inside every provider's
 * payload (metadata / client_reference_id / request_id). When `term` is one of our checkouts,
 * events that name only its provider session id are found too.
 */
async function eventIdsMentioning(term: string): Promise<string[]> {
  const checkout = await db.checkout.findUnique({ where: { id: term }, select: { providerSessionId: true } });
  const terms = [term, ...(checkout?.providerSessionId ? [checkout.providerSessionId] : [])];
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM "WebhookEvent" WHERE EXISTS (SELECT 1 FROM unnest(${terms}::text[]) AS t(term) WHERE strpos(payload::text, t.term) > 0)`;
  return rows.map((row) => row.id);
}

/** The checkout the stored event refers to, as its provider's normalizer reads it; null when none or unreadable. */
async function linkedCheckoutId(provider: ProviderName, payload: unknown, eventId: string): Promise<string | null> {
  let event;
  try {
    event = getProvider(provider).normalizeStoredEvent?.(payload, eventId);
  } catch {
    return null; // a malformed payload still lists; replay will say why it cannot be used
  }
  if (!event) return null;
  if (event.ourCheckoutId) return event.ourCheckoutId;
  if (!event.providerSessionId) return null;
  const checkout = await db.checkout.findUnique({
    where: { provider_providerSessionId: { provider, providerSessionId: event.providerSessionId } },
    select: { id: true },
  });
  return checkout?.id ?? null;
}
