import "server-only";
import { db } from "@/lib/db";
import { ProviderRequestError, ProviderUnavailableError } from "@/lib/payments/errors";
import { CheckoutNotFoundError } from "./errors";
import { summarize, syncCheckout, type CheckoutSummary } from "./sync-checkout";

export type ResumableCheckout = {
  /** Our last known (or just synced) state. */
  status: CheckoutSummary["status"];
  /** The provider's hosted page — only while the checkout is open and not past its expiry. */
  resumeUrl: string | null;
  expiresAt: Date | null;
  /** false: the provider could not be asked just now, so nothing is offered for resuming. */
  providerReachable: boolean;
};

/**
 * For the cancel page (the provider's cancel_url): syncs the user's OWN checkout with the
 * provider and offers its hosted page again only while it is still open and unexpired.
 * A provider that cannot be reached (or no longer knows the session) → not resumable now.
 * Throws CheckoutNotFoundError (404) for an unknown or someone else's checkout.
 */
export async function getResumableCheckout(userId: string, checkoutId: string, now: Date = new Date()): Promise<ResumableCheckout> {
  const id = checkoutId.trim();
  if (!id || id.length > 200) throw new CheckoutNotFoundError();
  let summary: CheckoutSummary;
  let providerReachable = true;
  try {
    summary = await syncCheckout(id, { userId });
  } catch (error) {
    if (!(error instanceof ProviderUnavailableError || error instanceof ProviderRequestError)) throw error;
    providerReachable = false;
    // syncCheckout checked ownership before asking the provider.
    summary = summarize(await db.checkout.findUniqueOrThrow({ where: { id } }));
  }
  const resumable =
    providerReachable &&
    summary.status === "open" &&
    summary.url !== null &&
    // No expiry reported (possible with other providers): the provider's "open" is the answer.
    (summary.expiresAt === null || summary.expiresAt.getTime() > now.getTime());
  return {
    status: summary.status,
    resumeUrl: resumable ? summary.url : null,
    expiresAt: summary.expiresAt,
    providerReachable,
  };
}
