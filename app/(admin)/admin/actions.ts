"use server";

import { requireAdmin } from "@/lib/admin/access";
import type { OperatorFlash } from "@/lib/admin/flash";
import { decideHeldCheckoutFromForm, replayEventFromForm, syncCheckoutFromForm } from "@/lib/admin/operations";

// Every action checks the admin again: a server action is a public POST endpoint, whatever
// page rendered its button. No revalidation: a replayed or synced row may leave the filtered
// list, and its flash message must stay readable; the message carries the new state.

export async function replayEvent(_previous: OperatorFlash, formData: FormData): Promise<OperatorFlash> {
  await requireAdmin();
  return replayEventFromForm(formData);
}

export async function syncCheckoutNow(_previous: OperatorFlash, formData: FormData): Promise<OperatorFlash> {
  await requireAdmin();
  return syncCheckoutFromForm(formData);
}

// A held checkout's review decision, recorded under the signed-in admin's email.
export async function decideHeldCheckoutNow(_previous: OperatorFlash, formData: FormData): Promise<OperatorFlash> {
  const admin = await requireAdmin();
  return decideHeldCheckoutFromForm(formData, admin.email ?? `user:${admin.id}`);
}
