// `npm run bench` — see bench/README.md. Builds the app (unless --skip-build), recreates the
// throwaway database, starts `next start` + the payments sandbox on their own ports, runs the
// four parts, prints a table and writes bench/results/latest.json.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { loadEnvFiles, nextBin, providePayments, redactUrl, root, run, superviseChild } from "../scripts/local-stack.mjs";
import { benchCheckoutLevel, SESSION_COOKIE, type CheckoutLevel } from "./checkout.mts";
import { benchDatabaseUrl, createOpenCheckouts, createUsers, recreateBenchDatabase } from "./database.mts";
import { percentiles, type Latency } from "./load.mts";
import { firstLoadJs, lighthouse, type LighthouseScores, type PageWeight } from "./pages.mts";
import { BENCH_PROVIDERS, paidDelivery, webhookSecretEnv } from "./webhook-events.mts";
import { benchWebhookLevel, type WebhookLevel } from "./webhooks.mts";

const PARTS = ["webhooks", "checkout", "pages", "pay"] as const;
type Part = (typeof PARTS)[number];

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const skipBuild = argv.includes("--skip-build");
// --cpu-prof: the `next start` process writes a V8 CPU profile (to the temp dir, see below) on exit.
const cpuProfile = argv.includes("--cpu-prof");
const onlyArg = argv.find((arg) => arg.startsWith("--only="));
const parts: Part[] = onlyArg ? (onlyArg.slice("--only=".length).split(",") as Part[]) : [...PARTS];
for (const part of parts) if (!PARTS.includes(part)) throw new Error(`--only: unknown part "${part}" (use ${PARTS.join(",")})`);

const APP_PORT = Number(process.env.BENCH_APP_PORT || 3900);
const SANDBOX_PORT = Number(process.env.BENCH_SANDBOX_PORT || 4900);
const appUrl = `http://localhost:${APP_PORT}`;
// N per concurrency level: distinct events (20% more deliveries are duplicates).
const WEBHOOK_LEVELS = quick
  ? [{ concurrency: 1, events: 100 }, { concurrency: 8, events: 300 }, { concurrency: 32, events: 300 }, { concurrency: 64, events: 300 }]
  : [{ concurrency: 1, events: 1000 }, { concurrency: 8, events: 5000 }, { concurrency: 32, events: 5000 }, { concurrency: 64, events: 5000 }];
const CHECKOUT_REQUESTS = quick ? 100 : 1000;
const PAY_RUNS = quick ? 5 : 50;

const TARGETS = { webhookEventsPerSecondAt32: 1000, webhookP99MsAt32: 50, checkoutOverheadP50Ms: 5, lighthousePerformance: 95, lighthouseAccessibility: 100 };

loadEnvFiles({ dev: false });
const databaseUrl = benchDatabaseUrl();
const resultsDir = path.join(root, "bench", "results");
// Large per-run artifacts (CPU profiles, the Lighthouse report) go to the temp dir, not into the repository.
const artifactsDir = path.join(os.tmpdir(), "checkout-bench");
mkdirSync(resultsDir, { recursive: true });
mkdirSync(artifactsDir, { recursive: true });

