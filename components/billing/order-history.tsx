import type { OrderHistoryRow } from "@/lib/billing/overview";
import { formatMoney } from "@/components/format-money";
import { cardClasses, mutedTextClasses } from "@/components/ui/styles";
import { formatShortDate } from "./format-date";

const STATUS_LABEL: Record<OrderHistoryRow["status"], string> = {
  paid: "Paid",
  refunded: "Refunded",
  partially_refunded: "Partially refunded",
  disputed: "Disputed",
};

export function OrderHistory({ orders, limit }: { orders: OrderHistoryRow[]; limit: number }) {
  return (
    <section aria-labelledby="orders-heading" className={`${cardClasses} flex flex-col gap-4 p-6`}>
      <h2 id="orders-heading" className="text-lg font-semibold tracking-tight">
        Order history
      </h2>
      {orders.length === 0 ? (
        <p className={`text-sm ${mutedTextClasses}`}>No orders yet.</p>
      ) : (
        <div className="-mx-2 overflow-x-auto">
          <table className="w-full min-w-lg border-collapse text-left text-sm">
            <caption className="sr-only">
              Your orders, newest first{orders.length >= limit ? ` (the latest ${limit})` : ""}
            </caption>
            <thead>
              <tr className={`border-b border-zinc-200 dark:border-zinc-800 ${mutedTextClasses}`}>
                <th scope="col" className="px-2 py-2 font-medium">
                  Date
                </th>
                <th scope="col" className="px-2 py-2 font-medium">
                  Description
                </th>
                <th scope="col" className="px-2 py-2 text-right font-medium">
                  Amount
                </th>
                <th scope="col" className="px-2 py-2 font-medium">
                  Status
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.map((order) => (
                <tr key={order.id} className="border-b border-zinc-100 last:border-0 dark:border-zinc-800/60">
                  <td className="px-2 py-2.5 whitespace-nowrap">
                    <time dateTime={order.createdAt.toISOString()}>{formatShortDate(order.createdAt)}</time>
                  </td>
                  <th scope="row" className="px-2 py-2.5 font-medium">
                    {order.description}
                  </th>
                  <td className="px-2 py-2.5 text-right whitespace-nowrap tabular-nums">
                    {formatMoney(order.amountTotal, order.currency)}
                  </td>
                  <td className="px-2 py-2.5 whitespace-nowrap">{STATUS_LABEL[order.status]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
