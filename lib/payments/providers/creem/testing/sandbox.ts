// Test-only: runs the local payments sandbox (sandbox/, the one emulation of Creem's API)
// in-process for lib tests, points the adapter at it, and wraps its control API. Tests read
// real objects through the official SDK and see the exact wire requests in the sandbox's
// request log. Never imported by app code.
import { Creem } from "creem";
import type { FaultSpec, LoggedRequest } from "@/sandbox/core/traffic";
import { startSandbox, type SandboxHandle } from "@/sandbox/server";

export type Json = Record<string, unknown>;
export type SandboxRequest = Omit<LoggedRequest, "body"> & { body: Json | null };

export const SANDBOX_API_KEY = "creem_test_lib_sandbox";

export interface CreemEventRecord {
  id: string;
  eventType: string;
  created_at: number;
  object: Json;
}

export interface CreemSandbox {
  /** The sandbox's Creem origin (what CREEM_API_URL is set to). */
  url: string;
  handle: SandboxHandle;
  /** The official SDK on the sandbox: the test's own view, like the dashboard. */
  creem: Creem;
  /** Sets PAYMENTS_PROVIDER, CREEM_API_KEY, CREEM_API_URL (and CREEM_WEBHOOK_SECRET when given). */
  configureAdapter(): void;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  requests(filter?: { method?: string; path?: string }): Promise<SandboxRequest[]>;
  fault(spec: FaultSpec): Promise<void>;
  /** Pays a pending checkout without a browser → the signed redirect URL (null without success_url). */
  pay(checkoutId: string, card?: string): Promise<{ status: number; redirectUrl: string | null; body: Json }>;
  events(): Promise<CreemEventRecord[]>;
  /** The newest event of `type` whose object (or its checkout) has id `objectId`. */
  event(type: string, objectId: string): Promise<CreemEventRecord>;
  waitForDeliveries(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCreemSandbox(options: { webhookUrl?: string | null; webhookSecret?: string; retrySchedule?: number[] } = {}): Promise<CreemSandbox> {
  const secret = options.webhookSecret ?? "whsec_lib_creem_unused";
  const handle = await startSandbox({
    port: 0,
    log: false,
    providers: ["creem"],
    webhookUrls: { creem: options.webhookUrl ?? null },
    secrets: { creem: secret },
    retrySchedule: options.retrySchedule ?? [100, 200, 400],
    env: {},
  });
  const url = handle.urls.creem;
  const creem = new Creem({ apiKey: SANDBOX_API_KEY, serverURL: url, retryConfig: { strategy: "none" } });

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
  const events = async () => (await ok<{ events: CreemEventRecord[] }>("GET", "/creem/events")).events;

  return {
    url,
    handle,
    creem,
    configureAdapter() {
      process.env.PAYMENTS_PROVIDER = "creem";
      process.env.CREEM_API_KEY = SANDBOX_API_KEY;
      process.env.CREEM_API_URL = url;
      if (options.webhookSecret) process.env.CREEM_WEBHOOK_SECRET = options.webhookSecret;
    },
    control,
    async requests(filter = {}) {
      const query = new URLSearchParams(Object.entries(filter).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return (await ok<{ requests: SandboxRequest[] }>("GET", `/creem/requests?${query}`)).requests;
    },
    async fault(spec) {
      await ok("POST", "/creem/faults", spec);
    },
    async pay(checkoutId, card = "4242424242424242") {
      const result = await control<Json>("POST", `/creem/sessions/${checkoutId}/complete`, { card });
      return { status: result.status, redirectUrl: (result.body.redirectUrl as string | null | undefined) ?? null, body: result.body };
    },
    events,
    async event(type, objectId) {
      const all = await events();
      const found = all
        .filter((e) => e.eventType === type && (e.object.id === objectId || (e.object.checkout as Json | undefined)?.id === objectId))
        .at(-1);
      if (!found) throw new Error(`the sandbox emitted no ${type} for ${objectId} (events: ${all.map((e) => e.eventType).join(", ")})`);
      return found;
    },
    async waitForDeliveries() {
      const { status } = await control("POST", "/creem/webhooks/wait", { timeoutMs: 15_000, includeHeld: true });
      if (status !== 200) throw new Error("creem webhook deliveries did not settle");
    },
    stop: () => handle.stop(),
  };
}
