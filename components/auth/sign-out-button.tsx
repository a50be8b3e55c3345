import { signOut } from "@/lib/auth";
import { SubmitButton } from "@/components/ui/submit-button";
import type { ButtonVariant } from "@/components/ui/styles";

async function signOutAction() {
  "use server";
  await signOut({ redirectTo: "/" });
}

type SignOutButtonProps = {
  variant?: ButtonVariant;
  className?: string;
  /**
   * "header": the site header's copy, hidden (globals.css) on pages that render their own
   * sign-out form, so each page has exactly one "Sign out" control.
   */
  placement?: "header" | "page";
};

/** A form posting to a server action: works without JavaScript. */
export function SignOutButton({ variant = "secondary", className, placement = "page" }: SignOutButtonProps) {
  return (
    <form
      action={signOutAction}
      data-header-sign-out={placement === "header" ? "" : undefined}
      data-sign-out-form={placement === "page" ? "" : undefined}
    >
      <SubmitButton variant={variant} className={className} pendingLabel="Signing out…">
        Sign out
      </SubmitButton>
    </form>
  );
}
