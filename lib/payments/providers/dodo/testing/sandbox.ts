// Test-only: runs the local payments sandbox (sandbox/, the one emulation of Dodo's API)
// in-process for lib tests, points the adapter at it, and wraps its control API. Tests read
// objects through the official SDK and see the exact wire requests in the sandbox's request
// log. Never imported by app code.
import DodoPayments from "dodopayments";
import type { FaultSpec, LoggedRequest } from "@/sandbox/core/traffic";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import type { Json } from "./events";

export type { Json };
export type SandboxRequest = Omit<LoggedRequest, "body"> & { body: Json | null };

export const SANDBOX_API_KEY = "dodo_test_lib_sandbox_key";

export interface DodoSandbox {
  /** The sandbox's Dodo origin (what DODO_PAYMENTS_BASE_URL is set to). */
  url: string;
  handle: SandboxHandle;
  /** The official SDK on the sandbox — the test's own view, like the dashboard. No retries. */
  dodo: DodoPayments;
  /** Sets PAYMENTS_PROVIDER / DODO_PAYMENTS_API_KEY / DODO_PAYMENTS_BASE_URL (and the webhook key, when given). */
  configureAdapter(): void;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  ok<T = Json>(method: string, path: string, body?: unknown): Promise<T>;
  requests(filter?: { method?: string; path?: string }): Promise<SandboxRequest[]>;
  /** The `POST /checkouts` requests received so far. */
  creates(): Promise<(SandboxRequest & { body: Json })[]>;
  fault(spec: FaultSpec): Promise<void>;
  /** Pays an open session without a browser (control API). */
  pay(sessionId: string, card?: string): Promise<{ status: number; body: Json }>;
  /** Every event emitted so far: `{id (webhook-id), type, timestamp, payload}`. */
  events(): Promise<{ id: string; type: string; timestamp: string; payload: Json }[]>;
  /** Waits until nothing is queued or retrying. */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startDodoSandbox(options: { webhookUrl?: string | null; webhookSecret?: string } = {}): Promise<DodoSandbox> {
  const handle = await startSandbox({
    port: 0,
    log: false,
    providers: ["dodo"],
    webhookUrls: { dodo: options.webhookUrl ?? null },
    ...(options.webhookSecret ? { secrets: { dodo: options.webhookSecret } } : {}),
    retrySchedule: [100, 200, 400],
    env: {},
  });
  const url = handle.urls.dodo;
  const dodo = new DodoPayments({ bearerToken: SANDBOX_API_KEY, baseURL: url, maxRetries: 0, logLevel: "off" });

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
    return (await ok<{ requests: SandboxRequest[] }>("GET", `/dodo/requests?${query}`)).requests;
  }

  return {
    url,
    handle,
    dodo,
    configureAdapter() {
      process.env.PAYMENTS_PROVIDER = "dodo";
      process.env.DODO_PAYMENTS_API_KEY = SANDBOX_API_KEY;
      process.env.DODO_PAYMENTS_BASE_URL = url;
      if (options.webhookSecret) process.env.DODO_PAYMENTS_WEBHOOK_KEY = options.webhookSecret;
    },
    control,
    ok,
    requests,
    creates: async () => (await requests({ method: "POST", path: "^/checkouts$" })).map((request) => ({ ...request, body: request.body ?? {} })),
    async fault(spec) {
      await ok("POST", "/dodo/faults", spec);
    },
    pay: (sessionId, card = "4242424242424242") => control<Json>("POST", `/dodo/sessions/${sessionId}/complete`, { card }),
    events: async () => (await ok<{ events: { id: string; type: string; timestamp: string; payload: Json }[] }>("GET", "/dodo/events")).events,
    async settle(timeoutMs = 15_000) {
      await ok("POST", "/dodo/webhooks/wait", { timeoutMs, includeHeld: true });
    },
    stop: () => handle.stop(),
  };
}
