import { expect, type FrameLocator, type Page } from "@playwright/test";
import type { E2EProvider } from "../providers";

// Hosted page drivers for E2E_TARGET=live: each fills the provider's REAL test-mode checkout.
// Only Stripe Checkout's page is described reliably enough here (field ids #cardNumber,
// #cardExpiry, #cardCvc, #billingName, #billingPostalCode, submit `.SubmitButton`, cards
// behind a "card" accordion item when several methods are offered — from Stripe's page as
// public test suites drive it). The others throw until someone writes theirs against the real
// page. None of this could be run on the machine that wrote it (no internet): unverified.

export type HostedPageDriver = {
  /** The browser is on this provider's real hosted checkout. */
  expectOnCheckout(page: Page): Promise<void>;
  /** Pays with the provider's success test card (the journeys only ever pay successfully live). */
  payWithSuccessCard(target: Page | FrameLocator): Promise<void>;
};

/** Stripe's documented test cards. */
export const STRIPE_TEST_CARDS = { success: "4242424242424242", declined: "4000000000000002" } as const;

const stripeDriver: HostedPageDriver = {
  async expectOnCheckout(page) {
    await expect(page).toHaveURL(/^https:\/\/checkout\.stripe\.com\//, { timeout: 30_000 });
  },
  async payWithSuccessCard(target) {
    const cardNumber = target.locator("#cardNumber");
    const cardChoice = target.locator('[data-testid="card-accordion-item-button"]');
    await cardNumber.or(cardChoice).first().waitFor({ timeout: 30_000 });
    // Several payment methods: the card fields appear once the card item is opened.
    if (!(await cardNumber.isVisible())) await cardChoice.click({ force: true });
    await cardNumber.fill(STRIPE_TEST_CARDS.success);
    await target.locator("#cardExpiry").fill("12 / 34");
    await target.locator("#cardCvc").fill("123");
    await target.locator("#billingName").fill("E2E Buyer");
    // Asked for some billing countries only.
    const postalCode = target.locator("#billingPostalCode");
    if (await postalCode.isVisible()) await postalCode.fill("10001");
    await target.locator(".SubmitButton").click();
  },
};

function notImplemented(provider: E2EProvider["name"]): HostedPageDriver {
  const fail = async () => {
    throw new Error(
      `The hosted page driver is not implemented for live ${provider}: its real checkout page is not described reliably here. ` +
        `Write one in e2e/live/drivers.ts against ${provider}'s test-mode page, or run ${provider} against the sandbox (unset E2E_TARGET).`,
    );
  };
  return { expectOnCheckout: fail, payWithSuccessCard: fail };
}

export function hostedPageDriver(provider: E2EProvider["name"]): HostedPageDriver {
  return provider === "stripe" ? stripeDriver : notImplemented(provider);
}
