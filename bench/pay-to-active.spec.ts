// Pay → active, measured like the e2e journey: from the click on the sandbox's Pay button to
// the success page showing the purchase as paid, for BENCH_RUNS credit-pack purchases by a
// signed-in bench user (its database session cookie is set directly).
import { writeFileSync } from "node:fs";
import { test } from "@playwright/test";
import { expect, payWithCard } from "../e2e/sandbox";

test("pay → active", async ({ page, context, baseURL }) => {
  const runs = Number(process.env.BENCH_RUNS || 50);
  await context.addCookies([{ name: "authjs.session-token", value: process.env.BENCH_SESSION_TOKEN!, url: baseURL! }]);
  const timings: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    await page.goto("/pricing");
    const buy = page.getByTestId("price-credits_100_pack").getByRole("button", { name: "Buy credits", exact: true });
    await expect(buy).toBeEnabled();
    await buy.click();
    await expect(page).toHaveURL(/\/pay\//);
    await page.getByLabel("Card number").waitFor();
    const clickedAt = Date.now();
    await payWithCard(page, "4242 4242 4242 4242");
    await expect(page.getByTestId("checkout-status")).toHaveText("paid");
    timings.push(Date.now() - clickedAt);
  }
  writeFileSync(process.env.BENCH_OUTPUT!, JSON.stringify(timings));
});
