import { test, type FrameLocator, type Page, type TestInfo } from "@playwright/test";
import type { E2EProvider } from "../providers";
import type { CheckoutControl, Delivery } from "../sandbox";
import { hostedPageDriver, STRIPE_TEST_CARDS } from "./drivers";

// What the journeys' `sandbox` fixture is in E2E_TARGET=live: the real hosted page through its
// driver. There is nothing to reset, and nothing to control: a test that asks for deliveries,
// faults or held webhooks is skipped right there, with the reason.

export class LiveCheckout implements CheckoutControl {
  constructor(
    readonly provider: E2EProvider,
    private readonly testInfo: TestInfo,
  ) {}

  private sandboxOnly(what: string): never {
    this.testInfo.skip(true, `needs the sandbox control API (${what}): not available against live ${this.provider.name}`);
    throw new Error("unreachable: testInfo.skip aborts the test");
  }

  reset = async () => {};
  behaviour = async (settings: Record<string, unknown>): Promise<unknown> => this.sandboxOnly(`delivery behaviour ${JSON.stringify(settings)}`);
  pause = async (): Promise<unknown> => this.sandboxOnly("held webhooks");
  resume = async (): Promise<unknown> => this.sandboxOnly("held webhooks");
  waitForDeliveries = async (): Promise<unknown> => this.sandboxOnly("delivery log");
  deliveries = async (): Promise<Delivery[]> => this.sandboxOnly("delivery log");
  faults = async (fault: Record<string, unknown>): Promise<unknown> => this.sandboxOnly(`fault injection ${JSON.stringify(fault)}`);
  clearFaults = async (): Promise<unknown> => this.sandboxOnly("fault injection");
  expectOnCheckout = (page: Page) => hostedPageDriver(this.provider.name).expectOnCheckout(page);
}

/** Live payWithCard: the success card through the provider's driver; other cards are skipped. */
export async function payLive(target: Page | FrameLocator, card: string): Promise<void> {
  const info = test.info();
  const provider = info.project.metadata.provider as E2EProvider;
  if (card.replace(/\s+/g, "") !== STRIPE_TEST_CARDS.success) {
    info.skip(true, `card ${card} drives a sandbox outcome; its real test card and page behaviour for ${provider.name} are not verified here`);
  }
  await hostedPageDriver(provider.name).payWithSuccessCard(target);
}