if (!skipBuild) {
  console.log("[bench] next build");
  if ((await run(process.execPath, [nextBin(), "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } })) !== 0) throw new Error("next build failed");
}
console.log(`[bench] database ${redactUrl(databaseUrl)} (dropped and recreated)`);
await recreateBenchDatabase(databaseUrl).catch((error: unknown) => {
  console.error(`[bench] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

process.env.PAYMENTS_PROVIDER = "stripe";
const payments = await providePayments({ appUrl, port: SANDBOX_PORT });
if (!payments.env.STRIPE_API_URL) throw new Error("The bench needs the local sandbox: unset STRIPE_SECRET_KEY for it (it found real Stripe keys).");
const secrets = webhookSecretEnv(payments.env.STRIPE_WEBHOOK_SECRET);
const profileFlags = cpuProfile ? ["--cpu-prof", `--cpu-prof-dir=${path.join(artifactsDir, "profiles")}`] : [];
const server = superviseChild(process.execPath, [...profileFlags, nextBin(), "start", "--port", String(APP_PORT)], {
  env: {
    ...process.env,
    ...payments.env,
    ...secrets,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    APP_URL: appUrl,
    AUTH_SECRET: process.env.AUTH_SECRET ?? "bench-only-auth-secret-0123456789abcdef0123",
    AUTH_DEV_MAILBOX: "true",
    NEXT_TELEMETRY_DISABLED: "1",
    // The bench user sends thousands of checkouts: no rate limit may answer 429.
    CHECKOUT_RATE_LIMIT_PER_USER: "1000000000",
    CHECKOUT_RATE_LIMIT_PER_IP: "1000000000",
  },
  cleanups: [payments.stop],
});

const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
let exitCode = 0;
try {
  await waitForHealth();
  const [buyer] = await createUsers(pool, 1, "buyer");
  const webhookUsers = await createUsers(pool, 50, "webhooks");
  const results: Record<string, unknown> = { machine: machineInfo(), quick, targets: TARGETS };

  if (parts.includes("webhooks")) {
    // The floor gets as many connections as the app's pool has (lib/db.ts: max 10).
    const floorPool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
    const levels: WebhookLevel[] = [];
    await warmUpWebhooks(webhookUsers.map((user) => user.id));
    for (const level of WEBHOOK_LEVELS) {
      console.log(`[bench] webhooks: ${level.events} distinct events (+20% duplicates) at concurrency ${level.concurrency}`);
      levels.push(await benchWebhookLevel({ appUrl, pool, floorPool, secrets, userIds: webhookUsers.map((user) => user.id) }, level.concurrency, level.events));
    }
    await floorPool.end();
    results.webhooks = levels;
  }
  if (parts.includes("checkout")) {
    const levels: CheckoutLevel[] = [];
    for (const concurrency of [1, 16]) {
      console.log(`[bench] checkout: ${CHECKOUT_REQUESTS} × POST /api/checkout at concurrency ${concurrency}`);
      levels.push(await benchCheckoutLevel({ appUrl, stripeSandboxUrl: payments.env.STRIPE_API_URL, sessionToken: buyer.sessionToken, concurrency, requests: CHECKOUT_REQUESTS }));
    }
    results.checkout = levels;
  }
  if (parts.includes("pages")) {
    console.log("[bench] pages: first-load JS and Lighthouse");
    const cookie = `${SESSION_COOKIE}=${buyer.sessionToken}`;
    // A real checkout (its session exists in the sandbox), as the success page verifies it with the provider.
    const started = await fetch(`${appUrl}/api/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, origin: appUrl },
      body: JSON.stringify({ priceId: "credits_100_pack", quantity: 1 }),
    });
    if (!started.ok) throw new Error(`POST /api/checkout for the success page answered ${started.status}: ${await started.text()}`);
    const { id: checkoutId } = (await started.json()) as { id: string };
    const weights: PageWeight[] = [
      await firstLoadJs(appUrl, "/pricing"),
      await firstLoadJs(appUrl, `/checkout/success?checkout_id=${checkoutId}`, cookie),
      await firstLoadJs(appUrl, "/account/billing", cookie),
    ];
    const scores: LighthouseScores = await lighthouse(`${appUrl}/pricing`, path.join(artifactsDir, "lighthouse-pricing.json"));
    results.pages = { firstLoadJs: weights, lighthouse: scores };
  }
  if (parts.includes("pay")) {
    console.log(`[bench] pay → active: ${PAY_RUNS} credit-pack purchases in Chromium`);
    results.payToActive = await payToActive(buyer.sessionToken);
  }
  results.verdicts = verdicts(results);
  writeFileSync(path.join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  const failed = (results.verdicts as Verdict[]).some((verdict) => verdict.correctness && !verdict.met);
  if (failed) exitCode = 1;
} catch (error) {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await pool.end();
  server.removeAllListeners("exit");
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  await payments.stop();
  process.exit(exitCode);
}

async function waitForHealth() {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}); is there a production build (drop --skip-build)?`);
    const ok = await fetch(`${appUrl}/api/health`).then((response) => response.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${appUrl}/api/health did not answer 200 within 90 s`);
}

