import Link from "next/link";
import type { ReactNode } from "react";
import type { CheckoutGrant, CheckoutResult } from "@/lib/billing/overview";
import { formatDate } from "@/components/billing/format-date";
import { formatMoney } from "@/components/format-money";
import { buttonClasses, cardClasses, mutedTextClasses } from "@/components/ui/styles";
import { AutoRefresh } from "./auto-refresh";
import { Spinner } from "./spinner";
import { CheckoutStatusBadge } from "./status-badge";

const SUBSCRIPTION_STATUS_LABEL: Record<string, string> = {
  trialing: "trialing",
  active: "active",
  past_due: "past due",
  unpaid: "unpaid",
  paused: "paused",
  incomplete: "incomplete",
  canceled: "canceled",
  expired: "expired",
};

/** The success page (`/checkout/success`): one view per verified state. */
export function CheckoutResultView({ result }: { result: CheckoutResult }) {
  switch (result.view) {
    case "processing":
      return <ProcessingView providerReachable={result.providerReachable} />;
    case "review":
      return (
        <EndedView view="review" title="Payment received — under review">
          The amount the payment provider reported doesn&apos;t match this order&apos;s price, so nothing has been
          unlocked yet. We&apos;ll review it and either unlock your purchase or refund you. No need to pay again.
        </EndedView>
      );
    case "active":
      return <ActiveView result={result} />;
    case "paid":
      return <PaidView result={result} />;
    case "failed":
      return (
        <EndedView view="failed" title="Payment failed">
          Your payment didn&apos;t go through, so nothing was charged. You can try again from pricing with another
          card.
        </EndedView>
      );
    case "expired":
      return (
        <EndedView view="expired" title="This checkout expired">
          The checkout wasn&apos;t completed in time, so nothing was charged. Start a new one from pricing.
        </EndedView>
      );
    case "canceled":
      return (
        <EndedView view="canceled" title="This checkout was canceled">
          Nothing was charged. You can start a new checkout from pricing whenever you like.
        </EndedView>
      );
  }
}

function Frame({ children }: { children: ReactNode }) {
  return (
    <div className="mx-auto flex max-w-xl flex-col gap-6 px-4 py-16 sm:px-6">
      <section aria-labelledby="checkout-heading" className={`${cardClasses} flex flex-col gap-5 p-6 sm:p-8`}>
        {children}
      </section>
    </div>
  );
}

function Links({ primary }: { primary: "billing" | "pricing" }) {
  const billing = (
    <Link key="billing" href="/account/billing" className={buttonClasses(primary === "billing" ? "primary" : "secondary")}>
      Go to billing
    </Link>
  );
  const pricing = (
    <Link key="pricing" href="/pricing" className={buttonClasses(primary === "pricing" ? "primary" : "secondary")}>
      Back to pricing
    </Link>
  );
  return <div className="flex flex-wrap gap-3 pt-2">{primary === "billing" ? [billing, pricing] : [pricing, billing]}</div>;
}

function Heading({ children }: { children: ReactNode }) {
  return (
    <h1 id="checkout-heading" className="text-2xl font-semibold tracking-tight sm:text-3xl">
      {children}
    </h1>
  );
}

function ProcessingView({ providerReachable }: { providerReachable: boolean }) {
  return (
    <Frame>
      <div role="status" aria-live="polite" className="flex flex-col gap-4">
        <CheckoutStatusBadge view="processing" />
        <div className="flex items-center gap-3">
          <Spinner />
          <Heading>Processing your payment…</Heading>
        </div>
        <p className={mutedTextClasses}>
          We&apos;re confirming your payment with the payment provider. This page updates by itself — there&apos;s no
          need to pay again.
        </p>
        {providerReachable ? null : (
          <p className={`text-sm ${mutedTextClasses}`}>
            We can&apos;t reach the payment provider right now; we&apos;ll keep checking.
          </p>
        )}
        <AutoRefresh />
      </div>
      <Links primary="billing" />
    </Frame>
  );
}

function ActiveView({ result }: { result: CheckoutResult }) {
  const plans = result.granted.filter((grant): grant is Extract<CheckoutGrant, { kind: "plan" }> => grant.kind === "plan");
  const fallbackName = result.items[0]?.name ?? "Your plan";
  return (
    <Frame>
      <CheckoutStatusBadge view="active" />
      <Heading>Your subscription is active</Heading>
      {plans.length === 0 ? (
        <p className={mutedTextClasses}>{fallbackName} is set up. Details will appear on your billing page shortly.</p>
      ) : (
        plans.map((plan) => (
          <dl key={plan.key} className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm">
            <dt className={mutedTextClasses}>Plan</dt>
            <dd className="font-medium">{plan.name}</dd>
            <dt className={mutedTextClasses}>Status</dt>
            <dd className="font-medium">{SUBSCRIPTION_STATUS_LABEL[plan.status] ?? plan.status}</dd>
            {plan.periodEnd ? (
              <>
                <dt className={mutedTextClasses}>
                  {plan.cancelAtPeriodEnd ? "Ends on" : "Renews on"}
                </dt>
                <dd className="font-medium">
                  <time dateTime={plan.periodEnd.toISOString()}>{formatDate(plan.periodEnd)}</time>
                </dd>
              </>
            ) : null}
          </dl>
        ))
      )}
      <Links primary="billing" />
    </Frame>
  );
}

function grantLine(grant: CheckoutGrant): string {
  switch (grant.kind) {
    case "credits":
      return `+${grant.quantity.toLocaleString("en-US")} credits`;
    case "lasting":
      return `${grant.name} unlocked`;
    case "plan":
      return `${grant.name} plan`;
  }
}

function PaidView({ result }: { result: CheckoutResult }) {
  const { summary } = result;
  return (
    <Frame>
      <CheckoutStatusBadge view="paid" />
      <Heading>{summary.mode === "setup" ? "Payment method saved" : "Payment received"}</Heading>
      {summary.mode === "setup" ? null : (
        <p className={mutedTextClasses}>
          Thank you! We received {formatMoney(summary.amountTotal, summary.currency)}
          {summary.completedAt ? (
            <>
              {" "}
              on <time dateTime={summary.completedAt.toISOString()}>{formatDate(summary.completedAt)}</time>
            </>
          ) : null}
          .
        </p>
      )}
      {result.granted.length > 0 ? (
        <div className="flex flex-col gap-2">
          <h2 className="text-sm font-semibold">What you got</h2>
          <ul className="flex flex-col gap-1.5">
            {result.granted.map((grant) => (
              <li
                key={grant.kind === "credits" ? "credits" : `${grant.kind}:${grant.key}`}
                className="rounded-lg bg-emerald-50 px-3 py-2 text-sm font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-100"
              >
                {grantLine(grant)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {result.items.length > 0 ? (
        <p className={`text-sm ${mutedTextClasses}`}>
          {result.items.map((item) => (item.quantity > 1 ? `${item.quantity} × ${item.name}` : item.name)).join(", ")}
        </p>
      ) : null}
      <Links primary="billing" />
    </Frame>
  );
}

function EndedView({ view, title, children }: { view: "review" | "failed" | "expired" | "canceled"; title: string; children: ReactNode }) {
  return (
    <Frame>
      <CheckoutStatusBadge view={view} />
      <Heading>{title}</Heading>
      <p className={mutedTextClasses}>{children}</p>
      <Links primary="pricing" />
    </Frame>
  );
}
