/**
 * Provider-neutral webhook delivery: one dispatcher per provider. The provider builds the
 * event body (its own envelope) and a signer; the dispatcher owns everything about
 * delivery — endpoint, retries with a compressed exponential schedule, and the test
 * behaviours of the control API (delay, duplicate, reorder, pause/flush, simulated
 * failures) — and keeps a log of every delivery and attempt.
 *
 * Ordering: first attempts go out one at a time, in release order, so a test can rely on
 * the order it asked for (`reorder`). Retries run on their own timers, like the real
 * providers', so a retried event can overtake later ones.
 */
import http from "node:http";
import https from "node:https";

export interface SignInput {
  body: string;
  eventId: string;
  /** Unix seconds, real time. */
  timestamp: number;
  secret: string;
}
export type Signer = (input: SignInput) => Record<string, string>;

export type ReorderMode = "reverse" | "shuffle";

export interface DeliverySettings {
  url: string | null;
  secret: string;
  /** ms to wait before the first attempt of each new event. */
  delayMs: number;
  /** extra copies of each new event (same id, same body, each signed afresh). */
  duplicate: number;
  /** hold new events for `reorderWindowMs` (or until flush) and release them in this order. */
  reorder: ReorderMode | null;
  reorderWindowMs: number;
  /** the next N attempts are dropped by the sandbox (not sent) and count as failures. */
  failNextDeliveries: number;
  /** hold all new events until flush/resume. */
  paused: boolean;
  /** delays (ms) before attempt 2, 3, …; attempts = 1 + length. */
  retrySchedule: number[];
  timeoutMs: number;
}

export type SettingsPatch = Partial<Omit<DeliverySettings, "secret" | "url">> & { url?: string | null; secret?: string };

export interface AttemptRecord {
  attempt: number;
  at: string;
  url: string | null;
  status: number | null;
  error: string | null;
  simulatedFailure: boolean;
  durationMs: number;
  responseBody: string | null;
}

export type DeliveryState = "held" | "queued" | "in_flight" | "retry_scheduled" | "delivered" | "failed" | "skipped";

export interface DeliveryRecord {
  id: string;
  eventId: string;
  type: string;
  /** 0 for the original, 1…N for duplicates. */
  copy: number;
  state: DeliveryState;
  attempts: AttemptRecord[];
  nextAttemptAt: string | null;
  createdAt: string;
}

interface Delivery extends DeliveryRecord {
  body: string;
}

export const DEFAULT_RETRY_SCHEDULE = [500, 1000, 2000, 4000, 8000];

export function defaultSettings(url: string | null, secret: string, retrySchedule = DEFAULT_RETRY_SCHEDULE): DeliverySettings {
  return {
    url,
    secret,
    delayMs: 0,
    duplicate: 0,
    reorder: null,
    reorderWindowMs: 250,
    failNextDeliveries: 0,
    paused: false,
    retrySchedule: [...retrySchedule],
    timeoutMs: 10_000,
  };
}

export class WebhookDispatcher {
  settings: DeliverySettings;
  private readonly initial: DeliverySettings;
  private deliveries: Delivery[] = [];
  private held: Delivery[] = [];
  private queue: Delivery[] = [];
  private draining = false;
  private timers = new Set<NodeJS.Timeout>();
  private reorderTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  private closed = false;
  private inFlight = 0;

  constructor(
    readonly provider: string,
    private readonly sign: Signer,
    settings: DeliverySettings,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.settings = { ...settings, retrySchedule: [...settings.retrySchedule] };
    this.initial = { ...settings, retrySchedule: [...settings.retrySchedule] };
  }

  configure(patch: SettingsPatch): DeliverySettings {
    const s = this.settings;
    if (patch.url !== undefined) s.url = patch.url || null;
    if (patch.secret !== undefined) s.secret = patch.secret;
    if (patch.delayMs !== undefined) s.delayMs = nonNegative(patch.delayMs, "delayMs");
    if (patch.duplicate !== undefined) s.duplicate = nonNegative(patch.duplicate, "duplicate");
    if (patch.reorderWindowMs !== undefined) s.reorderWindowMs = nonNegative(patch.reorderWindowMs, "reorderWindowMs");
    if (patch.failNextDeliveries !== undefined) s.failNextDeliveries = nonNegative(patch.failNextDeliveries, "failNextDeliveries");
    if (patch.timeoutMs !== undefined) s.timeoutMs = nonNegative(patch.timeoutMs, "timeoutMs");
    if (patch.retrySchedule !== undefined) {
      if (!Array.isArray(patch.retrySchedule)) throw new Error("retrySchedule must be an array of milliseconds");
      s.retrySchedule = patch.retrySchedule.map((n) => nonNegative(n, "retrySchedule[]"));
    }
    if (patch.reorder !== undefined) {
      if (patch.reorder !== null && patch.reorder !== "reverse" && patch.reorder !== "shuffle") {
        throw new Error('reorder must be "reverse", "shuffle" or null');
      }
      s.reorder = patch.reorder;
      if (!s.reorder && !s.paused) this.flush();
    }
    if (patch.paused !== undefined) {
      s.paused = Boolean(patch.paused);
      if (!s.paused) this.flush();
    }
    return this.snapshotSettings();
  }

  snapshotSettings(): DeliverySettings {
    return { ...this.settings, retrySchedule: [...this.settings.retrySchedule] };
  }

