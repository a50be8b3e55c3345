import Link from "next/link";
import type { ReactNode } from "react";
import type { CurrentSubscription } from "@/lib/billing/overview";
import { cardClasses, mutedTextClasses, textLinkClasses } from "@/components/ui/styles";
import { formatDate } from "./format-date";

const STATUS_WORD: Record<string, string> = {
  trialing: "trialing",
  active: "active",
  past_due: "past due",
  paused: "paused",
  incomplete: "incomplete",
};

const INTERVAL_WORD = { month: "Billed monthly", year: "Billed yearly" } as const;

type CurrentPlanCardProps = {
  subscription: CurrentSubscription | null;
  /** The cancel control, shown while the plan would renew. */
  cancelControl?: ReactNode;
};

export function CurrentPlanCard({ subscription, cancelControl }: CurrentPlanCardProps) {
  return (
    <section
      aria-labelledby="current-plan-heading"
      data-testid="current-plan"
      className={`${cardClasses} flex flex-col gap-4 p-6`}
    >
      <h2 id="current-plan-heading" className="text-lg font-semibold tracking-tight">
        Current plan
      </h2>
      {subscription ? (
        <>
          <div className="flex flex-wrap items-center gap-3">
            <p className="text-2xl font-semibold tracking-tight">{subscription.planName}</p>
            <span className="inline-flex rounded-full bg-emerald-100 px-2.5 py-0.5 text-xs font-medium text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
              {STATUS_WORD[subscription.status] ?? subscription.status}
            </span>
          </div>
          <div className={`flex flex-col gap-1 text-sm ${mutedTextClasses}`}>
            {subscription.interval ? <p>{INTERVAL_WORD[subscription.interval]}</p> : null}
            {subscription.currentPeriodEnd ? (
              <p>
                {subscription.cancelAtPeriodEnd ? "Ends on " : "Renews on "}
                <time dateTime={subscription.currentPeriodEnd.toISOString()} className="font-medium text-zinc-900 dark:text-zinc-100">
                  {formatDate(subscription.currentPeriodEnd)}
                </time>
              </p>
            ) : null}
            {subscription.cancelAtPeriodEnd ? <p>Canceled — you keep access until then, and it won&apos;t renew.</p> : null}
          </div>
          {subscription.cancelAtPeriodEnd ? null : cancelControl}
        </>
      ) : (
        <p className={`text-sm ${mutedTextClasses}`}>
          No plan —{" "}
          <Link href="/pricing" className={textLinkClasses}>
            see pricing
          </Link>
        </p>
      )}
    </section>
  );
}
