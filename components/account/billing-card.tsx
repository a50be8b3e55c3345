import Link from "next/link";
import { cardClasses } from "@/components/ui/styles";

/** Entry point to subscriptions, orders and credits (the billing page). */
export function BillingCard() {
  return (
    <Link
      href="/account/billing"
      className={`${cardClasses} group flex flex-col gap-2 p-6 transition-colors hover:border-indigo-400 dark:hover:border-indigo-500`}
    >
      <h2 className="text-lg font-semibold tracking-tight">Billing</h2>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Your subscription, purchases and credit balance.
      </p>
      <span className="mt-2 text-sm font-medium text-indigo-700 group-hover:underline dark:text-indigo-300">
        Manage billing <span aria-hidden="true">→</span>
      </span>
    </Link>
  );
}
