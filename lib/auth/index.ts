import "server-only";
import { redirect } from "next/navigation";
import { auth } from "./config";

export { auth, signIn, signOut, handlers, signInMethods } from "./config";

export type SignedInUser = { id: string; email: string | null; name: string | null };

/** The signed-in user, or null. */
export async function currentUser(): Promise<SignedInUser | null> {
  const session = await auth();
  const user = session?.user;
  if (!user?.id) return null;
  return { id: user.id, email: user.email ?? null, name: user.name ?? null };
}

/** For protected pages: the signed-in user, or a redirect to sign-in that comes back here. */
export async function requireUser(returnTo: string): Promise<SignedInUser> {
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  return user;
}
