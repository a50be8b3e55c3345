import "server-only";
import { z } from "zod";
import { decideHeldCheckout } from "@/lib/billing/apply";
import { CheckoutNotFoundError } from "@/lib/billing/errors";
import { replayWebhookEvent } from "@/lib/billing/replay-event";
import { syncCheckout } from "@/lib/billing/sync-checkout";
import { db } from "@/lib/db";
import { PaymentsError, httpErrorFor } from "@/lib/payments/errors";
import type { OperatorFlash } from "./flash";

// What the console's buttons do, as flash messages. The caller (a server action) has already
// checked that an admin is signed in; these parse the form, act by OUR ids, and never throw.

const replayInput = z.object({
  webhookEventId: z.string().trim().min(1).max(100),
  force: z.enum(["true", "false"]).optional(),
});

const syncInput = z.object({ checkoutId: z.string().trim().min(1).max(100) });

const decideInput = z.object({
  checkoutId: z.string().trim().min(1).max(100),
  decision: z.enum(["grant", "refund"]),
});

const INVALID: OperatorFlash = { status: "error", message: "That request was not valid. Reload the page and try again." };

export async function replayEventFromForm(formData: FormData): Promise<OperatorFlash> {
  const parsed = replayInput.safeParse({ webhookEventId: formData.get("webhookEventId"), force: formData.get("force") ?? undefined });
  if (!parsed.success) return INVALID;
  try {
    const result = await replayWebhookEvent(parsed.data.webhookEventId, { force: parsed.data.force === "true" });
    const name = `${result.type} ${result.eventId}`;
    const attempts = `attempt ${result.attempts}`;
    switch (result.outcome) {
      case "applied":
        return { status: "success", message: `Applied ${name} (${attempts})${result.note ? `: ${result.note}` : "."}` };
      case "ignored":
        return { status: "info", message: `Recorded ${name} as ignored (${attempts})${result.note ? `: ${result.note}` : "."}` };
      case "already_applied":
        return { status: "info", message: `Already applied: ${name}. Nothing changed (use "Force re-apply" to apply it again).` };
      case "failed":
        return { status: "error", message: `Failed again (${attempts}): ${result.error}` };
    }
  } catch (error) {
    return { status: "error", message: messageFor(error, "Replay") };
  }
}

export async function syncCheckoutFromForm(formData: FormData): Promise<OperatorFlash> {
  const parsed = syncInput.safeParse({ checkoutId: formData.get("checkoutId") });
  if (!parsed.success) return INVALID;
  try {
    const result = await syncCheckout(parsed.data.checkoutId);
    const outcome = result.outcome ? ` (${result.outcome.status}${result.outcome.note ? `: ${result.outcome.note}` : ""})` : " (provider not asked: final or no session yet)";
    return { status: result.status === "complete" ? "success" : "info", message: `Checkout ${result.id} is ${result.status}${outcome}.` };
  } catch (error) {
    if (error instanceof CheckoutNotFoundError) return { status: "error", message: "No such checkout." };
    return { status: "error", message: messageFor(error, "Sync") };
  }
}

/**
 * "Grant access" or "Mark for refund" on a held checkout, decided by `decidedBy` (the signed-in
 * admin's email). A decision stands: deciding again, or on a checkout that is not held, is an
 * error flash and changes nothing.
 */
export async function decideHeldCheckoutFromForm(formData: FormData, decidedBy: string): Promise<OperatorFlash> {
  const parsed = decideInput.safeParse({ checkoutId: formData.get("checkoutId"), decision: formData.get("decision") });
  if (!parsed.success || !decidedBy.trim()) return INVALID;
  const { checkoutId, decision } = parsed.data;
  const before = await reviewStateOf(checkoutId);
  if (!before) return { status: "error", message: "No such checkout." };
  if (before.status !== "held" || before.reviewDecision) return { status: "error", message: notWaiting(before) };
  try {
    const result = await decideHeldCheckout(checkoutId, decision, decidedBy.trim());
    if (decision === "grant") {
      return { status: "success", message: `Granted checkout ${checkoutId}: it is ${result.status} and the buyer has what they paid for.` };
    }
    const payment = before.orders[0]?.providerPaymentId;
    return {
      status: "success",
      message: `Marked checkout ${checkoutId} for refund; nothing granted. Refund it in the ${before.provider} dashboard${payment ? ` (payment ${payment})` : ""}: its refund webhook lands on the order.`,
    };
  } catch (error) {
    // Someone else decided in the meantime (the row is locked while deciding), or it failed.
    const after = await reviewStateOf(checkoutId).catch(() => null);
    if (after && (after.status !== "held" || after.reviewDecision)) return { status: "error", message: notWaiting(after) };
    return { status: "error", message: messageFor(error, "Decision") };
  }
}

async function reviewStateOf(checkoutId: string) {
  return db.checkout.findUnique({
    where: { id: checkoutId },
    select: { id: true, status: true, provider: true, reviewDecision: true, reviewedBy: true, reviewedAt: true, orders: { select: { providerPaymentId: true } } },
  });
}

function notWaiting(checkout: NonNullable<Awaited<ReturnType<typeof reviewStateOf>>>): string {
  if (checkout.reviewDecision) {
    const by = checkout.reviewedBy ? ` by ${checkout.reviewedBy}` : "";
    const at = checkout.reviewedAt ? ` at ${checkout.reviewedAt.toISOString()}` : "";
    return `Checkout ${checkout.id} was already decided (${checkout.reviewDecision})${by}${at}. Nothing changed.`;
  }
  return `Checkout ${checkout.id} is ${checkout.status}, not held for review. Nothing changed.`;
}

function messageFor(error: unknown, action: string): string {
  // Operators may see the full reason (it names no secret); unexpected errors are logged too.
  if (error instanceof PaymentsError) return `${action} failed: ${error.message}`;
  console.error(`[admin] ${action} failed`, error);
  return `${action} failed: ${httpErrorFor(error).body.error}`;
}
