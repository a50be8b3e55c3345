import { expect, type FrameLocator, type Page } from "@playwright/test";

// The local payments sandbox the e2e web server starts (scripts/e2e-server.mjs).
export const sandboxUrl = `http://127.0.0.1:${process.env.SANDBOX_PORT ?? 4310}`;

async function control(path: string, body?: unknown, method = body === undefined ? "GET" : "POST") {
  const response = await fetch(`${sandboxUrl}/_sandbox${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`sandbox ${method} ${path} → ${response.status}: ${await response.text()}`);
  return response.json();
}

export const sandbox = {
  /** Forget sessions and delivery settings: each test starts from the sandbox's defaults. */
  reset: () => control("/reset", {}),
  behaviour: (settings: Record<string, unknown>) => control("/stripe/webhooks/behaviour", settings),
  pause: () => control("/stripe/webhooks/pause", {}),
  flush: () => control("/stripe/webhooks/flush", {}),
  resume: () => control("/stripe/webhooks/resume", {}),
  waitForDeliveries: (timeoutMs = 20_000) => control("/stripe/webhooks/wait", { timeoutMs }),
  deliveries: async () =>
    (await control("/stripe/webhooks/deliveries")).deliveries as {
      eventId: string;
      type: string;
      copy: number;
      state: string;
      attempts: { status: number | null; simulatedFailure: boolean }[];
    }[],
  faults: (fault: Record<string, unknown>) => control("/stripe/faults", fault),
  clearFaults: () => control("/stripe/faults", undefined, "DELETE"),
};

type PayTarget = Page | FrameLocator;

/** Fills the sandbox's hosted Stripe page and submits it. */
export async function payWithCard(target: PayTarget, card: string) {
  await target.getByLabel("Card number").fill(card);
  await target.getByLabel(/Expiration date/).fill("12 / 34");
  await target.getByLabel(/Security code/).fill("123");
  await target.getByRole("button", { name: /^(Subscribe|Start trial|Pay .*)$/ }).click();
}

export async function expectOnSandboxCheckout(page: Page) {
  await expect(page).toHaveURL(new RegExp(`^${sandboxUrl.replace(/[.]/g, "\\.")}/pay/stripe/cs_test_`));
  await expect(page.getByText(/sandbox/i).first()).toBeVisible();
}
