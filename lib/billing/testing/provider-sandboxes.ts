// Test-only: the local sandbox as each of the five providers behind one shape, for billing
// tests that run the same scenario against every provider: point the adapter at it, inject API
// faults, list the provider's sessions, pay, renew/cancel/refund, and turn the events it
// emitted into deliveries signed the way that provider signs them (each provider's own testing
// helpers). Webhook delivery by the sandbox is off: tests deliver, in the order they choose.
// Never imported by app code.
import type Stripe from "stripe";
import { afterAll, beforeAll } from "vitest";
import { handleWebhook, type WebhookResult } from "@/lib/billing/webhooks";
import type { ProviderName } from "@/lib/payments/types";
import { creemEventPayload, creemSignedHeaders } from "@/lib/payments/providers/creem/testing/events";
import { startCreemSandbox } from "@/lib/payments/providers/creem/testing/sandbox";
import { signedHeaders as dodoSignedHeaders, testWebhookSecret } from "@/lib/payments/providers/dodo/testing/events";
import { startDodoSandbox } from "@/lib/payments/providers/dodo/testing/sandbox";
import { signedHeaders as faststarSignedHeaders } from "@/lib/payments/providers/faststar/testing/events";
import { startFaststarSandbox } from "@/lib/payments/providers/faststar/testing/sandbox";
import { recurHeaders, startRecurSandbox } from "@/lib/payments/providers/recur/testing/sandbox";
import { signedHeaders as stripeSignedHeaders } from "@/lib/payments/providers/stripe/testing/events";
import { startStripeSandbox } from "@/lib/payments/providers/stripe/testing/sandbox";
import type { FaultSpec } from "@/sandbox/core/traffic";
import { ensureCatalog } from "./fixtures";
import type { MoneyControls } from "./money-controls";
import { creemMoneyControls } from "@/lib/payments/providers/creem/testing/money-controls";
import { dodoMoneyControls } from "@/lib/payments/providers/dodo/testing/money-controls";
import { faststarMoneyControls } from "@/lib/payments/providers/faststar/testing/money-controls";
import { recurMoneyControls } from "@/lib/payments/providers/recur/testing/money-controls";
import { stripeMoneyControls } from "@/lib/payments/providers/stripe/testing/money-controls";

type Json = Record<string, unknown>;

/** One emitted event, ready to be signed afresh at each delivery (signatures carry a timestamp). */
export type ProviderEvent = { provider: ProviderName; id: string; type: string; payload: string; sign(): Headers };

export interface ProviderSandbox {
  name: ProviderName;
  /** What the adapter's create call looks like in the request log (for faults). */
  createPath: string;
  /** The SDK's own automatic retries of a create (each needs its own fault to fail the call). */
  sdkRetries: number;
  fault(spec: FaultSpec): Promise<void>;
  /** Drops faults not used up (an SDK may retry fewer times than a test planned for). */
  clearFaults(): Promise<void>;
  /** The provider's sessions that carry our checkout id (in metadata / reference fields). */
  sessionsFor(ourCheckoutId: string): Promise<{ id: string }[]>;
  pay(sessionId: string): Promise<void>;
  /** Every event emitted so far, in emission order. */
  events(): Promise<ProviderEvent[]>;
  /** Moves this sandbox's clock (event times, periods) forward. */
  advanceClock(minutes: number): Promise<void>;
  renew(subscriptionId: string): Promise<void>;
  /** Ends the subscription now (or, where the provider only cancels at period end, as far as it goes). */
  cancel(subscriptionId: string): Promise<void>;
  /** A full refund of the payment our Order recorded (`providerPaymentId`) for session `sessionId`. */
  refund(payment: { providerPaymentId: string | null; sessionId: string }): Promise<void>;
  /** Partial and several refunds, disputes, failed and unpaid renewals, a different paid amount (money-policy tests). */
  money: MoneyControls;
  stop(): Promise<void>;
}

export const PROVIDERS: readonly ProviderName[] = ["stripe", "creem", "dodo", "recur", "faststar"];
/** HTTPS: Recur refuses other return URLs. */
export const HTTPS_APP_URL = "https://app.test";

