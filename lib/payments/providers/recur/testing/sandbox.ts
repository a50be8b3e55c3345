// Test-only: runs the local payments sandbox (sandbox/, the one emulation of Recur's API)
// in-process for lib tests, points the adapter at it, wraps its control API, and signs Recur
// webhook deliveries by the documented scheme. Never imported by app code.
import { createHmac } from "node:crypto";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";
import type { FaultSpec, LoggedRequest } from "@/sandbox/core/traffic";

export type Json = Record<string, unknown>;

export const RECUR_SANDBOX_KEY = "sk_test_recur_lib_sandbox";

export interface RecurSandbox {
  /** The sandbox's Recur origin (what RECUR_API_URL is set to). */
  url: string;
  handle: SandboxHandle;
  /** Sets PAYMENTS_PROVIDER / RECUR_SECRET_KEY / RECUR_API_URL (and the webhook secret) for the adapter. */
  configureAdapter(): void;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  ok<T = Json>(method: string, path: string, body?: unknown): Promise<T>;
  /** API requests as the sandbox received them. */
  requests(filter?: { method?: string; path?: string }): Promise<LoggedRequest[]>;
  fault(spec: FaultSpec): Promise<void>;
  /** Pays an open session without a browser (`POST /_sandbox/recur/sessions/:id/complete`). */
  pay(sessionId: string, card?: string): Promise<{ status: number; body: { outcome: string; redirectUrl?: string; session: Json } }>;
  /** Every event the sandbox emitted, exactly as sent. */
  events(): Promise<Array<{ id: string; type: string; timestamp: string; data: Json }>>;
  /** Waits until no delivery is queued, in flight or awaiting a retry. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRecurSandbox(options: { webhookUrl?: string | null; webhookSecret?: string } = {}): Promise<RecurSandbox> {
  const secret = options.webhookSecret ?? "whsec_recur_lib_unused";
  const handle = await startSandbox({
    port: 0,
    log: false,
    providers: ["recur"],
    webhookUrls: { recur: options.webhookUrl ?? null },
    secrets: { recur: secret },
    retrySchedule: [100, 200, 400],
    env: {},
  });
  const url = handle.urls.recur;

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
    configureAdapter() {
      process.env.PAYMENTS_PROVIDER = "recur";
      process.env.RECUR_SECRET_KEY = RECUR_SANDBOX_KEY;
      process.env.RECUR_API_URL = url;
      process.env.RECUR_WEBHOOK_SECRET = secret;
    },
    control,
    ok,
    async requests(filter = {}) {
      const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return (await ok<{ requests: LoggedRequest[] }>("GET", `/recur/requests?${query}`)).requests;
    },
    async fault(spec) {
      await ok("POST", "/recur/faults", spec);
    },
    pay: (sessionId, card = "4242424242424242") => control("POST", `/recur/sessions/${sessionId}/complete`, { card }),
    async events() {
      return (await ok<{ events: Array<{ id: string; type: string; timestamp: string; data: Json }> }>("GET", "/recur/events")).events;
    },
    async settle() {
      const { status } = await control("POST", "/recur/webhooks/wait", { timeoutMs: 15_000, includeHeld: true });
      if (status !== 200) throw new Error("recur webhook deliveries did not settle");
    },
    stop: () => handle.stop(),
  };
}

/** The documented scheme, computed independently of the adapter: base64 HMAC-SHA256 of the raw body keyed by the whsec_ text. */
export function signRecur(rawBody: string, secret: string, encoding: "base64" | "hex" = "base64"): string {
  return createHmac("sha256", secret).update(rawBody, "utf8").digest(encoding);
}

/** Delivery headers as Recur sends them, for `rawBody`. */
export function recurHeaders(rawBody: string, secret: string, extra: Record<string, string> = {}): Headers {
  const parsed = JSON.parse(rawBody) as { id?: string; type?: string };
  return new Headers({
    "content-type": "application/json",
    "x-recur-signature": signRecur(rawBody, secret),
    "x-recur-event-id": parsed.id ?? "",
    "x-recur-event-type": parsed.type ?? "",
    "x-recur-timestamp": String(Date.now()),
    ...extra,
  });
}

let sequence = 0;
/** A Recur envelope around `data`, as the exact JSON text to sign. */
export function recurEventPayload(type: string, data: Json, options: { id?: string; timestamp?: string } = {}): string {
  sequence += 1;
  return JSON.stringify({
    id: options.id ?? `evt_test_${Date.now().toString(36)}_${sequence}`,
    type,
    timestamp: options.timestamp ?? new Date().toISOString(),
    data,
  });
}
