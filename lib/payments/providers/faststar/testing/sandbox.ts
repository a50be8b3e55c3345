// Test-only: runs the local payments sandbox (sandbox/) as FastStar in-process, points the
// adapter at it, and wraps its control API and raw HTTP API. Never imported by app code.
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import type { FaultSpec, LoggedRequest } from "@/sandbox/core/traffic";
import type { Json } from "./events";

export type { Json };
export type SandboxRequest = Omit<LoggedRequest, "body"> & { body: Json | null };

/** A Merchant-of-Record test key (the sandbox's default merchant kind) and a Direct/PSP one. */
export const MOR_KEY = "fs_test_lib_mor";
export const DIRECT_KEY = "fs_test_direct_lib";

export interface FaststarEnvelope<T = Json> {
  success: boolean;
  message: string;
  data: T | null;
}

export interface FaststarSandbox {
  /** The sandbox's FastStar origin (what FASTSTAR_API_URL is set to). */
  url: string;
  handle: SandboxHandle;
  /** Sets PAYMENTS_PROVIDER, FASTSTAR_API_URL / FASTSTAR_API_KEY (and the merchant mode) for the adapter. */
  configureAdapter(options?: { key?: string; mode?: "mor" | "direct"; webhookSecret?: string }): void;
  /** A raw API call, as any HTTP client would make it. */
  api<T = Json>(method: string, path: string, options?: { body?: unknown; key?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: FaststarEnvelope<T>; headers: Headers }>;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  requests(filter?: { method?: string; path?: string }): Promise<SandboxRequest[]>;
  /** The next `count` matching API requests fail and/or wait. */
  fault(spec: FaultSpec): Promise<void>;
  /** Pays an open session without a browser. */
  pay(sessionId: string, card?: string): Promise<{ status: number; body: Json }>;
  events(): Promise<Array<{ id: string; type: string; created: number; data: Json }>>;
  /** The payment.succeeded of a paid session: matched by the session's payment_id, as the documented event names nothing else. */
  paymentEvent(sessionId: string): Promise<{ id: string; type: string; created: number; data: Json } | undefined>;
  /** Waits until every webhook delivery settled (held ones included). */
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaststarSandbox(options: { webhookUrl?: string | null; webhookSecret?: string; retrySchedule?: number[] } = {}): Promise<FaststarSandbox> {
  const handle = await startSandbox({
    port: 0,
    log: false,
    providers: ["faststar"],
    webhookUrls: { faststar: options.webhookUrl ?? null },
    secrets: { faststar: options.webhookSecret ?? "faststar_whsec_lib_unused" },
    retrySchedule: options.retrySchedule ?? [100, 200, 400],
    env: {},
  });
  const url = handle.urls.faststar;

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

  return {
    url,
    handle,
    configureAdapter({ key = MOR_KEY, mode, webhookSecret } = {}) {
      process.env.PAYMENTS_PROVIDER = "faststar";
      process.env.FASTSTAR_API_KEY = key;
      process.env.FASTSTAR_API_URL = url;
      if (mode) process.env.FASTSTAR_MERCHANT_MODE = mode;
      else delete process.env.FASTSTAR_MERCHANT_MODE;
      if (webhookSecret) process.env.FASTSTAR_WEBHOOK_SECRET = webhookSecret;
    },
    async api<T = Json>(method: string, path: string, { body, key = MOR_KEY, headers = {} }: { body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(key ? { "x-api-key": key } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as FaststarEnvelope<T>, headers: response.headers };
    },
    control,
    async requests(filter = {}) {
      const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return (await ok<{ requests: SandboxRequest[] }>("GET", `/faststar/requests?${query}`)).requests;
    },
    async fault(spec) {
      await ok("POST", "/faststar/faults", spec);
    },
    pay: (sessionId, card = "4242424242424242") => control("POST", `/faststar/sessions/${sessionId}/complete`, { card }),
    async events() {
      return (await ok<{ events: Array<{ id: string; type: string; created: number; data: Json }> }>("GET", "/faststar/events")).events;
    },
    async paymentEvent(sessionId) {
      const session = await fetch(`${url}/api/v1/public/checkout/sessions/${sessionId}`, { headers: { "x-api-key": MOR_KEY } });
      const paymentId = ((await session.json()) as FaststarEnvelope<{ session?: { payment_id?: string | null } }>).data?.session?.payment_id ?? null;
      const events = (await ok<{ events: Array<{ id: string; type: string; created: number; data: Json }> }>("GET", "/faststar/events")).events;
      return events.find((event) => event.type === "payment.succeeded" && paymentId && event.data.payment_id === paymentId);
    },
    async settle(timeoutMs = 15_000) {
      await ok("POST", "/faststar/webhooks/wait", { timeoutMs, includeHeld: true });
    },
    stop: () => handle.stop(),
  };
}
