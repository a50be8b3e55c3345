import { expect, test } from "@playwright/test";
import { signInWithEmail, uniqueEmail } from "./support";

test("signs in through the dev mailbox, sees the account page, signs out", async ({ page, context }) => {
  const email = uniqueEmail("auth");

  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Faccount/);

  await signInWithEmail(page, email, "/account");
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();

  // SameSite=Lax, not Strict: the session must survive a top-level return from a checkout host.
  const sessionCookie = (await context.cookies()).find((cookie) => cookie.name.includes("session-token"));
  expect(sessionCookie?.sameSite).toBe("Lax");
  expect(sessionCookie?.httpOnly).toBe(true);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
  await page.goto("/account");
  await expect(page).toHaveURL(/\/signin/);
});

test("a sign-in link works once", async ({ page }) => {
  const email = uniqueEmail("once");
  await signInWithEmail(page, email, "/account");
  await expect(page.getByRole("heading", { name: "Your account" })).toBeVisible();

  await page.context().clearCookies();
  await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
  await page.getByTestId("mail-link").first().click();
  await expect(page).toHaveURL(/\/signin\?error=Verification/);
  await expect(page.getByText(/expired or was already used/i)).toBeVisible();
});

test("an open redirect in callbackUrl is ignored", async ({ page }) => {
  const email = uniqueEmail("redirect");
  await signInWithEmail(page, email, "//evil.example.com/steal");
  await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/account$/);
});
