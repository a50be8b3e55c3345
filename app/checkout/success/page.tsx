import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth";
import { CheckoutNotFoundError, getCheckoutResult } from "@/lib/billing";
import { CheckoutResultView } from "@/components/checkout/checkout-result-view";
import { firstParam, returnPath, type SearchParams } from "../search-params";

// Per request: the state comes from the provider, asked on every render.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Checkout", robots: { index: false, follow: false } };

type CheckoutSuccessPageProps = { searchParams: Promise<SearchParams> };

/** The provider's success_url: shows what the provider confirms, never what the URL claims. */
export default async function CheckoutSuccessPage({ searchParams }: CheckoutSuccessPageProps) {
  const params = await searchParams;
  const checkoutId = firstParam(params, "checkout_id");
  const sessionId = firstParam(params, "session_id");
  const user = await requireUser(returnPath("/checkout/success", { checkout_id: checkoutId, session_id: sessionId }));

  const result = await getCheckoutResult(user.id, { checkoutId, sessionId }).catch((error: unknown) => {
    // Unknown, or someone else's: the same answer as a page that does not exist.
    if (error instanceof CheckoutNotFoundError) notFound();
    throw error;
  });
  return <CheckoutResultView result={result} />;
}
