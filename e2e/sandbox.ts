import { expect, test as base, type FrameLocator, type Page } from "@playwright/test";
import { LiveCheckout, payLive } from "./live/live-checkout";
import { e2eTarget } from "./live/target";
import type { E2EProvider } from "./providers";

export type Delivery = {
  eventId: string;
  type: string;
  copy: number;
  state: string;
  attempts: { status: number | null; simulatedFailure: boolean }[];
};

/** The control API of the local sandbox that this project's server talks to. */
export class SandboxControl {
  readonly url: string;

  constructor(readonly provider: E2EProvider, sandboxBasePort: number) {
    this.url = `http://127.0.0.1:${sandboxBasePort + provider.portOffset}`;
  }

  private async call(path: string, body?: unknown, method = body === undefined ? "GET" : "POST") {
    const response = await fetch(`${this.url}/_sandbox${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`sandbox ${method} ${path} → ${response.status}: ${await response.text()}`);
    return response.json();
  }

  private own(path: string) {
    return `/${this.provider.name}${path}`;
  }

  /** Forget sessions, faults and delivery settings: each test starts from the defaults. */
  reset = () => this.call(this.own("/reset"), {});
  behaviour = (settings: Record<string, unknown>) => this.call(this.own("/webhooks/behaviour"), settings);
  pause = () => this.call(this.own("/webhooks/pause"), {});
  resume = () => this.call(this.own("/webhooks/resume"), {});
  waitForDeliveries = (timeoutMs = 20_000) => this.call(this.own("/webhooks/wait"), { timeoutMs });
  deliveries = async (): Promise<Delivery[]> => (await this.call(this.own("/webhooks/deliveries"))).deliveries;
  faults = (fault: Record<string, unknown>) => this.call(this.own("/faults"), fault);
  clearFaults = () => this.call(this.own("/faults"), undefined, "DELETE");

  /** The hosted checkout page of this provider's sandbox. */
  async expectOnCheckout(page: Page) {
    const origin = this.url.replace(/[.]/g, "\\.");
    await expect(page).toHaveURL(new RegExp(`^${origin}/pay/${this.provider.name}/`));
    await expect(page.getByText(/sandbox/i).first()).toBeVisible();
  }
}

/** What the journeys drive: the local sandbox, or (E2E_TARGET=live) the real hosted page, which controls nothing. */
export type CheckoutControl = Pick<
  SandboxControl,
  "provider" | "reset" | "behaviour" | "pause" | "resume" | "waitForDeliveries" | "deliveries" | "faults" | "clearFaults" | "expectOnCheckout"
>;

export const test = base.extend<{ sandbox: CheckoutControl; provider: E2EProvider }>({
  provider: async ({}, use, testInfo) => {
    const provider = testInfo.project.metadata.provider as E2EProvider;
    // Live: the overlays the suite drives are the sandbox's stand-ins; real overlays need the
    // provider's own script, so overlay journeys skip themselves and checkouts redirect.
    await use(e2eTarget() === "live" ? { ...provider, overlay: false } : provider);
  },
  sandbox: async ({ provider }, use, testInfo) => {
    await use(
      e2eTarget() === "live"
        ? new LiveCheckout(provider, testInfo)
        : new SandboxControl(provider, testInfo.project.metadata.sandboxBasePort as number),
    );
  },
});

export { expect };

type PayTarget = Page | FrameLocator;

/** Fills a sandbox hosted page (the same fields for every provider) and submits it; live: the provider's driver. */
export async function payWithCard(target: PayTarget, card: string) {
  if (e2eTarget() === "live") return payLive(target, card);
  await target.getByLabel("Card number").fill(card);
  await target.getByLabel(/Expiration date/).fill("12 / 34");
  await target.getByLabel(/Security code/).fill("123");
  await target.getByRole("button", { name: /^(Subscribe|Start trial|Pay .*)$/ }).click();
}
