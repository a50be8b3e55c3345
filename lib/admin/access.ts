import "server-only";
import { notFound } from "next/navigation";
import { currentUser, type SignedInUser } from "@/lib/auth";
import { serverEnv } from "@/lib/env";
import { isVerifiedAdmin } from "./verified-admin";

/** The signed-in user when they are an admin (ADMIN_EMAILS, with an email the sign-in verified), else null. */
export async function currentAdmin(): Promise<SignedInUser | null> {
  const user = await currentUser();
  return user && (await isVerifiedAdmin(user.id, serverEnv().ADMIN_EMAILS)) ? user : null;
}


/**
 * For every admin page and server action: the admin, or a 404 for everyone else (signed out
 * included), so the console's existence is not revealed. Actions call it again on every
 * call: a page that rendered once proves nothing about the next request.
 */
export async function requireAdmin(): Promise<SignedInUser> {
  const admin = await currentAdmin();
  if (!admin) notFound();
  return admin;
}
