import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentUser, signInMethods } from "@/lib/auth";
import { EmailSignInForm } from "@/components/auth/email-sign-in-form";
import { OAuthSignInButtons } from "@/components/auth/oauth-sign-in-buttons";
import { AuthCard } from "@/components/auth/auth-card";
import { signInErrorMessage } from "@/components/auth/sign-in-error-message";
import { signInWithEmail, signInWithProvider } from "./actions";
import { safeCallbackUrl } from "./callback-url";

export const metadata: Metadata = { title: "Sign in" };

type SignInPageProps = {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function SignInPage({ searchParams }: SignInPageProps) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  const error = signInErrorMessage(first(params.error));
  // Already signed in and nothing to report: go straight on.
  if (!error && (await currentUser())) redirect(callbackUrl);

  return (
    <AuthCard title="Sign in" description="We'll email you a sign-in link. No password needed.">
      {error ? (
        <p
          id="signin-error"
          role="alert"
          className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
        >
          {error}
        </p>
      ) : null}
      <EmailSignInForm
        action={signInWithEmail}
        callbackUrl={callbackUrl}
        errorId={error ? "signin-error" : undefined}
      />
      <OAuthSignInButtons methods={signInMethods()} action={signInWithProvider} callbackUrl={callbackUrl} />
    </AuthCard>
  );
}
