import { expect, test } from "@playwright/test";

test("pricing shows the seeded catalog with a monthly/yearly toggle", async ({ page }) => {
  await page.goto("/pricing");
  await expect(page.getByRole("heading", { name: "Starter" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Pro" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Lifetime templates" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "100 credits" })).toBeVisible();

  await expect(page.getByTestId("price-pro_monthly")).toContainText("$29");
  await expect(page.getByTestId("price-lifetime_once")).toContainText("$149");
  await expect(page.getByTestId("price-credits_100_pack")).toContainText("$10");

  await page.getByRole("button", { name: /yearly/i }).click();
  await expect(page.getByTestId("price-pro_yearly")).toContainText("$290");
  await expect(page.getByTestId("price-pro_monthly")).toBeHidden();
});
