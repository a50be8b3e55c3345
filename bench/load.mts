// A closed-loop load generator: `concurrency` workers each send the next request as soon as
// their previous one answered; per-request latency and throughput over the whole run.
import http from "node:http";
import { performance } from "node:perf_hooks";

export type Latency = { p50: number; p95: number; p99: number; max: number };
export type LoadResult = { requests: number; failures: number; seconds: number; perSecond: number; latencyMs: Latency; firstFailure?: string };

/** `send(i)` performs request i and resolves to null on success or a short failure text. */
export async function runLoad(count: number, concurrency: number, send: (index: number) => Promise<string | null>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  async function worker() {
    while (next < count) {
      const index = next++;
      const t0 = performance.now();
      const failure = await send(index).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
      latencies.push(performance.now() - t0);
      if (failure !== null) {
        failures += 1;
        firstFailure ??= failure;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { requests: count, failures, seconds, perSecond: count / seconds, latencyMs: percentiles(latencies), firstFailure };
}

export function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
  const round = (value: number) => Math.round(value * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? NaN) };
}

export type HttpAnswer = { status: number; body: string };

/** HTTP/1.1 over kept-alive sockets (one per worker), so connection set-up is not measured. */
export function httpClient(baseUrl: string, sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const origin = new URL(baseUrl);
  function request(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent, host: origin.hostname, port: origin.port, method, path, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
  return { request, close: () => agent.destroy() };
}