/** A few events per provider first, so JIT and first-request compilation are not measured. */
async function warmUpWebhooks(userIds: string[]) {
  const checkouts = await createOpenCheckouts(pool, 50, userIds, BENCH_PROVIDERS);
  for (const checkout of checkouts) {
    const delivery = paidDelivery(checkout, secrets);
    const response = await fetch(`${appUrl}/api/webhooks/${delivery.provider}`, { method: "POST", headers: delivery.sign(), body: delivery.body });
    if (!response.ok) throw new Error(`warm-up webhook for ${delivery.provider} answered ${response.status}: ${await response.text()}`);
  }
}

async function payToActive(sessionToken: string): Promise<{ runs: number; latencyMs: Latency }> {
  const output = path.join(os.tmpdir(), `bench-pay-to-active-${process.pid}.json`);
  const code = await run(process.execPath, [path.join(root, "node_modules", "@playwright", "test", "cli.js"), "test", "-c", "bench/playwright.config.ts"], {
    env: { ...process.env, BENCH_APP_URL: appUrl, BENCH_SESSION_TOKEN: sessionToken, BENCH_RUNS: String(PAY_RUNS), BENCH_OUTPUT: output },
  });
  if (code !== 0) throw new Error(`the pay → active Playwright run failed (exit ${code})`);
  const timings = JSON.parse(readFileSync(output, "utf8")) as number[];
  return { runs: timings.length, latencyMs: percentiles(timings) };
}

function machineInfo() {
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    if (execFileSync("git", ["status", "--porcelain"], { cwd: root, encoding: "utf8" }).trim()) commit += " (+ uncommitted changes)";
  } catch {
    // not a git checkout
  }
  const cpus = os.cpus();
  return { date: new Date().toISOString(), node: process.version, cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memoryGb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, commit };
}

type Verdict = { target: string; value: string; met: boolean; correctness?: boolean };

function verdicts(results: Record<string, unknown>): Verdict[] {
  const list: Verdict[] = [];
  const webhooks = results.webhooks as WebhookLevel[] | undefined;
  for (const level of webhooks ?? []) {
    for (const side of ["app", "floor"] as const) {
      const problems = [...level[side].exactlyOnce.problems, ...(level[side].failures ? [`${level[side].failures} failed requests, first: ${level[side].firstFailure}`] : [])];
      list.push({ target: `exactly-once (${side}, concurrency ${level.concurrency})`, value: problems.join("; ") || "ok", met: problems.length === 0, correctness: true });
    }
  }
  const at32 = webhooks?.find((level) => level.concurrency === 32);
  if (at32) {
    list.push({ target: `webhooks ≥ ${TARGETS.webhookEventsPerSecondAt32} events/s at concurrency 32`, value: `${at32.app.perSecond.toFixed(0)} events/s`, met: at32.app.perSecond >= TARGETS.webhookEventsPerSecondAt32 });
    list.push({ target: `webhooks p99 ≤ ${TARGETS.webhookP99MsAt32} ms at concurrency 32`, value: `${at32.app.latencyMs.p99} ms`, met: at32.app.latencyMs.p99 <= TARGETS.webhookP99MsAt32 });
  }
  const checkout = (results.checkout as CheckoutLevel[] | undefined)?.find((level) => level.concurrency === 1);
  if (checkout) {
    list.push({ target: `checkout creation failures`, value: String(checkout.app.failures), met: checkout.app.failures === 0, correctness: true });
    list.push({ target: `checkout overhead ≤ ${TARGETS.checkoutOverheadP50Ms} ms at p50 (concurrency 1)`, value: `${checkout.overheadP50Ms} ms`, met: checkout.overheadP50Ms <= TARGETS.checkoutOverheadP50Ms });
  }
  const pages = results.pages as { firstLoadJs: PageWeight[]; lighthouse: LighthouseScores } | undefined;
  for (const page of pages?.firstLoadJs ?? []) {
    list.push({ target: `${page.path.replace(/\?.*/, "")} answers 200`, value: String(page.status), met: page.status === 200, correctness: true });
  }
  const scores = pages?.lighthouse;
  if (scores) {
    list.push({ target: `Lighthouse performance ≥ ${TARGETS.lighthousePerformance} (/pricing, mobile)`, value: String(scores.performance), met: scores.performance >= TARGETS.lighthousePerformance });
    list.push({ target: `Lighthouse accessibility = ${TARGETS.lighthouseAccessibility} (/pricing, mobile)`, value: String(scores.accessibility), met: scores.accessibility >= TARGETS.lighthouseAccessibility });
  }
  return list;
}

