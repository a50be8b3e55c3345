import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createUser } from "@/lib/billing/testing/fixtures";
import { isVerifiedAdmin } from "./verified-admin";

describe("admin rights need an email the sign-in method verified", () => {
  it("an ADMIN_EMAILS address that is not verified (e.g. an OAuth sign-in) is not an admin; verified, it is", async () => {
    const user = await createUser();
    const admins = [user.email!];
    expect(user.emailVerified).toBeNull();
    expect(await isVerifiedAdmin(user.id, admins)).toBe(false);
    await db.user.update({ where: { id: user.id }, data: { emailVerified: new Date() } });
    expect(await isVerifiedAdmin(user.id, admins)).toBe(true);
    expect(await isVerifiedAdmin(user.id, ["someone-else@example.com"])).toBe(false);
  });
});
