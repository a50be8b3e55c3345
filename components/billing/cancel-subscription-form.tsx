"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { SubmitButton } from "@/components/ui/submit-button";
import { buttonClasses } from "@/components/ui/styles";

export type CancelSubscriptionState = { status: "idle" } | { status: "done" } | { status: "error"; message: string };

type CancelSubscriptionFormProps = {
  /** The server action (app/(app)/account/billing/actions.ts), passed in by the page. */
  action: (state: CancelSubscriptionState, formData: FormData) => Promise<CancelSubscriptionState>;
  subscriptionId: string;
  /** "July 4, 2026", or null when the period end is unknown. */
  periodEndLabel: string | null;
};

/** "Cancel at period end", then a confirmation; pending and error states inline. */
export function CancelSubscriptionForm({ action, subscriptionId, periodEndLabel }: CancelSubscriptionFormProps) {
  const [state, formAction] = useActionState(action, { status: "idle" });
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLDivElement>(null);
  const startRef = useRef<HTMLButtonElement>(null);
  const moved = useRef(false);

  // Move focus with the step (not on first render).
  useEffect(() => {
    if (!moved.current) return;
    if (confirming) confirmRef.current?.querySelector<HTMLButtonElement>("button[type=submit]")?.focus();
    else startRef.current?.focus();
  }, [confirming]);

  function step(next: boolean) {
    moved.current = true;
    setConfirming(next);
  }

  return (
    <div className="flex flex-col gap-3">
      {confirming ? (
        <div ref={confirmRef} className="flex flex-col gap-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
          <p id="cancel-confirm-text" className="text-sm">
            {periodEndLabel
              ? `Your plan stays active until ${periodEndLabel} and won't renew. Cancel it?`
              : "Your plan stays active until the end of the current period and won't renew. Cancel it?"}
          </p>
          <form action={formAction} aria-describedby="cancel-confirm-text" className="flex flex-wrap gap-3">
            <input type="hidden" name="subscriptionId" value={subscriptionId} />
            <SubmitButton variant="primary" pendingLabel="Canceling…">
              Yes, cancel at period end
            </SubmitButton>
            <button type="button" onClick={() => step(false)} className={buttonClasses("secondary")}>
              Keep my plan
            </button>
          </form>
        </div>
      ) : (
        <div>
          <button ref={startRef} type="button" onClick={() => step(true)} className={buttonClasses("secondary")}>
            Cancel at period end
          </button>
        </div>
      )}
      {state.status === "error" ? (
        <p role="alert" className="rounded-lg border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
