import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth";
import { CheckoutNotFoundError, getResumableCheckout } from "@/lib/billing";
import { CHECKOUT_ID_PARAM } from "@/lib/billing/return-params";
import { CheckoutCanceledView } from "@/components/checkout/checkout-canceled-view";
import { ourCheckoutIdParam, returnPath, type SearchParams } from "../search-params";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Checkout canceled", robots: { index: false, follow: false } };

type CheckoutCancelPageProps = { searchParams: Promise<SearchParams> };

/** The provider's cancel_url: the buyer left the hosted page; offer to resume while it is open. */
export default async function CheckoutCancelPage({ searchParams }: CheckoutCancelPageProps) {
  const params = await searchParams;
  const checkoutId = ourCheckoutIdParam(params);
  const user = await requireUser(returnPath("/checkout/cancel", { [CHECKOUT_ID_PARAM]: checkoutId }));
  if (!checkoutId) notFound();

  const checkout = await getResumableCheckout(user.id, checkoutId).catch((error: unknown) => {
    if (error instanceof CheckoutNotFoundError) notFound();
    throw error;
  });
  return <CheckoutCanceledView checkoutId={checkoutId} checkout={checkout} />;
}
