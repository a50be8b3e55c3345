import Link from "next/link";
import { buttonClasses } from "@/components/ui/styles";
import { CheckoutActions } from "./checkout-actions";

export type ProductKind = "plan" | "one_time" | "credit_pack";

type PricingCtaProps = {
  priceId: string;
  kind: ProductKind;
  signedIn: boolean;
  minQuantity: number;
  maxQuantity: number;
  /** The configured provider's page can open in an overlay. */
  overlay: boolean;
};

const ACTION_LABEL: Record<ProductKind, string> = {
  plan: "Subscribe",
  one_time: "Buy now",
  credit_pack: "Buy credits",
};

/** Signed out: a link to sign in that returns here. Signed in: the checkout buttons. */
export function PricingCta({ priceId, kind, signedIn, minQuantity, maxQuantity, overlay }: PricingCtaProps) {
  const label = ACTION_LABEL[kind];
  if (!signedIn) {
    return (
      <Link href="/signin?callbackUrl=/pricing" className={buttonClasses("secondary", "w-full")}>
        Sign in to {label.toLowerCase()}
      </Link>
    );
  }
  return (
    <CheckoutActions
      priceId={priceId}
      label={label}
      minQuantity={minQuantity}
      maxQuantity={maxQuantity}
      quantityLabel={kind === "credit_pack" ? "Packs" : "Quantity"}
      overlay={overlay}
    />
  );
}
