import Link from "next/link";
import type { ReactNode } from "react";
import { textLinkClasses } from "@/components/ui/styles";

// The console's tables: one look, a caption for screen readers, scrollable on small screens.

export const rowClasses = "border-b border-zinc-100 align-top last:border-0 dark:border-zinc-800/60";
export const cellClasses = "px-2 py-2.5";
export const monoClasses = "font-mono text-xs break-all";

type Column = string | { label: string; align: "right" };

export function AdminTable({ caption, columns, testId, children }: { caption: string; columns: Column[]; testId?: string; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-3xl border-collapse text-left text-sm" data-testid={testId}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr className="border-b border-zinc-200 text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
            {columns.map((column) => {
              const label = typeof column === "string" ? column : column.label;
              return (
                <th key={label} scope="col" className={`px-2 py-2 font-medium whitespace-nowrap ${typeof column === "string" ? "" : "text-right"}`}>
                  {label}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Our checkout id, linking to the events that name it. */
export function CheckoutEventsLink({ checkoutId }: { checkoutId: string }) {
  return (
    <Link href={`/admin/events?search=${encodeURIComponent(checkoutId)}`} className={`${monoClasses} ${textLinkClasses}`}>
      {checkoutId}
    </Link>
  );
}
