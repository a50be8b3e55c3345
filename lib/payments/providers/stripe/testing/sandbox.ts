// Test-only: runs the local payments sandbox (sandbox/, the single emulation of Stripe's API)
// in-process for lib tests, points the adapter at it, and wraps its control API. Tests read
// real objects through the official SDK and see the exact wire requests through the sandbox's
// request log. Never imported by app code.
import Stripe from "stripe";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import type { FaultSpec, LoggedRequest } from "@/sandbox/core/traffic";
import type { Json } from "./events";

export type { Json };
/** An API request as the sandbox received it (`GET /_sandbox/stripe/requests`); body null when it had none. */
export type SandboxRequest = Omit<LoggedRequest, "body"> & { body: Json | null };
export type CreateRequest = SandboxRequest & { body: Json };

export const SANDBOX_SECRET_KEY = "sk_test_lib_sandbox";

export interface StripeSandbox {
  /** The sandbox's Stripe origin, e.g. http://127.0.0.1:54321 (what STRIPE_API_URL is set to). */
  url: string;
  handle: SandboxHandle;
  /** The official SDK on the sandbox — the test's own view, like the Dashboard. No retries. */
  stripe: Stripe;
  /** Sets STRIPE_API_URL / STRIPE_SECRET_KEY (and PAYMENTS_PROVIDER) for the adapter. */
  configureAdapter(): void;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  requests(filter?: { method?: string; path?: string }): Promise<SandboxRequest[]>;
  /** The `POST /v1/checkout/sessions` requests received so far (faulted ones included). */
  creates(): Promise<CreateRequest[]>;
  /** The next `count` matching API requests fail and/or wait (`POST /_sandbox/stripe/faults`). */
  fault(spec: FaultSpec): Promise<void>;
  /** Pays an open session without a browser; returns the session as the API shows it. */
  pay(sessionId: string, card?: string): Promise<Stripe.Checkout.Session>;
  expire(sessionId: string): Promise<Stripe.Checkout.Session>;
  /** The newest event of `type` whose data.object is `objectId`, exactly as emitted. */
  event(type: string, objectId: string): Promise<Stripe.Event>;
  stop(): Promise<void>;
}

export async function startStripeSandbox(options: { webhookUrl?: string | null; webhookSecret?: string } = {}): Promise<StripeSandbox> {
  const handle = await startSandbox({
    port: 0,
    log: false,
    providers: ["stripe"],
    webhookUrls: { stripe: options.webhookUrl ?? null },
    secrets: { stripe: options.webhookSecret ?? "whsec_lib_sandbox_unused" },
    retrySchedule: [100, 200, 400],
    env: {},
  });
  const url = handle.urls.stripe;
  const stripe = new Stripe(SANDBOX_SECRET_KEY, { host: "127.0.0.1", port: Number(new URL(url).port), protocol: "http", maxNetworkRetries: 0, telemetry: false });

  async function control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${url}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }
  async function ok<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await control<T>(method, path, body);
    if (result.status >= 300) throw new Error(`sandbox ${method} ${path} → ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  }
  async function requests(filter: { method?: string; path?: string } = {}): Promise<SandboxRequest[]> {
    const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
    return (await ok<{ requests: SandboxRequest[] }>("GET", `/stripe/requests?${query}`)).requests;
  }

  return {
    url,
    handle,
    stripe,
    configureAdapter() {
      process.env.PAYMENTS_PROVIDER = "stripe";
      process.env.STRIPE_SECRET_KEY = SANDBOX_SECRET_KEY;
      process.env.STRIPE_API_URL = url;
    },
    control,
    requests,
    creates: async () => (await requests({ method: "POST", path: "^/v1/checkout/sessions$" })).map((request) => ({ ...request, body: request.body ?? {} })),
    async fault(spec) {
      await ok("POST", "/stripe/faults", spec);
    },
    async pay(sessionId, card = "4242424242424242") {
      await ok("POST", `/stripe/sessions/${sessionId}/complete`, { card });
      return stripe.checkout.sessions.retrieve(sessionId);
    },
    async expire(sessionId) {
      await ok("POST", `/stripe/sessions/${sessionId}/expire`);
      return stripe.checkout.sessions.retrieve(sessionId);
    },
    async event(type, objectId) {
      const { events } = await ok<{ events: Stripe.Event[] }>("GET", "/stripe/events");
      const found = events.filter((event) => event.type === type && (event.data.object as { id?: string }).id === objectId).at(-1);
      if (!found) throw new Error(`the sandbox emitted no ${type} for ${objectId} (events: ${events.map((e) => e.type).join(", ")})`);
      return found;
    },
    stop: () => handle.stop(),
  };
}
