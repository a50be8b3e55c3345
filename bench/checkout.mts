// Part 2: checkout creation. POST /api/checkout as a signed-in user against the sandbox (which
// answers at once), then the same provider request sent to the sandbox directly: the
// difference of the medians is what the app adds.
import { randomUUID } from "node:crypto";
import { httpClient, runLoad, type LoadResult } from "./load.mts";

export const SESSION_COOKIE = "authjs.session-token";

export type CheckoutLevel = { concurrency: number; app: LoadResult; direct: LoadResult; overheadP50Ms: number };

type LoggedRequest = { seq: number; method: string; path: string; headers: Record<string, string | string[] | undefined>; rawBody: string };

export async function benchCheckoutLevel(options: { appUrl: string; stripeSandboxUrl: string; sessionToken: string; concurrency: number; requests: number }): Promise<CheckoutLevel> {
  const { appUrl, stripeSandboxUrl, sessionToken, concurrency, requests } = options;
  const app = httpClient(appUrl, concurrency);
  const headers = { "content-type": "application/json", cookie: `${SESSION_COOKIE}=${sessionToken}`, origin: appUrl };
  const appResult = await runLoad(requests, concurrency, async () => {
    const body = JSON.stringify({ priceId: "credits_100_pack", quantity: 1, presentation: "redirect", idempotencyKey: `bench-${randomUUID()}` });
    const answer = await app.request("POST", "/api/checkout", headers, body);
    return answer.status === 200 && (JSON.parse(answer.body) as { url?: string }).url ? null : `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  });
  app.close();

  const sent = await lastCreateRequest(stripeSandboxUrl);
  const sandbox = httpClient(stripeSandboxUrl, concurrency);
  const replayHeaders: Record<string, string> = {};
  for (const name of ["authorization", "content-type", "stripe-version", "user-agent", "x-stripe-client-user-agent"]) {
    const value = sent.headers[name];
    if (typeof value === "string") replayHeaders[name] = value;
  }
  const direct = await runLoad(requests, concurrency, async () => {
    const answer = await sandbox.request(sent.method, sent.path, replayHeaders, sent.rawBody);
    return answer.status === 200 ? null : `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`;
  });
  sandbox.close();
  return { concurrency, app: appResult, direct, overheadP50Ms: Math.round((appResult.latencyMs.p50 - direct.latencyMs.p50) * 100) / 100 };
}

/** The last Checkout Session create the app sent, from the sandbox's request log. */
async function lastCreateRequest(stripeSandboxUrl: string): Promise<LoggedRequest> {
  const response = await fetch(`${stripeSandboxUrl}/_sandbox/stripe/requests?method=POST&path=/v1/checkout/sessions`);
  const { requests } = (await response.json()) as { requests: LoggedRequest[] };
  const last = requests.filter((request) => request.path === "/v1/checkout/sessions").at(-1);
  if (!last) throw new Error("The sandbox logged no POST /v1/checkout/sessions: the app never reached the provider.");
  return last;
}
