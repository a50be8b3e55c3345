/**
 * The local payments sandbox.
 *
 *   node --import tsx sandbox/server.ts          # one listener per provider, base port SANDBOX_PORT (4010)
 *
 * or in-process:
 *
 *   const sb = await startSandbox({ port: 0 });  // 0 = ephemeral ports (tests)
 *   sb.urls.stripe                               // "http://127.0.0.1:54321"
 *   await sb.stop();
 *
 * Each provider gets its own port because stripe-node cannot be given a base path
 * (it always requests `/v1/...` on `host:port`). See sandbox/README.md.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { Clock } from "./core/clock";
import { handleControl, type Runtime, type RuntimeProvider } from "./core/control";
import { HttpError, isLoopback, readBody, sendJson, sendHtml } from "./core/http";
import { esc, page } from "./core/html";
import { ApiTraffic } from "./core/traffic";
import type { ProviderRequest } from "./core/types";
import { DEFAULT_RETRY_SCHEDULE, WebhookDispatcher, defaultSettings } from "./core/webhooks";
import { providers as registry } from "./providers/index";

export const DEFAULT_PORT = 4010;

export interface SandboxOptions {
  /** Base port; provider N listens on port + its portOffset. 0 = an ephemeral port each. Default SANDBOX_PORT or 4010. */
  port?: number;
  /** Bind address. Default SANDBOX_HOST or 127.0.0.1 (the control API only answers loopback clients anyway). */
  host?: string;
  /** Webhook endpoint per provider (null disables delivery). Default: env (e.g. SANDBOX_STRIPE_WEBHOOK_URL) or the app's route. */
  webhookUrls?: Partial<Record<string, string | null>>;
  /** Webhook signing secret per provider. Default: env (e.g. STRIPE_WEBHOOK_SECRET) or a fixed sandbox secret. */
  secrets?: Partial<Record<string, string>>;
  /** Pin the accepted API key per provider. Default: env (e.g. SANDBOX_STRIPE_API_KEY) or any test-mode key. */
  apiKeys?: Partial<Record<string, string>>;
  /** Delays (ms) before retry 1, 2, …. Default SANDBOX_RETRY_SCHEDULE or 500,1000,2000,4000,8000. */
  retrySchedule?: number[];
  /** Only start these providers. Default: all registered. */
  providers?: string[];
  /** Where defaults are read from. Default process.env. */
  env?: Record<string, string | undefined>;
  /** Log sink; false silences. Default console.log. */
  log?: ((line: string) => void) | false;
}

export interface SandboxHandle {
  /** Base URL of each provider's listener, e.g. { stripe: "http://127.0.0.1:4010" }. */
  urls: Record<string, string>;
  /** Control API base, e.g. "http://127.0.0.1:4010/_sandbox" (served on every provider port). */
  controlUrl: string;
  runtime: Runtime;
  stop(): Promise<void>;
}

