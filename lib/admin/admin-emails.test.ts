import { describe, expect, it } from "vitest";
import { InvalidEnvironmentError, parseServerEnv } from "@/lib/env-schema";
import { isAdminEmail } from "./admin-emails";

const base = { DATABASE_URL: "postgresql://u:p@localhost:5432/app" };

describe("ADMIN_EMAILS", () => {
  it("is parsed trimmed and lower-cased; unset or empty means no admins", () => {
    expect(parseServerEnv({ ...base, ADMIN_EMAILS: " Ops@Example.com , second@example.com,, " }).ADMIN_EMAILS).toEqual(["ops@example.com", "second@example.com"]);
    expect(parseServerEnv(base).ADMIN_EMAILS).toEqual([]);
    expect(parseServerEnv({ ...base, ADMIN_EMAILS: "  " }).ADMIN_EMAILS).toEqual([]);
  });

  it("refuses a value that is not a list of email addresses, naming the variable", () => {
    let problems: string[] = [];
    try {
      parseServerEnv({ ...base, ADMIN_EMAILS: "ops@example.com; boss" });
    } catch (error) {
      if (error instanceof InvalidEnvironmentError) problems = error.problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^ADMIN_EMAILS.* must be a comma-separated list of email addresses$/)]);
  });
});

describe("isAdminEmail", () => {
  const admins = parseServerEnv({ ...base, ADMIN_EMAILS: "ops@example.com" }).ADMIN_EMAILS;

  it("matches case-insensitively and ignores surrounding spaces", () => {
    expect(isAdminEmail("ops@example.com", admins)).toBe(true);
    expect(isAdminEmail(" OPS@Example.COM ", admins)).toBe(true);
  });

  it("refuses everyone else: other addresses, look-alikes, no email, and everyone when no admins are configured", () => {
    expect(isAdminEmail("buyer@example.com", admins)).toBe(false);
    expect(isAdminEmail("ops@example.com.evil.test", admins)).toBe(false);
    expect(isAdminEmail("xops@example.com", admins)).toBe(false);
    expect(isAdminEmail(null, admins)).toBe(false);
    expect(isAdminEmail("", admins)).toBe(false);
    expect(isAdminEmail("ops@example.com", [])).toBe(false);
  });
});
