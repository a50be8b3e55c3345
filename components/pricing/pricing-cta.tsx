import Link from "next/link";
import { buttonClasses } from "@/components/ui/styles";

export type ProductKind = "plan" | "one_time" | "credit_pack";

type PricingCtaProps = {
  priceId: string;
  kind: ProductKind;
  signedIn: boolean;
};

const ACTION_LABEL: Record<ProductKind, string> = {
  plan: "Subscribe",
  one_time: "Buy now",
  credit_pack: "Buy credits",
};

/**
 * The call to action on a pricing card. Signed out: a link to sign in that returns to the
 * pricing page. Signed in: the checkout slot — a disabled placeholder until the checkout
 * button is wired in here (`<SubscribeButton priceId={priceId} …>`).
 */
export function PricingCta({ priceId, kind, signedIn }: PricingCtaProps) {
  const label = ACTION_LABEL[kind];
  if (!signedIn) {
    return (
      <Link href="/signin?callbackUrl=/pricing" className={buttonClasses("secondary", "w-full")}>
        Sign in to {label.toLowerCase()}
      </Link>
    );
  }
  // TODO(checkout): replace with <SubscribeButton priceId={priceId}>{label}</SubscribeButton>.
  return (
    <button
      type="button"
      disabled
      data-cta-placeholder={priceId}
      title="Checkout is not connected yet"
      className={buttonClasses("primary", "w-full")}
    >
      {label}
    </button>
  );
}