function parseSchedule(text: string | undefined): number[] | undefined {
  if (!text) return undefined;
  const xs = text.split(",").map((s) => Number(s.trim()));
  if (xs.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`SANDBOX_RETRY_SCHEDULE must be comma-separated milliseconds, got "${text}"`);
  return xs;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const env = options.env ?? process.env;
  const log = options.log === false ? () => {} : (options.log ?? ((line: string) => console.log(line)));
  const basePort = options.port ?? (env.SANDBOX_PORT !== undefined && env.SANDBOX_PORT !== "" ? Number(env.SANDBOX_PORT) : DEFAULT_PORT);
  if (!Number.isInteger(basePort) || basePort < 0 || basePort > 65535) throw new Error(`invalid port ${basePort}`);
  const host = options.host ?? env.SANDBOX_HOST ?? "127.0.0.1";
  const retrySchedule = options.retrySchedule ?? parseSchedule(env.SANDBOX_RETRY_SCHEDULE) ?? DEFAULT_RETRY_SCHEDULE;
  const selected = registry.filter((m) => !options.providers || options.providers.includes(m.name));
  if (options.providers) {
    for (const name of options.providers) if (!registry.some((m) => m.name === name)) throw new Error(`unknown provider "${name}"`);
  }

  const clock = new Clock();
  const runtime: Runtime = { clock, providers: new Map() };
  const servers: http.Server[] = [];
  const dispatchers: WebhookDispatcher[] = [];
  const traffics: ApiTraffic[] = [];

  try {
    for (const providerModule of selected) {
      const webhookUrl =
        options.webhookUrls && providerModule.name in options.webhookUrls
          ? (options.webhookUrls[providerModule.name] ?? null)
          : (env[providerModule.webhook.urlEnv] ?? providerModule.webhook.defaultUrl);
      const secret = options.secrets?.[providerModule.name] ?? env[providerModule.webhook.secretEnv] ?? providerModule.webhook.defaultSecret;
      const apiKey = options.apiKeys?.[providerModule.name] ?? (providerModule.apiKeyEnv ? env[providerModule.apiKeyEnv] : undefined) ?? undefined;
      const webhooks = new WebhookDispatcher(providerModule.name, providerModule.webhook.sign, defaultSettings(webhookUrl || null, secret, retrySchedule), log);
      dispatchers.push(webhooks);
      let origin = "";
      const instance = providerModule.create({
        name: providerModule.name,
        clock,
        webhooks,
        origin: () => origin,
        apiKey: apiKey || undefined,
        log,
      });
      const traffic = new ApiTraffic();
      traffics.push(traffic);
      const rp: RuntimeProvider = { module: providerModule, instance, webhooks, traffic, url: "" };
      const server = http.createServer((req, res) => void onRequest(runtime, rp, req, res, log));
      server.keepAliveTimeout = 5_000;
      servers.push(server);
      const port = basePort === 0 ? 0 : basePort + providerModule.portOffset;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const addr = server.address() as AddressInfo;
      const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
      origin = `http://${shownHost}:${addr.port}`;
      rp.url = origin;
      runtime.providers.set(providerModule.name, rp);
    }
  } catch (err) {
    for (const s of servers) s.close();
    for (const d of dispatchers) d.close();
    throw err;
  }

  const tickAll = () => {
    for (const p of runtime.providers.values()) {
      try {
        p.instance.tick();
      } catch (err) {
        log(`[${p.module.name}] tick failed: ${err instanceof Error ? err.stack : String(err)}`);
      }
    }
  };
  const unsubscribe = clock.onAdvance(tickAll);
  const interval = setInterval(tickAll, 250);
  interval.unref();

  const urls = Object.fromEntries([...runtime.providers].map(([name, p]) => [name, p.url]));
  const first = [...runtime.providers.values()][0];
  let stopped = false;
  return {
    urls,
    controlUrl: first ? `${first.url}/_sandbox` : "",
    runtime,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(interval);
      unsubscribe();
      for (const d of dispatchers) d.close();
      for (const t of traffics) t.close();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

async function onRequest(rt: Runtime, rp: RuntimeProvider, req: http.IncomingMessage, res: http.ServerResponse, log: (line: string) => void): Promise<void> {
  const url = new URL(req.url ?? "/", "http://sandbox.invalid");
  const method = (req.method ?? "GET").toUpperCase();
  let bodyPromise: Promise<string> | undefined;
  const r: ProviderRequest = { req, res, url, method, path: url.pathname, body: () => (bodyPromise ??= readBody(req)) };
  try {
    if (url.pathname === "/_sandbox" || url.pathname.startsWith("/_sandbox/")) {
      if (!isLoopback(req.socket.remoteAddress)) throw new HttpError(403, { error: "the control API only answers loopback clients" });
      let body: Record<string, unknown> = {};
      if (method !== "GET" && method !== "HEAD") {
        const text = await r.body();
        if (text.trim()) {
          try {
            const parsed: unknown = JSON.parse(text);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
            body = parsed as Record<string, unknown>;
          } catch {
            throw new HttpError(400, { error: "control API bodies are JSON objects" });
          }
        }
      }
      const segments = url.pathname.split("/").slice(2).filter(Boolean).map(decodeURIComponent);
      const result = await handleControl(rt, method, segments, body, url.searchParams);
      sendJson(res, result.status ?? 200, result.body);
      return;
    }
    if (url.pathname === "/" && method === "GET") {
      sendHtml(
        res,
        200,
        page({
          label: rp.module.label,
          title: "Payments sandbox",
          body: `<div class="card"><h1>${esc(rp.module.label)}</h1><p>This port emulates the ${esc(rp.module.name)} API for local development and tests.</p><p class="muted">Control API: <code>/_sandbox</code> · see sandbox/README.md</p></div>`,
        }),
      );
      return;
    }
    if (rp.module.api.isApiPath(url.pathname)) {
      const answered = await applyTraffic(rp, r);
      if (answered) return;
    }
    const handled = await rp.instance.handle(r);
    if (!handled) rp.instance.notFound(r);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof HttpError) {
      sendJson(res, err.status, err.body, err.headers);
      return;
    }
    log(`[${rp.module.name}] ${method} ${url.pathname} failed: ${err instanceof Error ? err.stack : String(err)}`);
    sendJson(res, 500, { error: { type: "api_error", message: "The sandbox hit an internal error; see its log." } });
  }
}

/**
 * Logs an API request and applies the first matching injected fault: waits `delayMs`, then
 * answers `status` in the provider's error shape. Returns true when the request is answered
 * (or dropped because the sandbox stopped) and must not reach the provider.
 * A delay without a status hands the request on afterwards — even if the client gave up
 * meanwhile, as with a real API that processed a request whose answer was lost.
 */
async function applyTraffic(rp: RuntimeProvider, r: ProviderRequest): Promise<boolean> {
  const started = Date.now();
  const entry = rp.traffic.record({ method: r.method, path: r.path, search: r.url.search.slice(1), headers: r.req.headers, rawBody: await r.body() });
  r.res.once("finish", () => {
    entry.status = r.res.statusCode;
    entry.durationMs = Date.now() - started;
  });
  const fault = rp.traffic.take(r.method, r.path);
  if (!fault) return false;
  entry.faultId = fault.id;
  if (fault.delayMs > 0 && !(await rp.traffic.delay(fault.delayMs))) {
    r.res.destroy();
    return true;
  }
  if (fault.status === null) return false;
  const message = `Injected fault ${fault.id}: the sandbox answered ${fault.status} to ${r.method} ${r.path} as told by POST /_sandbox/${rp.module.name}/faults.`;
  if (!r.res.destroyed) sendJson(r.res, fault.status, fault.body ?? rp.module.api.errorBody(fault.status, message), { "Sandbox-Fault": String(fault.id), ...fault.headers });
  return true;
}

async function main(): Promise<void> {
  const sb = await startSandbox();
  for (const [name, p] of sb.runtime.providers) {
    console.log(`sandbox ${name.padEnd(8)} ${p.url}  (webhooks → ${p.webhooks.settings.url ?? "disabled"}; control ${p.url}/_sandbox)`);
  }
  const shutdown = () => {
    void sb.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main().catch((err: unknown) => {
    console.error(`sandbox failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
