import { SubmitButton } from "@/components/ui/submit-button";

type OAuthSignInButtonsProps = {
  methods: { id: string; name: string }[];
  /** Server action receiving `provider` and `callbackUrl`. */
  action: (formData: FormData) => Promise<void>;
  callbackUrl: string;
};

/** One button per configured OAuth provider; renders nothing when none is configured. */
export function OAuthSignInButtons({ methods, action, callbackUrl }: OAuthSignInButtonsProps) {
  if (methods.length === 0) return null;
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center gap-3 text-xs text-zinc-600 uppercase dark:text-zinc-400" aria-hidden="true">
        <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
        or
        <span className="h-px flex-1 bg-zinc-200 dark:bg-zinc-800" />
      </div>
      <ul className="flex flex-col gap-2">
        {methods.map((method) => (
          <li key={method.id}>
            <form action={action}>
              <input type="hidden" name="provider" value={method.id} />
              <input type="hidden" name="callbackUrl" value={callbackUrl} />
              <SubmitButton variant="secondary" pendingLabel={`Redirecting to ${method.name}…`} className="w-full">
                Sign in with {method.name}
              </SubmitButton>
            </form>
          </li>
        ))}
      </ul>
    </div>
  );
}
