import Link from "next/link";
import type { ReactNode } from "react";
import type { CustomerLookup } from "@/lib/admin/customer-lookup";
import { formatMoney } from "@/components/format-money";
import { buttonClasses, cardClasses, inputClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";
import { formatTimestamp } from "./format-timestamp";
import { AdminTable, CheckoutEventsLink, cellClasses, monoClasses, rowClasses } from "./admin-table";
import type { OperatorAction } from "./operator-action-form";
import { AdminStatusBadge } from "./status-badge";
import { SyncCheckoutButton } from "./sync-checkout-button";

type CustomerLookupViewProps = { email: string; customer: CustomerLookup | null; syncAction: OperatorAction };

/** "I paid and got nothing": a user's checkouts, orders, subscriptions and entitlements. */
export function CustomerLookupView({ email, customer, syncAction }: CustomerLookupViewProps) {
  return (
    <section aria-labelledby="lookup-heading" className="flex flex-col gap-4">
      <h2 id="lookup-heading" className="text-xl font-semibold tracking-tight">
        Look up a customer
      </h2>
      <form method="get" action="/admin/checkouts" role="search" aria-label="Customer lookup" className="flex flex-wrap items-end gap-2">
        <label className="flex min-w-72 flex-col gap-1 text-xs font-medium text-zinc-700 dark:text-zinc-300">
          Email
          <input type="email" name="email" required defaultValue={email} className={inputClasses} />
        </label>
        <button type="submit" className={buttonClasses("primary")}>
          Look up
        </button>
      </form>
      {!email ? null : !customer ? (
        <p className={`text-sm ${mutedTextClasses}`} role="status">
          No user with the email {email}.
        </p>
      ) : (
        <div className="flex flex-col gap-4" data-testid="customer-lookup">
          <p className="text-sm">
            <span className="font-medium">{customer.user.email}</span> <span className={mutedTextClasses}>· user {customer.user.id} · joined {formatTimestamp(customer.user.createdAt)}</span>
          </p>
          <Block title="Checkouts" empty={customer.checkouts.length === 0} headers={["Checkout", "Provider", "Status", "Amount", "Created", "Last error / review", "Actions"]}>
            {customer.checkouts.map((checkout) => (
              <tr key={checkout.id} className={rowClasses} data-testid="customer-checkout" data-checkout-id={checkout.id}>
                <th scope="row" className={`${cellClasses} font-normal`}>
                  <CheckoutEventsLink checkoutId={checkout.id} />
                </th>
                <td className={cellClasses}>{checkout.provider}</td>
                <td className={cellClasses}>
                  <AdminStatusBadge status={checkout.status} />
                </td>
                <td className={`${cellClasses} tabular-nums`}>{formatMoney(checkout.amountTotal, checkout.currency)}</td>
                <td className={`${cellClasses} whitespace-nowrap`}>{formatTimestamp(checkout.createdAt)}</td>
                <td className={`${cellClasses} text-xs break-words`}>
                  {checkout.status === "held" || checkout.reviewDecision ? (
                    <span data-testid="customer-checkout-review">
                      {checkout.heldReason ? `Held: ${checkout.heldReason}` : "Held for review"}
                      {checkout.reviewDecision ? ` · decided ${checkout.reviewDecision}${checkout.reviewedBy ? ` by ${checkout.reviewedBy}` : ""}` : ""}
                    </span>
                  ) : (
                    (checkout.lastError ?? "—")
                  )}
                </td>
                <td className={cellClasses}>
                  {checkout.status === "held" ? (
                    <Link href="/admin/held" className={`text-xs ${textLinkClasses}`}>
                      {checkout.reviewDecision ? "See the decision" : "Review"}
                      <span className="sr-only"> checkout {checkout.id}</span>
                    </Link>
                  ) : (
                    <SyncCheckoutButton action={syncAction} checkoutId={checkout.id} />
                  )}
                </td>
              </tr>
            ))}
          </Block>
          <Block title="Orders" empty={customer.orders.length === 0} headers={["Order", "Checkout", "Status", "Amount", "Refunded", "Created"]}>
            {customer.orders.map((order) => (
              <tr key={order.id} className={rowClasses}>
                <th scope="row" className={`${cellClasses} font-normal ${monoClasses}`}>{order.id}</th>
                <td className={`${cellClasses} ${monoClasses}`}>{order.checkoutId}</td>
                <td className={cellClasses}>
                  <AdminStatusBadge status={order.status} />
                </td>
                <td className={`${cellClasses} tabular-nums`}>{formatMoney(order.amountTotal, order.currency)}</td>
                <td className={`${cellClasses} tabular-nums`}>
                  {formatMoney(order.amountRefunded, order.currency)}
                  {order.creditsShortfall > 0 ? <div className="text-xs">shortfall {order.creditsShortfall} credits</div> : null}
                </td>
                <td className={`${cellClasses} whitespace-nowrap`}>{formatTimestamp(order.createdAt)}</td>
              </tr>
            ))}
          </Block>
          <Block title="Subscriptions" empty={customer.subscriptions.length === 0} headers={["Provider subscription", "Price", "Status", "Period end", "Cancels at period end"]}>
            {customer.subscriptions.map((subscription) => (
              <tr key={subscription.id} className={rowClasses}>
                <th scope="row" className={`${cellClasses} font-normal ${monoClasses}`}>{subscription.providerSubscriptionId}</th>
                <td className={cellClasses}>{subscription.priceId ?? "—"}</td>
                <td className={cellClasses}>
                  <AdminStatusBadge status={subscription.status} />
                </td>
                <td className={`${cellClasses} whitespace-nowrap`}>{subscription.currentPeriodEnd ? formatTimestamp(subscription.currentPeriodEnd) : "—"}</td>
                <td className={cellClasses}>{subscription.cancelAtPeriodEnd ? "yes" : "no"}</td>
              </tr>
            ))}
          </Block>
          <Block title="Entitlements" empty={customer.entitlements.length === 0} headers={["Key", "Kind", "Quantity", "Source", "Period end", "Revoked"]}>
            {customer.entitlements.map((grant) => (
              <tr key={grant.id} className={rowClasses} data-testid="customer-entitlement">
                <th scope="row" className={`${cellClasses} font-medium`}>{grant.key}</th>
                <td className={cellClasses}>{grant.kind}</td>
                <td className={`${cellClasses} tabular-nums`}>{grant.quantity}</td>
                <td className={`${cellClasses} ${monoClasses}`}>{grant.source}</td>
                <td className={`${cellClasses} whitespace-nowrap`}>{grant.periodEnd ? formatTimestamp(grant.periodEnd) : "—"}</td>
                <td className={cellClasses}>{grant.revokedAt ? `${formatTimestamp(grant.revokedAt)}${grant.revokedReason ? ` (${grant.revokedReason})` : ""}` : "no"}</td>
              </tr>
            ))}
          </Block>
        </div>
      )}
    </section>
  );
}

function Block({ title, empty, headers, children }: { title: string; empty: boolean; headers: string[]; children: ReactNode }) {
  return (
    <div className={`${cardClasses} flex flex-col gap-2 p-4`}>
      <h3 className="text-base font-semibold">{title}</h3>
      {empty ? (
        <p className={`text-sm ${mutedTextClasses}`}>None.</p>
      ) : (
        <AdminTable caption={`${title}, newest first`} columns={headers}>
          {children}
        </AdminTable>
      )}
    </div>
  );
}
