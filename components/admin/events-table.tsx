import Link from "next/link";
import type { EventFilters, EventPage } from "@/lib/admin/events";
import { buttonClasses, cardClasses, mutedTextClasses } from "@/components/ui/styles";
import { AdminTable, CheckoutEventsLink, cellClasses, monoClasses, rowClasses } from "./admin-table";
import { formatTimestamp } from "./format-timestamp";
import { OperatorActionForm, type OperatorAction } from "./operator-action-form";
import { AdminStatusBadge } from "./status-badge";

const REPLAY_BUTTONS = [
  { label: "Replay", pendingLabel: "Replaying…", name: "force", value: "false" },
  { label: "Force re-apply", pendingLabel: "Re-applying…", name: "force", value: "true", variant: "ghost" as const },
];

function withCursor(filters: EventFilters, cursor: string | null): string {
  const params = new URLSearchParams();
  for (const key of ["provider", "status", "type", "search"] as const) if (filters[key]) params.set(key, filters[key]);
  if (cursor) params.set("cursor", cursor);
  const query = params.toString();
  return `/admin/events${query ? `?${query}` : ""}`;
}

export function EventsTable({ page, filters, replayAction }: { page: EventPage; filters: EventFilters; replayAction: OperatorAction }) {
  return (
    <div className={`${cardClasses} flex flex-col gap-3 p-4`}>
      {page.rows.length === 0 ? (
        <p className={`text-sm ${mutedTextClasses}`}>No events match these filters.</p>
      ) : (
        <AdminTable
          caption="Webhook events, newest first"
          columns={["Received", "Provider", "Event", "Status", "Attempts", "Checkout", "Error / note", "Actions"]}
          testId="events-table"
        >
              {page.rows.map((row) => (
                <tr key={row.id} className={rowClasses} data-testid="event-row" data-event-id={row.eventId}>
                  <td className={`${cellClasses} whitespace-nowrap`}>
                    <time dateTime={row.receivedAt.toISOString()}>{formatTimestamp(row.receivedAt)}</time>
                    {row.processedAt ? (
                      <span className={`block text-xs ${mutedTextClasses}`}>
                        processed <time dateTime={row.processedAt.toISOString()}>{formatTimestamp(row.processedAt)}</time>
                      </span>
                    ) : null}
                  </td>
                  <td className={cellClasses}>{row.provider}</td>
                  <th scope="row" className={`${cellClasses} font-normal`}>
                    <span className="block font-medium">{row.type}</span>
                    <span className={`${monoClasses} ${mutedTextClasses}`}>{row.eventId}</span>
                  </th>
                  <td className={cellClasses} data-testid="event-status">
                    <AdminStatusBadge status={row.status} />
                  </td>
                  <td className={`${cellClasses} tabular-nums`} data-testid="event-attempts">
                    {row.attempts}
                  </td>
                  <td className={cellClasses}>
                    {row.checkoutId ? (
                      <CheckoutEventsLink checkoutId={row.checkoutId} />
                    ) : (
                      <span className={mutedTextClasses}>—</span>
                    )}
                  </td>
                  <td className={`${cellClasses} max-w-xs text-xs break-words`}>{row.error ?? <span className={mutedTextClasses}>—</span>}</td>
                  <td className={cellClasses}>
                    <OperatorActionForm action={replayAction} fields={{ webhookEventId: row.id }} buttons={REPLAY_BUTTONS} subject={`event ${row.eventId}`} />
                  </td>
                </tr>
              ))}
        </AdminTable>
      )}
      <div className="flex gap-2">
        {filters.cursor ? (
          <Link href={withCursor(filters, null)} className={buttonClasses("secondary")}>
            Newest
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link href={withCursor(filters, page.nextCursor)} className={buttonClasses("secondary")} rel="next">
            Older events
          </Link>
        ) : null}
      </div>
    </div>
  );
}
