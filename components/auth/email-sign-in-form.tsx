import { SubmitButton } from "@/components/ui/submit-button";
import { inputClasses } from "@/components/ui/styles";

type EmailSignInFormProps = {
  /** Server action receiving `email` and `callbackUrl`. */
  action: (formData: FormData) => Promise<void>;
  /** Already sanitised same-site path to return to after sign-in. */
  callbackUrl: string;
  /** Id of an error message describing the field, if one is shown. */
  errorId?: string;
};

/** Magic-link form: a plain form posting to a server action, so it works without JavaScript. */
export function EmailSignInForm({ action, callbackUrl, errorId }: EmailSignInFormProps) {
  return (
    <form action={action} className="flex flex-col gap-4">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <div className="flex flex-col gap-1.5">
        <label htmlFor="email" className="text-sm font-medium">
          Email
        </label>
        <input
          id="email"
          name="email"
          type="email"
          required
          autoComplete="email"
          inputMode="email"
          maxLength={254}
          placeholder="you@example.com"
          aria-describedby={errorId}
          className={inputClasses}
        />
      </div>
      <SubmitButton pendingLabel="Sending link…" className="w-full">
        Send sign-in link
      </SubmitButton>
    </form>
  );
}
