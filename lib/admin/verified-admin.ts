import "server-only";
import { db } from "@/lib/db";
import { isAdminEmail } from "./admin-emails";

/**
 * Admin rights come from the email address, so only an address the sign-in method verified
 * counts (User.emailVerified: set when a magic link is used, or by Google's verified flag).
 */
export async function isVerifiedAdmin(userId: string, adminEmails: readonly string[]): Promise<boolean> {
  const row = await db.user.findUnique({ where: { id: userId }, select: { email: true, emailVerified: true } });
  return Boolean(row?.emailVerified) && isAdminEmail(row?.email, adminEmails);
}
