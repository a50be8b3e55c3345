// Who is an operator. Pure: ADMIN_EMAILS is parsed (trimmed, lower-cased, validated) by
// lib/env-schema.ts; this only compares. Unit-tested in admin-emails.test.ts.

/** Whether `email` is one of the configured admins. No admins configured → nobody is. */
export function isAdminEmail(email: string | null | undefined, adminEmails: readonly string[]): boolean {
  if (!email) return false;
  const wanted = email.trim().toLowerCase();
  return wanted !== "" && adminEmails.includes(wanted);
}