const SECRETS = {
  stripe: "whsec_billing_fault_tests",
  creem: "whsec_creem_billing_fault_tests",
  dodo: testWebhookSecret("billing-fault-tests"),
  recur: "whsec_recur_billing_fault_tests",
  faststar: "faststar_whsec_billing_fault_tests",
} as const;

async function ok<T = Json>(control: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>, method: string, path: string, body?: unknown): Promise<T> {
  const result = await control(method, path, body);
  if (result.status >= 300) throw new Error(`sandbox ${method} ${path} → ${result.status}: ${JSON.stringify(result.body)}`);
  return result.body;
}

function carrying(sessions: Json[], ourCheckoutId: string): { id: string }[] {
  return sessions.filter((session) => JSON.stringify(session).includes(ourCheckoutId)).map((session) => ({ id: String(session.id) }));
}

type Control = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json }>;
/** What every provider's testing helper (lib/payments/providers/<name>/testing/sandbox.ts) offers. */
type HelperSandbox = { control: Control; fault(spec: FaultSpec): Promise<void>; stop(): Promise<void> };

/** What differs per provider; everything else is the shared control API under `/_sandbox/<name>/`. */
type Specific = Pick<ProviderSandbox, "createPath" | "sdkRetries" | "refund" | "money"> & {
  /** Emitted events as `[id, type, exact payload]`, and how the provider signs a payload. */
  emitted(): Promise<[id: string, type: string, payload: string][]>;
  sign(payload: string, id: string): Headers;
  /** The `advance` action that ends a subscription now. */
  endNow: string;
};

function assemble(name: ProviderName, sandbox: HelperSandbox, specific: Specific): ProviderSandbox {
  const { emitted, sign, endNow, ...rest } = specific;
  const call = (method: string, path: string, body?: unknown) => ok(sandbox.control, method, path, body);
  const advance = (id: string, action: string) => call("POST", `/${name}/subscriptions/${id}/advance`, { action });
  return {
    name,
    ...rest,
    fault: (spec) => sandbox.fault(spec),
    stop: () => sandbox.stop(),
    clearFaults: async () => void (await call("DELETE", `/${name}/faults`)),
    sessionsFor: async (id) => carrying(((await call("GET", `/${name}/sessions`)) as { sessions: Json[] }).sessions, id),
    pay: async (sessionId) => void (await call("POST", `/${name}/sessions/${sessionId}/complete`, { card: "4242424242424242" })),
    events: async () => (await emitted()).map(([id, type, payload]) => ({ provider: name, id, type, payload, sign: () => sign(payload, id) })),
    advanceClock: async (minutes) => void (await call("POST", "/clock/advance", { minutes })),
    renew: async (id) => void (await advance(id, "renew")),
    cancel: async (id) => void (await advance(id, endNow)),
  };
}

/**
 * Starts the sandbox as `name`, points the adapter and webhook verification at it. Each
 * provider reads its own variables, so several can run side by side in one test file; pass
 * `getProvider(name)` to createCheckout rather than relying on PAYMENTS_PROVIDER.
 */
