import { expect, payWithCard, test } from "./sandbox";
import { signInWithEmail, uniqueEmail } from "./support";

// Creem signs the parameters it appends to our success URL; the success page verifies them
// against our checkout (lib/billing/return-url.ts). Our id travels as `cid`, so Creem's own
// `checkout_id` no longer collides with it.

test("creem: the signed return verifies on the success page; an edited one is flagged and trusted for nothing", async ({ page, sandbox, provider }) => {
  test.skip(provider.name !== "creem", "only Creem signs its redirect");
  await sandbox.reset();
  await signInWithEmail(page, uniqueEmail("signed-return"), "/pricing");
  await page.getByTestId("price-lifetime_once").getByRole("button", { name: "Buy now", exact: true }).click();
  await sandbox.expectOnCheckout(page);
  await payWithCard(page, "4242 4242 4242 4242");

  await expect(page).toHaveURL(/\/checkout\/success\?cid=[^&]+&request_id=[^&]+&checkout_id=ch_/);
  await expect(page.getByTestId("checkout-status")).toHaveText("paid");
  await expect(page.getByTestId("return-url-check")).toHaveAttribute("data-status", "verified");

  const edited = new URL(page.url());
  edited.searchParams.set("order_id", "ord_edited");
  await page.goto(edited.toString());
  await expect(page.getByTestId("return-url-check")).toHaveAttribute("data-status", "rejected");
  await expect(page.getByTestId("return-url-check")).toContainText("signature didn't verify");
  // The status still comes from Creem's API: the purchase is paid either way.
  await expect(page.getByTestId("checkout-status")).toHaveText("paid");
});
