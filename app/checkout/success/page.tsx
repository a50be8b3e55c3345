import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/auth";
import { CheckoutNotFoundError, getCheckoutResult } from "@/lib/billing";
import { CHECKOUT_ID_PARAM } from "@/lib/billing/return-params";
import { CheckoutResultView } from "@/components/checkout/checkout-result-view";
import { ReturnUrlNotice } from "@/components/checkout/return-url-notice";
import { firstParam, ourCheckoutIdParam, returnPath, toURLSearchParams, type SearchParams } from "../search-params";

// Per request: the state comes from the provider, asked on every render.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Checkout", robots: { index: false, follow: false } };

type CheckoutSuccessPageProps = { searchParams: Promise<SearchParams> };

/** The provider's success_url: shows what the provider confirms, never what the URL claims. */
export default async function CheckoutSuccessPage({ searchParams }: CheckoutSuccessPageProps) {
  const params = await searchParams;
  const checkoutId = ourCheckoutIdParam(params);
  const sessionId = firstParam(params, "session_id");
  const user = await requireUser(returnPath("/checkout/success", { [CHECKOUT_ID_PARAM]: checkoutId, session_id: sessionId }));

  // The whole query goes along: where the provider signs its redirect (Creem), the signature is checked.
  const lookup = { checkoutId, sessionId, returnParams: toURLSearchParams(params) };
  const result = await getCheckoutResult(user.id, lookup).catch((error: unknown) => {
    // Unknown, or someone else's: the same answer as a page that does not exist.
    if (error instanceof CheckoutNotFoundError) notFound();
    throw error;
  });
  return (
    <>
      <ReturnUrlNotice check={result.returnUrl} provider={result.summary.provider} />
      <CheckoutResultView result={result} />
    </>
  );
}