export async function startProviderSandbox(name: ProviderName): Promise<ProviderSandbox> {
  switch (name) {
    case "stripe": {
      const sandbox = await startStripeSandbox({ webhookUrl: null, webhookSecret: SECRETS.stripe });
      sandbox.configureAdapter();
      process.env.STRIPE_WEBHOOK_SECRET = SECRETS.stripe;
      return assemble(name, sandbox, {
        money: stripeMoneyControls(sandbox),
        createPath: "^/v1/checkout/sessions$",
        sdkRetries: 1, // lib/payments/providers/stripe/client.ts MAX_NETWORK_RETRIES, same Idempotency-Key
        endNow: "cancel",
        emitted: async () =>
          (await ok<{ events: Stripe.Event[] }>(sandbox.control, "GET", "/stripe/events")).events.map((e) => [e.id, e.type, JSON.stringify(e, null, 2)]),
        sign: (payload) => stripeSignedHeaders(payload, SECRETS.stripe),
        refund: async ({ providerPaymentId }) => void (await sandbox.stripe.refunds.create({ payment_intent: providerPaymentId! })),
      });
    }
    case "creem": {
      const sandbox = await startCreemSandbox({ webhookUrl: null, webhookSecret: SECRETS.creem });
      sandbox.configureAdapter();
      return assemble(name, sandbox, {
        money: creemMoneyControls(sandbox),
        createPath: "^/v1/checkouts$",
        sdkRetries: 0, // retryConfig "none": Creem takes no idempotency key
        endNow: "cancel",
        emitted: async () =>
          (await sandbox.events()).map((e) => [e.id, e.eventType, creemEventPayload(e.eventType, e.object, { id: e.id, createdAt: e.created_at })]),
        sign: (payload) => creemSignedHeaders(payload, SECRETS.creem),
        refund: async ({ sessionId }) => void (await ok(sandbox.control, "POST", "/creem/refunds", { checkout_id: sessionId })),
      });
    }
    case "dodo": {
      const sandbox = await startDodoSandbox({ webhookUrl: null, webhookSecret: SECRETS.dodo });
      sandbox.configureAdapter();
      return assemble(name, sandbox, {
        money: dodoMoneyControls(sandbox),
        createPath: "^/checkouts$",
        sdkRetries: 1, // lib/payments/providers/dodo/client.ts MAX_RETRIES, without an idempotency key
        endNow: "cancel",
        emitted: async () => (await sandbox.events()).map((e) => [e.id, e.type, JSON.stringify(e.payload)]),
        sign: (payload, id) => dodoSignedHeaders(payload, SECRETS.dodo, { id }),
        refund: async ({ providerPaymentId }) => void (await ok(sandbox.control, "POST", `/dodo/payments/${providerPaymentId}/refund`, {})),
      });
    }
    case "recur": {
      const sandbox = await startRecurSandbox({ webhookUrl: null, webhookSecret: SECRETS.recur });
      sandbox.configureAdapter();
      return assemble(name, sandbox, {
        money: recurMoneyControls(sandbox),
        createPath: "^/v1/checkout/sessions$",
        sdkRetries: 0, // our fetch client never retries: Recur documents no idempotency key
        endNow: "expire", // Recur's "cancel" ends at the period's end
        emitted: async () => (await sandbox.events()).map((e) => [e.id, e.type, JSON.stringify(e)]),
        sign: (payload) => recurHeaders(payload, SECRETS.recur),
        refund: async ({ providerPaymentId }) => void (await ok(sandbox.control, "POST", `/recur/orders/${providerPaymentId}/refund`, {})),
      });
    }
    case "faststar": {
      const sandbox = await startFaststarSandbox({ webhookUrl: null, webhookSecret: SECRETS.faststar });
      sandbox.configureAdapter({ webhookSecret: SECRETS.faststar });
      return assemble(name, sandbox, {
        money: faststarMoneyControls(sandbox),
        createPath: "^/api/v1/public/checkout/sessions$",
        sdkRetries: 0, // our fetch client never retries; it sends Idempotency-Key
        endNow: "cancel",
        emitted: async () => (await sandbox.events()).map((e) => [e.id, e.type, JSON.stringify(e)]),
        sign: (payload) => faststarSignedHeaders(payload, SECRETS.faststar),
        refund: async ({ providerPaymentId }) => void (await ok(sandbox.control, "POST", `/faststar/payments/${providerPaymentId}/refund`, {})),
      });
    }
  }
}

/** Delivers one event as the provider would: freshly signed, through handleWebhook. */
export function deliverEvent(event: ProviderEvent): Promise<WebhookResult> {
  return handleWebhook(event.provider, event.payload, event.sign());
}

/**
 * For a test file: the demo catalog and all five sandboxes started before its tests and stopped
 * after them. Returns the lookup to use inside tests.
 */
export function withProviderSandboxes(): (name: ProviderName) => ProviderSandbox {
  const sandboxes = new Map<ProviderName, ProviderSandbox>();
  beforeAll(async () => {
    await ensureCatalog();
    for (const name of PROVIDERS) sandboxes.set(name, await startProviderSandbox(name));
  });
  afterAll(async () => {
    for (const sandbox of sandboxes.values()) await sandbox.stop();
  });
  return (name) => {
    const sandbox = sandboxes.get(name);
    if (!sandbox) throw new Error(`the ${name} sandbox is not running (withProviderSandboxes starts them in beforeAll)`);
    return sandbox;
  };
}
