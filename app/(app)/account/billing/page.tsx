import type { Metadata } from "next";
import { requireUser } from "@/lib/auth";
import { getBillingOverview, ORDER_HISTORY_LIMIT } from "@/lib/billing";
import { CancelSubscriptionForm } from "@/components/billing/cancel-subscription-form";
import { CreditsCard } from "@/components/billing/credits-card";
import { CurrentPlanCard } from "@/components/billing/current-plan-card";
import { formatDate } from "@/components/billing/format-date";
import { OrderHistory } from "@/components/billing/order-history";
import { OwnedCard } from "@/components/billing/owned-card";
import { cancelAtPeriodEnd } from "./actions";

export const metadata: Metadata = { title: "Billing" };

export default async function BillingPage() {
  const user = await requireUser("/account/billing");
  const { access, subscription, owned, orders } = await getBillingOverview(user.id);
  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-8 px-4 py-12 sm:px-6">
      <h1 className="text-3xl font-semibold tracking-tight">Billing</h1>
      <div className="grid gap-6 md:grid-cols-2">
        <CurrentPlanCard
          subscription={subscription}
          cancelControl={
            subscription ? (
              <CancelSubscriptionForm
                action={cancelAtPeriodEnd}
                subscriptionId={subscription.id}
                periodEndLabel={subscription.currentPeriodEnd ? formatDate(subscription.currentPeriodEnd) : null}
              />
            ) : null
          }
        />
        <CreditsCard credits={access.credits} />
        <div className="md:col-span-2">
          <OwnedCard owned={owned} />
        </div>
      </div>
      <OrderHistory orders={orders} limit={ORDER_HISTORY_LIMIT} />
    </div>
  );
}
