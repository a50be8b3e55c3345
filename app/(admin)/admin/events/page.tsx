import type { Metadata } from "next";
import { requireAdmin } from "@/lib/admin/access";
import { eventFiltersSchema, listWebhookEvents } from "@/lib/admin/events";
import { EventFiltersForm } from "@/components/admin/event-filters-form";
import { EventsTable } from "@/components/admin/events-table";
import { replayEvent } from "../actions";

export const metadata: Metadata = { title: "Events · Admin" };

export default async function AdminEventsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const filters = eventFiltersSchema.parse(await searchParams);
  const page = await listWebhookEvents(filters);
  return (
    <section aria-labelledby="events-heading" className="flex flex-col gap-4">
      <h1 id="events-heading" className="text-2xl font-semibold tracking-tight">
        Webhook events
      </h1>
      <EventFiltersForm filters={filters} />
      <EventsTable page={page} filters={filters} replayAction={replayEvent} />
    </section>
  );
}
