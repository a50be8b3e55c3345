import "server-only";
import { ProviderConfigurationError, ReturnUrlVerificationError } from "@/lib/payments/errors";
import type { PaymentProvider } from "@/lib/payments/types";

// Some providers sign the parameters they append to our success URL (Creem). Checking that
// signature tells a genuine return from a hand-edited or replayed one. Either way the URL is
// only a hint: the success page's state still comes from the provider's API (syncCheckout), so
// a verified return grants nothing and a rejected one is reported, logged and used for nothing.

export type ReturnUrlCheck =
  /** The provider does not sign its redirects, or this URL carries no signature. */
  | { status: "unsigned" }
  /** Signed by the provider for THIS checkout (our id and, once known, its session id). */
  | { status: "verified"; providerSessionId: string | null }
  /** A signature that does not verify, or one made for another checkout. */
  | { status: "rejected"; reason: string };

/** The signature parameter the signing providers append (Creem: `signature`). */
const SIGNATURE_PARAM = "signature";

/**
 * Verifies a signed return against OUR checkout row. Pure apart from the provider's own
 * verification (which needs its secret): reads nothing, writes nothing.
 */
export function checkReturnUrl(
  provider: Pick<PaymentProvider, "name" | "verifyReturnUrl">,
  checkout: { id: string; providerSessionId: string | null },
  params: URLSearchParams,
): ReturnUrlCheck {
  if (!provider.verifyReturnUrl || !params.has(SIGNATURE_PARAM)) return { status: "unsigned" };
  let signed;
  try {
    signed = provider.verifyReturnUrl(params);
  } catch (error) {
    if (error instanceof ReturnUrlVerificationError) return { status: "rejected", reason: error.message };
    // E.g. an old checkout of a provider this deployment no longer has keys for: unverifiable.
    if (error instanceof ProviderConfigurationError) return { status: "rejected", reason: `Cannot be verified here: ${error.message}` };
    throw error;
  }
  // A genuine signature over another checkout's parameters (a replayed link) is no proof here.
  if (signed.ourCheckoutId !== checkout.id) {
    return { status: "rejected", reason: `The ${provider.name} signature was made for another checkout (${signed.ourCheckoutId ?? "none"}).` };
  }
  if (signed.providerSessionId && checkout.providerSessionId && signed.providerSessionId !== checkout.providerSessionId) {
    return { status: "rejected", reason: `The ${provider.name} signature names session ${signed.providerSessionId}, not this checkout's.` };
  }
  return { status: "verified", providerSessionId: signed.providerSessionId };
}
