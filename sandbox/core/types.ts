import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "./clock";
import type { Signer, WebhookDispatcher } from "./webhooks";

/** One incoming request, as handed to a provider. */
export interface ProviderRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  path: string;
  /** Raw request body (read once, cached). */
  body(): Promise<string>;
}

/** What the sandbox gives each provider instance. */
export interface ProviderContext {
  readonly name: string;
  readonly clock: Clock;
  readonly webhooks: WebhookDispatcher;
  /** Origin of this provider's own listener, e.g. "http://127.0.0.1:4010". */
  origin(): string;
  /** API key the provider must insist on; undefined = any well-formed test key. */
  readonly apiKey?: string;
  log(line: string): void;
}

export interface ControlResult {
  status?: number;
  body: unknown;
}

export interface ProviderInstance {
  /** Serves the provider's API and hosted pages. Returns false when no route matched. */
  handle(r: ProviderRequest): Promise<boolean>;
  /** Answers an unmatched request in the provider's own error shape. */
  notFound(r: ProviderRequest): void;
  /**
   * Provider-specific control actions: `/_sandbox/<name>/<rest…>`.
   * Returns undefined when nothing matched (→ 404).
   */
  control(method: string, rest: string[], body: Record<string, unknown>): Promise<ControlResult | undefined>;
  /** Called on clock advance and every 250 ms: expire sessions, renew subscriptions … */
  tick(): void;
  /** Forget all state (objects, idempotency keys, events). */
  reset(): void;
  /** Short summary for `GET /_sandbox`. */
  describe(): Record<string, unknown>;
}

/**
 * A provider module: `sandbox/providers/<name>.ts` default-exports one of these, and
 * `sandbox/providers/index.ts` lists it. Nothing else needs to change to add a provider.
 */
export interface ProviderModule {
  /** Path segment and registry key, e.g. "stripe". */
  name: string;
  /** Human label shown on hosted pages, e.g. "Stripe — sandbox". */
  label: string;
  /** Listener port = base port + portOffset (unless the base port is 0 = ephemeral). */
  portOffset: number;
  webhook: {
    /** env var with the endpoint URL, and its default. */
    urlEnv: string;
    defaultUrl: string;
    /** env var with the signing secret, and its default. */
    secretEnv: string;
    defaultSecret: string;
    sign: Signer;
  };
  /** env var that pins the accepted API key (optional). */
  apiKeyEnv?: string;
  /** What counts as an API request (logged, faultable) and the provider's error shape. */
  api: {
    /** True for API paths (e.g. Stripe's `/v1/…`); hosted pages and `/_sandbox` are never API. */
    isApiPath(path: string): boolean;
    /** The body the provider answers an error with, for injected faults (`POST /_sandbox/<name>/faults`). */
    errorBody(status: number, message: string): Record<string, unknown>;
  };
  create(ctx: ProviderContext): ProviderInstance;
}
