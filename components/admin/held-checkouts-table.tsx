import Link from "next/link";
import type { HeldCheckoutRow } from "@/lib/admin/held-checkouts";
import { cardClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";
import { AdminTable, CheckoutEventsLink, cellClasses, monoClasses, rowClasses } from "./admin-table";
import { formatAmount } from "./format-amount";
import { formatTimestamp } from "./format-timestamp";
import { OperatorActionForm, type OperatorAction } from "./operator-action-form";
import { AdminStatusBadge } from "./status-badge";

const DECISION_BUTTONS = [
  {
    label: "Grant access",
    pendingLabel: "Granting…",
    variant: "primary" as const,
    name: "decision",
    value: "grant",
    confirm: "Grant access for what the provider reported as paid? This cannot be undone.",
  },
  {
    label: "Mark for refund",
    pendingLabel: "Marking…",
    name: "decision",
    value: "refund",
    confirm: "Mark for refund? Nothing will be granted; refund the payment in the provider's dashboard afterwards. This cannot be undone.",
  },
];

const mismatchClasses = "font-semibold text-amber-800 dark:text-amber-300";

/** Paid checkouts whose reported amount or currency is not what we priced: an admin decides. */
export function HeldCheckoutsTable({ rows, decideAction }: { rows: HeldCheckoutRow[]; decideAction: OperatorAction }) {
  const waiting = rows.filter((row) => row.status === "held" && !row.reviewDecision).length;
  return (
    <section aria-labelledby="held-heading" className="flex flex-col gap-4">
      <h1 id="held-heading" className="text-2xl font-semibold tracking-tight">
        Held for review
      </h1>
      <p className={`max-w-3xl text-sm ${mutedTextClasses}`}>
        Paid, but the provider reported an amount or currency that is not what we priced, so nothing was granted. <strong>Grant access</strong> fulfils
        the checkout as if it had matched. <strong>Mark for refund</strong> grants nothing; then refund the payment in the provider&apos;s dashboard,
        and its refund webhook lands on the order. A decision cannot be changed.
      </p>
      <div className={`${cardClasses} p-4`}>
        {rows.length === 0 ? (
          <p className={`text-sm ${mutedTextClasses}`}>No checkout is held for review, and none was decided recently.</p>
        ) : (
          <>
            <p className="mb-3 text-sm" role="status" data-testid="held-waiting-count">
              {waiting === 0 ? "Nothing waits for a decision." : `${waiting} ${waiting === 1 ? "checkout waits" : "checkouts wait"} for a decision.`}
            </p>
            <AdminTable
              caption="Held checkouts: those waiting for a decision first, longest waiting first, then recent decisions, newest first"
              columns={["Checkout", "User", "Provider", { label: "Our price", align: "right" }, { label: "Provider reported", align: "right" }, "Why held", "Paid", "Order", "Decision"]}
              testId="held-checkouts"
            >
              {rows.map((row) => (
                <HeldRow key={row.id} row={row} decideAction={decideAction} />
              ))}
            </AdminTable>
          </>
        )}
      </div>
    </section>
  );
}

function HeldRow({ row, decideAction }: { row: HeldCheckoutRow; decideAction: OperatorAction }) {
  const undecided = row.status === "held" && !row.reviewDecision;
  const totalDiffers = row.reported.total !== row.ours.total;
  const currencyDiffers = (row.reported.currency ?? "").toLowerCase() !== row.ours.currency.toLowerCase();
  return (
    <tr className={rowClasses} data-testid="held-row" data-checkout-id={row.id} data-decision={row.reviewDecision ?? "none"}>
      <th scope="row" className={`${cellClasses} font-normal`}>
        <CheckoutEventsLink checkoutId={row.id} />
        <div className={`mt-1 text-xs ${mutedTextClasses}`}>{row.items.map((item) => `${item.priceId} × ${item.quantity}`).join(", ") || "no items"}</div>
        <div className="mt-1">
          <AdminStatusBadge status={row.status} />
        </div>
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
      <td className={cellClasses}>
        {row.provider}
        {row.providerSessionId ? <div className={`mt-1 ${monoClasses} ${mutedTextClasses}`}>{row.providerSessionId}</div> : null}
      </td>
      <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`} data-testid="held-ours">
        {formatAmount(row.ours.total, row.ours.currency)}
        <div className={`text-xs ${mutedTextClasses}`}>tax {formatAmount(row.ours.tax, row.ours.currency)}</div>
      </td>
      <td className={`${cellClasses} text-right whitespace-nowrap tabular-nums`} data-testid="held-reported">
        <span className={totalDiffers || currencyDiffers ? mismatchClasses : undefined}>{formatAmount(row.reported.total, row.reported.currency ?? row.ours.currency)}</span>
        <div className={`text-xs ${mutedTextClasses}`}>tax {formatAmount(row.reported.tax, row.reported.currency ?? row.ours.currency)}</div>
        <div className={`text-xs ${currencyDiffers ? mismatchClasses : mutedTextClasses}`}>{row.reported.currency ? row.reported.currency.toUpperCase() : "no currency reported"}</div>
      </td>
      <td className={`${cellClasses} max-w-xs text-xs break-words`}>{row.heldReason ?? <span className={mutedTextClasses}>—</span>}</td>
      <td className={`${cellClasses} text-xs whitespace-nowrap`}>
        {row.completedAt ? formatTimestamp(row.completedAt) : "—"}
        <div className={mutedTextClasses}>created {formatTimestamp(row.createdAt)}</div>
      </td>
      <td className={`${cellClasses} text-xs`}>
        {row.order ? (
          <>
            <div className={monoClasses}>{row.order.providerPaymentId ?? "no payment id"}</div>
            <div className="mt-1 flex flex-wrap items-center gap-1">
              <AdminStatusBadge status={row.order.status} />
              {row.order.amountRefunded > 0 ? <span className="tabular-nums">refunded {formatAmount(row.order.amountRefunded, row.order.currency)}</span> : null}
            </div>
            <div className={`mt-1 ${mutedTextClasses}`}>
              paid {formatAmount(row.order.amountTotal, row.order.currency)} · order <span className={monoClasses}>{row.order.id}</span>
            </div>
          </>
        ) : (
          <span className={mutedTextClasses}>no order</span>
        )}
      </td>
      <td className={`${cellClasses} min-w-56`} data-testid="held-decision">
        {undecided ? (
          <OperatorActionForm action={decideAction} fields={{ checkoutId: row.id }} buttons={DECISION_BUTTONS} subject={`checkout ${row.id}`} />
        ) : (
          <Decided row={row} />
        )}
      </td>
    </tr>
  );
}

function Decided({ row }: { row: HeldCheckoutRow }) {
  const who = `${row.reviewedBy ?? "unknown"}${row.reviewedAt ? `, ${formatTimestamp(row.reviewedAt)}` : ""}`;
  if (row.reviewDecision === "grant") {
    return (
      <div className="flex flex-col gap-1 text-xs">
        <AdminStatusBadge status="granted" />
        <span className={mutedTextClasses}>{who}</span>
      </div>
    );
  }
  const refund = !row.order
    ? "no order to refund"
    : row.order.status === "refunded"
      ? "refunded at the provider"
      : row.order.amountRefunded > 0
        ? `partly refunded (${formatAmount(row.order.amountRefunded, row.order.currency)} of ${formatAmount(row.order.amountTotal, row.order.currency)})`
        : "waiting for the refund: refund it in the provider's dashboard";
  return (
    <div className="flex flex-col gap-1 text-xs">
      <AdminStatusBadge status="marked for refund" />
      <span className={mutedTextClasses}>{who}</span>
      <span data-testid="held-refund-state">{refund}</span>
    </div>
  );
}
