import type { Page, TestInfo } from "@playwright/test";
import { signedHeaders, stripeEventPayload, type Json } from "../lib/payments/providers/stripe/testing/events";
import { expect, payWithCard, test } from "./sandbox";
import { signInWithEmail, uniqueEmail } from "./support";

// The operator's console. Access is provider-neutral and the journey needs one provider: both
// run in the stripe project only, against the local sandbox.
// scripts/e2e-server.mjs starts the server with ADMIN_EMAILS=e2e-admin@example.com.
const ADMIN_EMAIL = "e2e-admin@example.com";
const CARD_OK = "4242 4242 4242 4242";
// The sandbox's Stripe keys (scripts/local-stack.mjs): the server and this test share them.
const SANDBOX_STRIPE_KEY = "sk_test_sandbox";
const SANDBOX_STRIPE_WEBHOOK_SECRET = "whsec_sandbox_secret";
const CONSOLE_PATHS = ["/admin", "/admin/events", "/admin/checkouts", "/admin/checkouts?email=e2e-admin%40example.com"];

test.beforeEach(({ provider }) => {
  test.skip(provider.name !== "stripe", "the console is provider-neutral: checked once, with Stripe");
  test.skip(process.env.E2E_TARGET === "live", "forges events and holds webhooks: sandbox only");
});

function sandboxUrl(testInfo: TestInfo): string {
  return `http://127.0.0.1:${testInfo.project.metadata.sandboxBasePort as number}`; // stripe: offset 0
}

