"use server";

import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { z } from "zod";
import { signIn, signInMethods } from "@/lib/auth";
import { safeCallbackUrl } from "./callback-url";

const callbackUrl = z.unknown().transform((value) => safeCallbackUrl(value));

const emailSignIn = z.object({
  email: z.string().trim().max(254).pipe(z.email()),
  callbackUrl,
});

const providerSignIn = z.object({
  provider: z.string().min(1).max(64),
  callbackUrl,
});

function backToSignIn(error: string, returnTo: string): never {
  redirect(`/signin?${new URLSearchParams({ error, callbackUrl: returnTo })}`);
}

/** Sends a magic link, then shows the "check your email" page. */
export async function signInWithEmail(formData: FormData): Promise<void> {
  const returnTo = safeCallbackUrl(formData.get("callbackUrl"));
  const parsed = emailSignIn.safeParse({ email: formData.get("email"), callbackUrl: formData.get("callbackUrl") });
  if (!parsed.success) backToSignIn("InvalidEmail", returnTo);
  try {
    // redirect: false — Auth.js would send the browser to its API route, which a server
    // action's client-side navigation cannot follow; our own page is the destination.
    await signIn("email", { email: parsed.data.email, redirectTo: parsed.data.callbackUrl, redirect: false });
  } catch (error) {
    if (error instanceof AuthError) backToSignIn("EmailSignin", returnTo);
    throw error;
  }
  redirect("/signin/check-email");
}

/** Starts an OAuth sign-in with one of the configured providers. */
export async function signInWithProvider(formData: FormData): Promise<void> {
  const returnTo = safeCallbackUrl(formData.get("callbackUrl"));
  const parsed = providerSignIn.safeParse({
    provider: formData.get("provider"),
    callbackUrl: formData.get("callbackUrl"),
  });
  if (!parsed.success || !signInMethods().some((method) => method.id === parsed.data.provider)) {
    backToSignIn("OAuthSignin", returnTo);
  }
  try {
    await signIn(parsed.data.provider, { redirectTo: parsed.data.callbackUrl });
  } catch (error) {
    if (error instanceof AuthError) backToSignIn("OAuthSignin", returnTo);
    throw error;
  }
}
