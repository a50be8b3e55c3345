import { expect, type Page } from "@playwright/test";

/** A fresh address per test, so runs never depend on each other's data. */
export function uniqueEmail(prefix = "buyer"): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Signs in through the real magic-link flow, reading the link from the dev mailbox. */
export async function signInWithEmail(page: Page, email: string, callbackPath = "/account") {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(callbackPath)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: /sign in with email|send.*link|continue/i }).click();
  await expect(page).toHaveURL(/\/signin\/check-email/);
  await page.goto(`/dev/mailbox?to=${encodeURIComponent(email)}`);
  const link = page.getByTestId("mail-link").first();
  await expect(link).toBeVisible();
  await link.click();
}