async function stripeSession(testInfo: TestInfo, sessionId: string): Promise<Json> {
  const response = await fetch(`${sandboxUrl(testInfo)}/v1/checkout/sessions/${sessionId}`, {
    headers: { authorization: `Bearer ${SANDBOX_STRIPE_KEY}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Json;
}

/** Buys one credit pack through the hosted page; returns our checkout id and the Stripe session id. */
async function buyCreditPack(page: Page, sandbox: { expectOnCheckout(page: Page): Promise<void> }) {
  await page.goto("/pricing");
  const buy = page.getByTestId("price-credits_100_pack").getByRole("button", { name: "Buy credits", exact: true });
  await expect(buy).toBeEnabled();
  await buy.click();
  await sandbox.expectOnCheckout(page);
  const sessionId = new URL(page.url()).pathname.split("/").pop()!;
  await payWithCard(page, CARD_OK);
  await expect(page).toHaveURL(/\/checkout\/success\?/);
  const params = new URL(page.url()).searchParams;
  const checkoutId = params.get("cid") ?? params.get("checkout_id");
  expect(checkoutId).toBeTruthy();
  return { checkoutId: checkoutId!, sessionId };
}

function eventRow(page: Page, type: string) {
  return page.getByTestId("event-row").filter({ hasText: type });
}

test("the console answers 404 to signed-out users and to signed-in non-admins, and shows them no Admin link", async ({ page }) => {
  for (const path of CONSOLE_PATHS) expect((await page.goto(path))?.status(), path).toBe(404);

  await signInWithEmail(page, uniqueEmail("not-admin"), "/account");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Account" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Admin" })).toHaveCount(0);
  for (const path of CONSOLE_PATHS) {
    expect((await page.goto(path))?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  }
});

test("an admin sees a purchase's event applied, replays it, replays a failed event, and syncs a checkout whose webhook is held", async ({ page, sandbox, provider, baseURL }, testInfo) => {
  await sandbox.reset();
  await signInWithEmail(page, ADMIN_EMAIL, "/account");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
  await expect(page).toHaveURL(/\/admin\/events$/);
  await expect(page.getByRole("heading", { name: "Webhook events" })).toBeVisible();

  // 1. A purchase: its completion event is listed as applied, linked to our checkout.
  const first = await buyCreditPack(page, sandbox);
  await expect(page.getByTestId("checkout-status")).toHaveText("paid");
  await sandbox.waitForDeliveries();
  await page.goto("/admin/events");
  await page.getByLabel("Checkout id or event id").fill(first.checkoutId);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`search=${first.checkoutId}`));
  const completed = eventRow(page, "checkout.session.completed");
  await expect(completed).toHaveCount(1);
  await expect(completed.getByTestId("event-status")).toHaveText("applied");
  await expect(completed.getByRole("link", { name: first.checkoutId })).toBeVisible();

  // Replay of an applied event: a no-op. Force re-apply: applied again, granting nothing twice.
  await completed.getByRole("button", { name: /^Replay/ }).click();
  await expect(completed.getByTestId("operator-flash")).toContainText("Already applied");
  await completed.getByRole("button", { name: /^Force re-apply/ }).click();
  await expect(completed.getByTestId("operator-flash")).toContainText(/Applied checkout\.session\.completed .*\(attempt 2\)/);
  await page.reload();
  await expect(completed.getByTestId("event-attempts")).toHaveText("2");
  await expect(completed.getByTestId("event-status")).toHaveText("applied");

  // 2. A failed event: a verified completion of a second checkout reusing the first one's
  //    payment id cannot be applied (500, recorded as failed). Replay fails again, counted.
  const created = await page.request.post("/api/checkout", { data: { priceId: "credits_100_pack" } });
  expect(created.status()).toBe(200);
  const second = (await created.json()) as { id: string; url: string };
  const secondSession = await stripeSession(testInfo, new URL(second.url).pathname.split("/").pop()!);
  const firstSession = await stripeSession(testInfo, first.sessionId);
  const payload = stripeEventPayload("checkout.session.completed", {
    ...secondSession,
    status: "complete",
    payment_status: "paid",
    payment_intent: firstSession.payment_intent,
  });
  const headers = Object.fromEntries(signedHeaders(payload, SANDBOX_STRIPE_WEBHOOK_SECRET).entries());
  const delivered = await page.request.post(`${baseURL}/api/webhooks/stripe`, { data: payload, headers });
  expect(delivered.status()).toBe(500);

  await page.goto(`/admin/events?status=failed&search=${second.id}`);
  const failed = eventRow(page, "checkout.session.completed");
  await expect(failed).toHaveCount(1);
  await expect(failed.getByTestId("event-status")).toHaveText("failed");
  await expect(failed).toContainText("could not be created");
  await failed.getByRole("button", { name: /^Replay/ }).click();
  await expect(failed.getByRole("button", { name: /^Replay/ })).toBeEnabled();
  await expect(failed.getByRole("alert")).toContainText(/Failed again \(attempt 2\)/);
  await page.reload();
  await expect(failed.getByTestId("event-attempts")).toHaveText("2");

  // 3. Paid while the webhook is held and the provider's API is down: the checkout stays
  //    unfinished. Once the API answers again, "Sync now" completes it from the provider's state.
  await sandbox.pause();
  await sandbox.faults({ status: 503, count: 1000, paths: provider.retrievePath, methods: ["GET"] });
  const held = await buyCreditPack(page, sandbox);
  await expect(page.getByTestId("checkout-status")).not.toHaveText("paid");
  await sandbox.clearFaults();

  await page.goto("/admin/checkouts?minutes=0");
  const row = page.locator(`[data-testid="stuck-row"][data-checkout-id="${held.checkoutId}"]`);
  await expect(row).toContainText(ADMIN_EMAIL);
  await expect(row.getByTestId("checkout-status")).not.toHaveText("complete");
  await row.getByRole("button", { name: /^Sync now/ }).click();
  await expect(row.getByTestId("operator-flash")).toContainText(`Checkout ${held.checkoutId} is complete`);
  await page.reload();
  await expect(row).toHaveCount(0); // complete: no longer stuck
  await sandbox.resume();

  // The "I paid and got nothing" lookup: both packs credited exactly once each.
  await page.getByRole("textbox", { name: "Email" }).fill(ADMIN_EMAIL.toUpperCase());
  await page.getByRole("button", { name: "Look up" }).click();
  const lookup = page.getByTestId("customer-lookup");
  await expect(lookup.locator(`[data-checkout-id="${held.checkoutId}"]`)).toContainText("complete");
  await expect(lookup.getByTestId("customer-entitlement")).toHaveCount(2);
  await page.goto("/account/billing");
  await expect(page.getByTestId("credits-balance")).toHaveText("200");
});
