import Link from "next/link";
import type { StuckCheckoutRow } from "@/lib/admin/checkouts";
import { formatMoney } from "@/components/format-money";
import { buttonClasses, cardClasses, inputClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";
import { AdminTable, CheckoutEventsLink, cellClasses, rowClasses } from "./admin-table";
import type { OperatorAction } from "./operator-action-form";
import { AdminStatusBadge } from "./status-badge";
import { SyncCheckoutButton } from "./sync-checkout-button";

function age(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 60 * 48) return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return `${Math.floor(minutes / (60 * 24))} days`;
}

export function StuckCheckoutsTable({ rows, minutes, syncAction }: { rows: StuckCheckoutRow[]; minutes: number; syncAction: OperatorAction }) {
  return (
    <section aria-labelledby="stuck-heading" className="flex flex-col gap-4">
      <h1 id="stuck-heading" className="text-2xl font-semibold tracking-tight">
        Pending and stuck checkouts
      </h1>
      <form method="get" action="/admin/checkouts" className="flex flex-wrap items-end gap-2">
        <label className="flex flex-col gap-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Unfinished for at least (minutes)
          <input type="number" name="minutes" min={0} defaultValue={minutes} className={`${inputClasses} w-40`} />
        </label>
        <button type="submit" className={buttonClasses("secondary")}>
          Show
        </button>
      </form>
      <div className={`${cardClasses} p-4`}>
        {rows.length === 0 ? (
          <p className={`text-sm ${mutedTextClasses}`}>Nothing stuck: no checkout has been pending, open or processing for {minutes} minutes or more, and none failed.</p>
        ) : (
          <AdminTable
            caption={`Checkouts unfinished for ${minutes} minutes or more, and failed checkouts, newest first`}
            columns={["Checkout", "User", "Provider", "Status", { label: "Amount", align: "right" }, "Age", "Last error", "Actions"]}
            testId="stuck-checkouts"
          >
                {rows.map((row) => (
                  <tr key={row.id} className={rowClasses} data-testid="stuck-row" data-checkout-id={row.id}>
                    <th scope="row" className={`${cellClasses} font-normal`}>
                      <CheckoutEventsLink checkoutId={row.id} />
                    </th>
                    <td className={`${cellClasses} break-all`}>
                      {row.userEmail ? (
                        <Link href={`/admin/checkouts?email=${encodeURIComponent(row.userEmail)}`} className={textLinkClasses}>
                          {row.userEmail}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className={cellClasses}>{row.provider}</td>
                    <td className={cellClasses} data-testid="checkout-status">
                      <AdminStatusBadge status={row.status} />
                    </td>
                    <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`}>{formatMoney(row.amountTotal, row.currency)}</td>
                    <td className={`${cellClasses} whitespace-nowrap`}>
                      <time dateTime={row.createdAt.toISOString()}>{age(row.ageMinutes)}</time>
                    </td>
                    <td className={`${cellClasses} max-w-xs text-xs break-words`}>{row.lastError ?? <span className={mutedTextClasses}>—</span>}</td>
                    <td className={cellClasses}>
                      <SyncCheckoutButton action={syncAction} checkoutId={row.id} />
                    </td>
                  </tr>
                ))}
          </AdminTable>
        )}
      </div>
    </section>
  );
}
