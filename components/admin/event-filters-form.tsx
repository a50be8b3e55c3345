import Link from "next/link";
import { WEBHOOK_EVENT_STATUSES, type EventFilters } from "@/lib/admin/events";
import { PROVIDER_NAMES } from "@/lib/payments/types";
import { buttonClasses, inputClasses } from "@/components/ui/styles";

const labelClasses = "flex flex-col gap-1 text-xs font-medium text-zinc-700 dark:text-zinc-300";

/** A plain GET form: the filters live in the URL, so a filtered view can be shared and reloaded. */
export function EventFiltersForm({ filters }: { filters: EventFilters }) {
  return (
    <form method="get" action="/admin/events" role="search" aria-label="Filter events" className="grid gap-3 sm:grid-cols-2 lg:grid-cols-[10rem_10rem_1fr_1.5fr_auto]">
      <label className={labelClasses}>
        Provider
        <select name="provider" defaultValue={filters.provider ?? ""} className={inputClasses}>
          <option value="">All providers</option>
          {PROVIDER_NAMES.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className={labelClasses}>
        Status
        <select name="status" defaultValue={filters.status ?? ""} className={inputClasses}>
          <option value="">All statuses</option>
          {WEBHOOK_EVENT_STATUSES.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label className={labelClasses}>
        Type contains
        <input name="type" defaultValue={filters.type ?? ""} placeholder="checkout.session" className={inputClasses} />
      </label>
      <label className={labelClasses}>
        Checkout id or event id
        <input name="search" defaultValue={filters.search ?? ""} placeholder="our checkout id, or evt_…" className={`${inputClasses} font-mono`} />
      </label>
      <div className="flex items-end gap-2">
        <button type="submit" className={buttonClasses("primary")}>
          Filter
        </button>
        <Link href="/admin/events" className={buttonClasses("ghost")}>
          Clear
        </Link>
      </div>
    </form>
  );
}
