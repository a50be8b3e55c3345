"use client";

import { useActionState } from "react";
import { useFormStatus } from "react-dom";
import type { OperatorFlash } from "@/lib/admin/flash";
import { buttonClasses, type ButtonVariant } from "@/components/ui/styles";

export type OperatorAction = (state: OperatorFlash, formData: FormData) => Promise<OperatorFlash>;

type ActionButton = {
  label: string;
  pendingLabel: string;
  variant?: ButtonVariant;
  /** Sent as `name=value` when this button submits (e.g. force=true). */
  name?: string;
  value?: string;
  /** Asks the browser to confirm before submitting (for decisions that cannot be undone). */
  confirm?: string;
};

type OperatorActionFormProps = {
  /** A server action from app/(admin)/admin/actions.ts, passed in by the page. */
  action: OperatorAction;
  fields: Record<string, string>;
  buttons: ActionButton[];
  /** Names what the buttons act on, for screen readers ("event evt_123"). */
  subject: string;
};

const FLASH_CLASSES: Record<Exclude<OperatorFlash["status"], "idle">, string> = {
  success: "border-emerald-300 bg-emerald-50 text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100",
  info: "border-zinc-300 bg-zinc-50 text-zinc-900 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100",
  error: "border-red-300 bg-red-50 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100",
};

/** One or more buttons that run a server action, with a loading state and the result as a flash message. */
export function OperatorActionForm({ action, fields, buttons, subject }: OperatorActionFormProps) {
  const [flash, formAction] = useActionState(action, { status: "idle" });
  return (
    <div className="flex flex-col gap-2">
      <form action={formAction} className="flex flex-wrap gap-2">
        {Object.entries(fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        {buttons.map((button) => (
          <ActionSubmitButton key={button.label} button={button} subject={subject} />
        ))}
      </form>
      {flash.status === "idle" ? null : (
        <p
          role={flash.status === "error" ? "alert" : "status"}
          data-testid="operator-flash"
          className={`max-w-md rounded-lg border px-3 py-2 text-xs break-words ${FLASH_CLASSES[flash.status]}`}
        >
          {flash.message}
        </p>
      )}
    </div>
  );
}

function ActionSubmitButton({ button, subject }: { button: ActionButton; subject: string }) {
  const { pending, data } = useFormStatus();
  // Which button submitted: only that one says it is working; all are disabled meanwhile.
  const mine = pending && (!button.name || data?.get(button.name) === button.value);
  return (
    <button
      type="submit"
      name={button.name}
      value={button.value}
      disabled={pending}
      aria-busy={mine}
      onClick={
        button.confirm
          ? (event) => {
              if (!window.confirm(button.confirm)) event.preventDefault();
            }
          : undefined
      }
      className={buttonClasses(button.variant ?? "secondary", "px-3 py-1.5 text-xs")}
    >
      {mine ? button.pendingLabel : button.label}
      <span className="sr-only"> {subject}</span>
    </button>
  );
}
