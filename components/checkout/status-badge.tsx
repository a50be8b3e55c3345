import type { CheckoutView } from "@/lib/billing/overview";

const TONE: Record<CheckoutView, string> = {
  processing: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  review: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  active: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  paid: "bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200",
  failed: "bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200",
  expired: "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
  canceled: "bg-zinc-100 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200",
};

/** The one status word of a checkout page; its text is exactly the view (tests read it). */
export function CheckoutStatusBadge({ view }: { view: CheckoutView }) {
  return (
    <p className="text-sm">
      <span className="sr-only">Status: </span>
      <span data-testid="checkout-status" className={`inline-flex rounded-full px-2.5 py-0.5 text-xs font-medium ${TONE[view]}`}>
        {view}
      </span>
    </p>
  );
}
