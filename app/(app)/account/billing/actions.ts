"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireUser } from "@/lib/auth";
import { cancelSubscription, SubscriptionNotFoundError, SubscriptionStateError } from "@/lib/billing";
import { PaymentsError, ProviderUnavailableError, httpErrorFor } from "@/lib/payments/errors";
import type { CancelSubscriptionState } from "@/components/billing/cancel-subscription-form";

const cancelInput = z.object({
  subscriptionId: z.string().trim().min(1).max(200),
});

/** Cancels the signed-in user's OWN subscription at period end (the lib checks ownership). */
export async function cancelAtPeriodEnd(_previous: CancelSubscriptionState, formData: FormData): Promise<CancelSubscriptionState> {
  const user = await requireUser("/account/billing");
  const parsed = cancelInput.safeParse({ subscriptionId: formData.get("subscriptionId") });
  if (!parsed.success) return { status: "error", message: "That request was not valid. Reload the page and try again." };

  try {
    await cancelSubscription({ userId: user.id, subscriptionId: parsed.data.subscriptionId });
  } catch (error) {
    return { status: "error", message: messageFor(error) };
  }
  revalidatePath("/account/billing");
  return { status: "done" };
}

function messageFor(error: unknown): string {
  if (error instanceof ProviderUnavailableError) {
    return "We couldn't reach the payment provider, so nothing was changed. Please try again in a moment.";
  }
  if (error instanceof SubscriptionNotFoundError) return "We couldn't find that subscription. Reload the page and try again.";
  if (error instanceof SubscriptionStateError) return error.message;
  if (error instanceof PaymentsError) return httpErrorFor(error).body.error;
  console.error("cancelAtPeriodEnd failed", error);
  return "Something went wrong and nothing was changed. Please try again.";
}
