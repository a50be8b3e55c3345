// Human-readable text for the `?error=` codes Auth.js (and our sign-in actions) put on /signin.

const MESSAGES: Record<string, string> = {
  Verification: "That sign-in link has expired or was already used. Request a new one below.",
  InvalidEmail: "Please enter a valid email address.",
  EmailSignin: "We couldn't send the sign-in email. Please try again in a moment.",
  OAuthSignin: "We couldn't start sign-in with that provider. Please try again.",
  OAuthCallback: "Sign-in with that provider didn't complete. Please try again.",
  OAuthCallbackError: "Sign-in with that provider didn't complete. Please try again.",
  Callback: "Sign-in didn't complete. Please try again.",
  OAuthCreateAccount: "We couldn't create your account with that provider. Please try again.",
  EmailCreateAccount: "We couldn't create your account. Please try again.",
  OAuthAccountNotLinked:
    "This email is already linked to a different sign-in method. Sign in the way you did the first time.",
  AccessDenied: "You don't have access to sign in with that account.",
  SessionRequired: "Please sign in to continue.",
  Configuration: "Sign-in is not configured correctly on the server. Please try again later.",
};

const FALLBACK = "Sign-in failed. Please try again.";

/** A readable message for an Auth.js error code, or null when there is no error. */
export function signInErrorMessage(code: string | undefined): string | null {
  if (!code) return null;
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code] : FALLBACK;
}
