// The e2e matrix: one Playwright project per provider, each with its own production server
// (PAYMENTS_PROVIDER=<name>) and its own local sandbox. What differs between providers is
// listed here, from each adapter's honest capabilities; the journeys are the same.

export type E2EProvider = {
  name: "stripe" | "creem" | "dodo" | "recur" | "faststar";
  /** The sandbox listener of this provider = sandbox base port + offset. */
  portOffset: number;
  /** API path the success page's server-side re-verification reads (for fault injection). */
  retrievePath: string;
  /** The webhook event that carries a paid one-time checkout. */
  paidEvent: string;
  cancelUrl: boolean;
  overlay: boolean;
  /** Whether one checkout can buy several units of a credit pack. */
  quantity: boolean;
  /**
   * Whether the paid event alone names our checkout. FastStar's documented payment.succeeded
   * carries only its payment id: the webhook is matched by reading the provider's sessions, so
   * it completes a checkout only once the provider's API answers.
   */
  webhookNamesCheckout: boolean;
};

export const E2E_PROVIDERS: E2EProvider[] = [
  { name: "stripe", portOffset: 0, retrievePath: "/v1/checkout/sessions/", paidEvent: "checkout.session.completed", cancelUrl: true, overlay: true, quantity: true, webhookNamesCheckout: true },
  { name: "creem", portOffset: 1, retrievePath: "/v1/checkouts", paidEvent: "checkout.completed", cancelUrl: false, overlay: true, quantity: true, webhookNamesCheckout: true },
  { name: "dodo", portOffset: 2, retrievePath: "/checkouts/", paidEvent: "payment.succeeded", cancelUrl: true, overlay: true, quantity: true, webhookNamesCheckout: true },
  { name: "recur", portOffset: 3, retrievePath: "/v1/checkout/sessions/", paidEvent: "checkout.completed", cancelUrl: true, overlay: false, quantity: false, webhookNamesCheckout: true },
  { name: "faststar", portOffset: 4, retrievePath: "/api/v1/public/checkout/sessions/", paidEvent: "payment.succeeded", cancelUrl: true, overlay: true, quantity: true, webhookNamesCheckout: false },
];

/** Which providers this run covers: E2E_PROVIDERS=stripe,creem (default: all). */
export function selectedProviders(env: Record<string, string | undefined> = process.env): E2EProvider[] {
  const wanted = env.E2E_PROVIDERS?.split(",").map((name) => name.trim()).filter(Boolean);
  return wanted?.length ? E2E_PROVIDERS.filter((provider) => wanted.includes(provider.name)) : E2E_PROVIDERS;
}

export const APP_BASE_PORT = Number(process.env.E2E_PORT || 3100);
export const SANDBOX_BASE_PORT = Number(process.env.SANDBOX_PORT || 4300);

/** Each provider's server gets its own app port and its own sandbox port range (5 ports). */
export function portsFor(index: number) {
  return { app: APP_BASE_PORT + index, sandboxBase: SANDBOX_BASE_PORT + index * 10 };
}
