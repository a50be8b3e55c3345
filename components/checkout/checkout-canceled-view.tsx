import Link from "next/link";
import type { ReactNode } from "react";
import type { ResumableCheckout } from "@/lib/billing/resume";
import { checkoutStatusPath } from "@/lib/billing/return-params";
import { buttonClasses, cardClasses, mutedTextClasses } from "@/components/ui/styles";

type CheckoutCanceledViewProps = {
  checkoutId: string;
  checkout: ResumableCheckout;
};

/** The cancel page (`/checkout/cancel`): the buyer left the hosted page without paying. */
export function CheckoutCanceledView({ checkoutId, checkout }: CheckoutCanceledViewProps) {
  const statusHref = checkoutStatusPath(checkoutId);

  // Paid after all (another tab, or the provider confirmed meanwhile): never say "nothing was charged".
  if (checkout.status === "complete" || checkout.status === "processing") {
    const paid = checkout.status === "complete";
    return (
      <Frame>
        <h1 id="checkout-heading" className="text-2xl font-semibold tracking-tight sm:text-3xl">
          {paid ? "This checkout is already paid" : "Your payment is being processed"}
        </h1>
        <p className={mutedTextClasses}>
          {paid
            ? "There's nothing left to do here — your purchase went through."
            : "The payment provider is still confirming this payment; there's no need to pay again."}
        </p>
        <div className="flex flex-wrap gap-3 pt-2">
          <Link href={statusHref} className={buttonClasses("primary")}>
            View payment status
          </Link>
          <Link href="/account/billing" className={buttonClasses("secondary")}>
            Go to billing
          </Link>
        </div>
      </Frame>
    );
  }

  return (
    <Frame>
      <h1 id="checkout-heading" className="text-2xl font-semibold tracking-tight sm:text-3xl">
        Checkout canceled
      </h1>
      <p className={mutedTextClasses}>Nothing was charged.</p>
      {checkout.resumeUrl ? (
        <p className={`text-sm ${mutedTextClasses}`}>Changed your mind? Your checkout is still open — pick up where you left off.</p>
      ) : !checkout.providerReachable && checkout.status === "open" ? (
        <p className={`text-sm ${mutedTextClasses}`}>
          We can&apos;t reach the payment provider right now, so this checkout can&apos;t be resumed here. You can start a
          new one from pricing.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-3 pt-2">
        {checkout.resumeUrl ? (
          // The provider's hosted page: a full navigation to another origin.
          <a href={checkout.resumeUrl} data-testid="resume-checkout" className={buttonClasses("primary")}>
            Resume checkout
          </a>
        ) : null}
        <Link href="/pricing" className={buttonClasses(checkout.resumeUrl ? "secondary" : "primary")}>
          Back to pricing
        </Link>
      </div>
    </Frame>
  );
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