  /** Queues one event for delivery (plus duplicates). `body` is the exact raw JSON sent. */
  enqueue(event: { id: string; type: string; body: string }): DeliveryRecord[] {
    const copies = 1 + this.settings.duplicate;
    const created: Delivery[] = [];
    for (let copy = 0; copy < copies; copy++) {
      const d: Delivery = {
        id: `dlv_${++this.seq}`,
        eventId: event.id,
        type: event.type,
        copy,
        state: "held",
        attempts: [],
        nextAttemptAt: null,
        createdAt: new Date().toISOString(),
        body: event.body,
      };
      this.deliveries.push(d);
      created.push(d);
    }
    if (this.settings.paused || this.settings.reorder) {
      this.held.push(...created);
      if (!this.settings.paused && this.settings.reorder && !this.reorderTimer) {
        this.reorderTimer = this.timer(this.settings.reorderWindowMs, () => {
          this.reorderTimer = null;
          if (!this.settings.paused) this.flush();
        });
      }
    } else {
      this.release(created);
    }
    return created.map(publicRecord);
  }

  /** Releases held deliveries now (in the configured reorder order). Stays paused if paused. */
  flush(): number {
    if (this.reorderTimer) {
      clearTimeout(this.reorderTimer);
      this.timers.delete(this.reorderTimer);
      this.reorderTimer = null;
    }
    const batch = this.held;
    this.held = [];
    if (this.settings.reorder === "reverse") batch.reverse();
    else if (this.settings.reorder === "shuffle") shuffle(batch);
    this.release(batch);
    return batch.length;
  }

  list(): DeliveryRecord[] {
    return this.deliveries.map(publicRecord);
  }

  /** True when nothing is queued, in flight or waiting for a retry (held ones count only if asked). */
  isIdle(includeHeld = false): boolean {
    if (this.inFlight > 0 || this.queue.length > 0) return false;
    if (includeHeld && this.held.length > 0) return false;
    return !this.deliveries.some((d) => d.state === "queued" || d.state === "in_flight" || d.state === "retry_scheduled");
  }

  async waitIdle(timeoutMs = 10_000, includeHeld = false): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.isIdle(includeHeld)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 15));
    }
    return true;
  }

  /** Forgets all deliveries, cancels timers and restores the start-up settings. */
  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.reorderTimer = null;
    this.deliveries = [];
    this.held = [];
    this.queue = [];
    this.settings = { ...this.initial, retrySchedule: [...this.initial.retrySchedule] };
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private release(batch: Delivery[]): void {
    for (const d of batch) {
      d.state = "queued";
      if (this.settings.delayMs > 0) {
        d.nextAttemptAt = new Date(Date.now() + this.settings.delayMs).toISOString();
        this.timer(this.settings.delayMs, () => {
          this.queue.push(d);
          void this.drain();
        });
      } else {
        this.queue.push(d);
      }
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const d = this.queue.shift()!;
        await this.attempt(d);
      }
    } finally {
      this.draining = false;
    }
  }

  private async attempt(d: Delivery): Promise<void> {
    if (this.closed || !this.deliveries.includes(d)) return;
    const n = d.attempts.length + 1;
    const url = this.settings.url;
    d.nextAttemptAt = null;
    if (!url) {
      d.state = "skipped";
      return;
    }
    const started = Date.now();
    const record: AttemptRecord = {
      attempt: n,
      at: new Date(started).toISOString(),
      url,
      status: null,
      error: null,
      simulatedFailure: false,
      durationMs: 0,
      responseBody: null,
    };
    if (this.settings.failNextDeliveries > 0) {
      this.settings.failNextDeliveries--;
      record.simulatedFailure = true;
      record.error = "dropped by the sandbox (failNextDeliveries)";
      d.attempts.push(record);
      this.afterFailure(d);
      return;
    }
    d.state = "in_flight";
    this.inFlight++;
    try {
      const headers = this.sign({ body: d.body, eventId: d.eventId, timestamp: Math.floor(Date.now() / 1000), secret: this.settings.secret });
      const res = await post(url, d.body, headers, this.settings.timeoutMs);
      record.status = res.status;
      record.responseBody = res.body.slice(0, 2000);
    } catch (err) {
      record.error = err instanceof Error ? err.message : String(err);
    } finally {
      this.inFlight--;
    }
    record.durationMs = Date.now() - started;
    if (!this.deliveries.includes(d)) return; // reset while in flight
    d.attempts.push(record);
    if (record.status !== null && record.status >= 200 && record.status < 300) {
      d.state = "delivered";
      this.log(`[${this.provider}] webhook ${d.type} ${d.eventId} → ${record.status} (attempt ${n})`);
    } else {
      this.log(`[${this.provider}] webhook ${d.type} ${d.eventId} → ${record.status ?? record.error} (attempt ${n})`);
      this.afterFailure(d);
    }
  }

  private afterFailure(d: Delivery): void {
    const n = d.attempts.length;
    const schedule = this.settings.retrySchedule;
    if (n - 1 < schedule.length) {
      const wait = schedule[n - 1];
      d.state = "retry_scheduled";
      d.nextAttemptAt = new Date(Date.now() + wait).toISOString();
      this.timer(wait, () => void this.attempt(d));
    } else {
      d.state = "failed";
    }
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}

function publicRecord(d: Delivery): DeliveryRecord {
  return {
    id: d.id,
    eventId: d.eventId,
    type: d.type,
    copy: d.copy,
    state: d.state,
    attempts: d.attempts.map((a) => ({ ...a })),
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
  };
}

function nonNegative(v: unknown, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(n);
}

function shuffle<T>(xs: T[]): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`invalid webhook URL: ${url}`));
      return;
    }
    const mod = target.protocol === "https:" ? https : http;
    const req = mod.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
