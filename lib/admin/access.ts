import "server-only";
import { notFound } from "next/navigation";
import { currentUser, type SignedInUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";
import { isAdminEmail } from "./admin-emails";

/** The signed-in user when they are an admin (ADMIN_EMAILS, with an email the sign-in verified), else null. */
export async function currentAdmin(): Promise<SignedInUser | null> {
  const user = await currentUser();
  return user && (await isVerifiedAdmin(user.id, serverEnv().ADMIN_EMAILS)) ? user : null;
}

/**
 * Admin rights come from the email address, so only an address the sign-in method verified
 * counts (User.emailVerified: set when a magic link is used, or by Google's verified flag).
 */
export async function isVerifiedAdmin(userId: string, adminEmails: readonly string[]): Promise<boolean> {
  const row = await db.user.findUnique({ where: { id: userId }, select: { email: true, emailVerified: true } });
  return Boolean(row?.emailVerified) && isAdminEmail(row?.email, adminEmails);
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
