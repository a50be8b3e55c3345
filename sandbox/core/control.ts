/**
 * The control API, `/_sandbox/…` (JSON in, JSON out), served on every provider port and
 * only to loopback clients. Generic routes live here; `/_sandbox/<provider>/<rest>` falls
 * through to the provider's own `control()`.
 */
import type { Clock } from "./clock";
import { HttpError } from "./http";
import { parseFaultSpec, type ApiTraffic } from "./traffic";
import type { ControlResult, ProviderInstance, ProviderModule } from "./types";
import type { SettingsPatch, WebhookDispatcher } from "./webhooks";

export interface RuntimeProvider {
  module: ProviderModule;
  instance: ProviderInstance;
  webhooks: WebhookDispatcher;
  /** API request log and fault injection. */
  traffic: ApiTraffic;
  url: string;
}

export interface Runtime {
  clock: Clock;
  providers: Map<string, RuntimeProvider>;
}

const SETTING_KEYS = [
  "url",
  "secret",
  "delayMs",
  "duplicate",
  "reorder",
  "reorderWindowMs",
  "failNextDeliveries",
  "paused",
  "retrySchedule",
  "timeoutMs",
] as const;

function pickSettings(body: Record<string, unknown>, allowed: readonly string[]): SettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new HttpError(400, { error: `unknown setting "${k}"; allowed: ${allowed.join(", ")}` });
    patch[k] = body[k];
  }
  return patch as SettingsPatch;
}

function configure(p: RuntimeProvider, patch: SettingsPatch): ControlResult {
  try {
    return { body: p.webhooks.configure(patch) };
  } catch (err) {
    throw new HttpError(400, { error: err instanceof Error ? err.message : String(err) });
  }
}

function advanceMs(body: Record<string, unknown>): number {
  const units: Record<string, number> = { ms: 1, seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };
  let total = 0;
  let given = false;
  for (const [k, factor] of Object.entries(units)) {
    if (body[k] === undefined) continue;
    const n = Number(body[k]);
    if (!Number.isFinite(n) || n < 0) throw new HttpError(400, { error: `${k} must be a non-negative number` });
    total += n * factor;
    given = true;
  }
  if (!given) throw new HttpError(400, { error: "give one of ms, seconds, minutes, hours, days" });
  return Math.round(total);
}

function resetProvider(p: RuntimeProvider): void {
  p.instance.reset();
  p.webhooks.reset();
  p.traffic.reset();
}

export function resetAll(rt: Runtime): void {
  rt.clock.reset();
  for (const p of rt.providers.values()) resetProvider(p);
}

function sinceParam(query: URLSearchParams): number | undefined {
  const raw = query.get("since");
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new HttpError(400, { error: "since must be a non-negative integer (a request seq)" });
  return n;
}

export async function handleControl(
  rt: Runtime,
  method: string,
  segments: string[],
  body: Record<string, unknown>,
  query: URLSearchParams = new URLSearchParams(),
): Promise<ControlResult> {
  const [first, ...rest] = segments;
  const route = `${method} ${segments.join("/")}`;

  if (first === undefined) {
    if (method !== "GET") throw new HttpError(405, { error: "GET only" });
    return {
      body: {
        clock: { now: rt.clock.now(), offsetMs: rt.clock.offset },
        providers: Object.fromEntries(
          [...rt.providers].map(([name, p]) => [
            name,
            { url: p.url, webhook: { url: p.webhooks.settings.url }, ...p.instance.describe() },
          ]),
        ),
      },
    };
  }
  if (route === "POST reset") {
    const only = typeof body.provider === "string" ? body.provider : undefined;
    if (only) {
      const p = rt.providers.get(only);
      if (!p) throw new HttpError(404, { error: `unknown provider ${only}` });
      resetProvider(p);
    } else resetAll(rt);
    return { body: { ok: true } };
  }
  if (route === "GET clock") return { body: { now: rt.clock.now(), nowSeconds: rt.clock.nowSeconds(), offsetMs: rt.clock.offset } };
  if (route === "POST clock/advance") {
    rt.clock.advance(advanceMs(body)); // listeners run every provider's tick()
    return { body: { now: rt.clock.now(), nowSeconds: rt.clock.nowSeconds(), offsetMs: rt.clock.offset } };
  }

  const p = rt.providers.get(first);
  if (!p) throw new HttpError(404, { error: `no control route ${method} /_sandbox/${segments.join("/")}` });
  const sub = `${method} ${rest.join("/")}`;
  switch (sub) {
    case "POST reset":
      resetProvider(p);
      return { body: { ok: true } };
    case "POST faults":
      return { status: 201, body: { fault: p.traffic.addFault(parseFaultSpec(body)), faults: p.traffic.listFaults() } };
    case "GET faults":
      return { body: { faults: p.traffic.listFaults() } };
    case "DELETE faults":
      return { body: { cleared: p.traffic.clearFaults() } };
    case "GET requests": {
      const requests = p.traffic.requests({ method: query.get("method") ?? undefined, path: query.get("path") ?? undefined, since: sinceParam(query) });
      return { body: { requests } };
    }
    case "DELETE requests":
      return { body: { cleared: p.traffic.clearRequests() } };
    case "GET webhooks/settings":
      return { body: p.webhooks.snapshotSettings() };
    case "POST webhooks/endpoint":
    case "PUT webhooks/endpoint":
      return configure(p, pickSettings(body, ["url", "secret"]));
    case "POST webhooks/behaviour":
    case "PUT webhooks/behaviour":
      return configure(p, pickSettings(body, SETTING_KEYS));
    case "POST webhooks/pause":
      return configure(p, { paused: true });
    case "POST webhooks/resume":
      return configure(p, { paused: false });
    case "POST webhooks/flush":
      return { body: { released: p.webhooks.flush() } };
    case "GET webhooks/deliveries":
      return { body: { deliveries: p.webhooks.list(), idle: p.webhooks.isIdle() } };
    case "POST webhooks/wait": {
      const timeoutMs = body.timeoutMs === undefined ? 10_000 : Number(body.timeoutMs);
      const idle = await p.webhooks.waitIdle(timeoutMs, body.includeHeld === true);
      return { status: idle ? 200 : 408, body: { idle, deliveries: p.webhooks.list() } };
    }
  }
  const result = await p.instance.control(method, rest, body);
  if (!result) throw new HttpError(404, { error: `no control route ${method} /_sandbox/${segments.join("/")}` });
  return result;
}