function printTable(results: Record<string, unknown>) {
  const machine = results.machine as ReturnType<typeof machineInfo>;
  console.log(`\nbench ${quick ? "(--quick: small N) " : ""}${machine.date} · node ${machine.node} · ${machine.cpus} × ${machine.cpuModel} · ${machine.commit}`);
  const webhooks = results.webhooks as WebhookLevel[] | undefined;
  if (webhooks) {
    console.log("\nWebhook ingestion (distinct events over 5 providers + 20% duplicates; floor = same writes via pg)");
    console.table(
      webhooks.map((level) => ({
        concurrency: level.concurrency,
        events: level.distinctEvents,
        deliveries: level.deliveries,
        "app ev/s": Math.round(level.app.perSecond),
        "app p50": level.app.latencyMs.p50,
        "app p95": level.app.latencyMs.p95,
        "app p99": level.app.latencyMs.p99,
        "floor ev/s": Math.round(level.floor.perSecond),
        "floor p99": level.floor.latencyMs.p99,
        "app/floor": Math.round(level.ratio * 100) / 100,
        "exactly-once": level.app.exactlyOnce.ok && level.floor.exactlyOnce.ok ? "ok" : "FAILED",
      })),
    );
    if (webhooks.some((level) => level.concurrency === 1 && level.distinctEvents < 5000)) console.log("(concurrency 1 uses fewer events to keep the run short.)");
  }
  const checkout = results.checkout as CheckoutLevel[] | undefined;
  if (checkout) {
    console.log("\nCheckout creation (POST /api/checkout; direct = the same Stripe request sent to the sandbox)");
    console.table(
      checkout.map((level) => ({
        concurrency: level.concurrency,
        requests: level.app.requests,
        failures: level.app.failures,
        "req/s": Math.round(level.app.perSecond),
        "p50 ms": level.app.latencyMs.p50,
        "p99 ms": level.app.latencyMs.p99,
        "direct p50": level.direct.latencyMs.p50,
        "overhead p50": level.overheadP50Ms,
      })),
    );
  }
  const pages = results.pages as { firstLoadJs: PageWeight[]; lighthouse: LighthouseScores } | undefined;
  if (pages) {
    console.log("\nFirst-load JavaScript (gzip)");
    console.table(pages.firstLoadJs.map((page) => ({ page: page.path.replace(/\?.*/, ""), status: page.status, scripts: page.scripts, "gzip kB": +(page.gzipBytes / 1024).toFixed(1), "raw kB": +(page.rawBytes / 1024).toFixed(1) })));
    console.log(`Lighthouse /pricing (mobile): performance ${pages.lighthouse.performance}, accessibility ${pages.lighthouse.accessibility}${pages.lighthouse.failedAudits.length ? `; below 0.9: ${pages.lighthouse.failedAudits.join(", ")}` : ""}`);
  }
  const pay = results.payToActive as { runs: number; latencyMs: Latency } | undefined;
  if (pay) console.log(`\nPay → active (${pay.runs} runs): p50 ${pay.latencyMs.p50} ms, p95 ${pay.latencyMs.p95} ms`);
  if (cpuProfile) console.log(`\nCPU profile of next start: ${path.join(artifactsDir, "profiles")}`);
  console.log("\nTargets");
  console.table((results.verdicts as Verdict[]).map((verdict) => ({ target: verdict.target, value: verdict.value, met: verdict.met ? "met" : "NOT met" })));
}
