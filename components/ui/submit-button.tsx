"use client";

import type { ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { buttonClasses, type ButtonVariant } from "./styles";

type SubmitButtonProps = {
  children: ReactNode;
  /** Shown while the enclosing form's action runs. */
  pendingLabel: ReactNode;
  variant?: ButtonVariant;
  className?: string;
};

/** A submit button that disables itself and says so while its form is submitting. */
export function SubmitButton({ children, pendingLabel, variant = "primary", className = "" }: SubmitButtonProps) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-busy={pending} className={buttonClasses(variant, className)}>
      {pending ? pendingLabel : children}
    </button>
  );
}
