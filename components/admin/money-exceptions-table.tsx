import Link from "next/link";
import type { MoneyExceptionReason, MoneyExceptionRow } from "@/lib/admin/held-checkouts";
import { cardClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";
import { AdminTable, CheckoutEventsLink, cellClasses, monoClasses, rowClasses } from "./admin-table";
import { formatAmount } from "./format-amount";
import { formatTimestamp } from "./format-timestamp";
import { AdminStatusBadge } from "./status-badge";

const REASONS: Record<MoneyExceptionReason, string> = {
  credits_shortfall: "credits shortfall",
  dispute_open: "dispute open",
  dispute_lost: "dispute lost",
};

/** Orders whose money went wrong after payment: credits a refund could not take back, disputes open or lost. Display only. */
export function MoneyExceptionsTable({ rows }: { rows: MoneyExceptionRow[] }) {
  return (
    <section aria-labelledby="exceptions-heading" className="flex flex-col gap-4">
      <h2 id="exceptions-heading" className="text-xl font-semibold tracking-tight">
        Money exceptions
      </h2>
      <p className={`max-w-3xl text-sm ${mutedTextClasses}`}>
        A <strong>credits shortfall</strong> is credits a refund should have taken back but the buyer had already spent. An <strong>open</strong>{" "}
        dispute suspends the order&apos;s grants until it is decided; a <strong>lost</strong> one revokes them. Act in the provider&apos;s dashboard.
      </p>
      <div className={`${cardClasses} p-4`}>
        {rows.length === 0 ? (
          <p className={`text-sm ${mutedTextClasses}`}>No order has a credits shortfall or an open or lost dispute.</p>
        ) : (
          <AdminTable
            caption="Orders with a credits shortfall or an open or lost dispute, most recently changed first"
            columns={["Order", "User", "Provider payment", "Why", "Status", { label: "Paid", align: "right" }, { label: "Refunded", align: "right" }, { label: "Shortfall", align: "right" }, "Refunds", "Disputes"]}
            testId="money-exceptions"
          >
            {rows.map((row) => (
              <tr key={row.orderId} className={rowClasses} data-testid="exception-row" data-order-id={row.orderId}>
                <th scope="row" className={`${cellClasses} font-normal`}>
                  <span className={monoClasses}>{row.orderId}</span>
                  {row.checkoutId ? (
                    <div className="mt-1 text-xs">
                      checkout <CheckoutEventsLink checkoutId={row.checkoutId} />
                    </div>
                  ) : null}
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
                <td className={`${cellClasses} text-xs`}>
                  {row.provider}
                  <div className={monoClasses}>{row.providerPaymentId ?? row.providerInvoiceId ?? "—"}</div>
                </td>
                <td className={`${cellClasses} text-xs`}>
                  <div className="flex flex-col items-start gap-1">
                    {row.reasons.map((reason) => (
                      <AdminStatusBadge key={reason} status={REASONS[reason]} />
                    ))}
                  </div>
                </td>
                <td className={cellClasses}>
                  <AdminStatusBadge status={row.status} />
                </td>
                <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`}>{formatAmount(row.amountTotal, row.currency)}</td>
                <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`}>{formatAmount(row.amountRefunded, row.currency)}</td>
                <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`} data-testid="exception-shortfall">
                  {row.creditsShortfall > 0 ? `${row.creditsShortfall} credits` : "—"}
                </td>
                <td className={`${cellClasses} text-xs`}>
                  {row.refunds.length === 0 ? (
                    <span className={mutedTextClasses}>none</span>
                  ) : (
                    <ul className="flex flex-col gap-1">
                      {row.refunds.map((refund) => (
                        <li key={refund.refundId}>
                          <span className={monoClasses}>{refund.refundId}</span> {formatAmount(refund.amount, refund.currency ?? row.currency)}
                          <div className={mutedTextClasses}>{formatTimestamp(refund.createdAt)}</div>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className={`${cellClasses} text-xs`}>
                  {row.disputes.length === 0 ? (
                    <span className={mutedTextClasses}>none</span>
                  ) : (
                    <ul className="flex flex-col gap-1">
                      {row.disputes.map((dispute) => (
                        <li key={dispute.disputeId}>
                          <span className={monoClasses}>{dispute.disputeId}</span> <AdminStatusBadge status={dispute.status} />
                          {dispute.amount != null ? ` ${formatAmount(dispute.amount, row.currency)}` : ""}
                          <div className={mutedTextClasses}>{formatTimestamp(dispute.updatedAt)}</div>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </AdminTable>
        )}
      </div>
    </section>
  );
}
