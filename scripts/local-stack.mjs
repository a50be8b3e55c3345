// Shared by `npm run dev` and the e2e web server: the local stack around Next.js — the
// database (embedded PostgreSQL unless DATABASE_URL is set), migrations, the demo catalog
// and the local payments sandbox (unless the active provider has real keys).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nextEnv from "@next/env";
import { startEmbeddedPostgres } from "./embedded-postgres.mjs";
import { runPrisma } from "./prisma.mjs";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Loads .env* files the way Next.js does, so the scripts see what the app will see. */
export function loadEnvFiles({ dev }) {
  nextEnv.loadEnvConfig(root, dev, { info: () => {}, error: console.error });
}

/**
 * Returns the database the app should use. With DATABASE_URL set it is that server;
 * otherwise an embedded PostgreSQL (persisted in `dataDir`, or in memory when omitted).
 */
export async function provideDatabase({ dataDir, port } = {}) {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, label: `PostgreSQL at ${redactUrl(process.env.DATABASE_URL)}`, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({ dataDir, port, shadow: false });
  const where = dataDir ? path.relative(root, dataDir) : "memory";
  return { url: embedded.url, label: `embedded PostgreSQL (PGlite, ${where}) at ${redactUrl(embedded.url)}`, stop: embedded.stop };
}

/** Applies committed migrations and upserts the demo catalog. */
export async function migrateAndSeed(databaseUrl) {
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const migrated = await runPrisma(["migrate", "deploy"], { env, quiet: true });
  if (migrated !== 0) throw new Error(`Applying migrations failed (prisma migrate deploy exited ${migrated}).`);
  const seeded = await run(process.execPath, ["--import", "tsx", "prisma/seed.ts"], { env });
  if (seeded !== 0) throw new Error(`Seeding the demo catalog failed (exit ${seeded}).`);
}

/** Runs a command to completion with inherited output; resolves with its exit code. */
export function run(command, args, { env = process.env, cwd = root } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Starts a long-running child and runs `cleanups` (in reverse) when either side ends. */
export function superviseChild(command, args, { env, cleanups }) {
  const child = spawn(command, args, { cwd: root, env, stdio: "inherit" });
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null) child.kill("SIGTERM");
    for (const cleanup of [...cleanups].reverse()) {
      await cleanup().catch((error) => console.error(error));
    }
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => shutdown(0));
  child.on("exit", (code) => shutdown(code ?? 0));
  return child;
}

export function redactUrl(url) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

export function nextBin() {
  return path.join(root, "node_modules", "next", "dist", "bin", "next");
}

// Which variables make a provider "real"; without them the sandbox plays its part.
const SANDBOX_CREDENTIALS = {
  stripe: { key: "STRIPE_SECRET_KEY", apiUrl: "STRIPE_API_URL", env: { STRIPE_SECRET_KEY: "sk_test_sandbox", STRIPE_WEBHOOK_SECRET: "whsec_sandbox_secret" } },
  creem: { key: "CREEM_API_KEY", apiUrl: "CREEM_API_URL", env: { CREEM_API_KEY: "creem_test_sandbox", CREEM_WEBHOOK_SECRET: "whsec_sandbox_creem_secret" } },
  faststar: { key: "FASTSTAR_API_KEY", apiUrl: "FASTSTAR_API_URL", env: { FASTSTAR_API_KEY: "fs_test_sandbox", FASTSTAR_WEBHOOK_SECRET: "faststar_whsec_sandbox_secret" } },
  recur: { key: "RECUR_SECRET_KEY", apiUrl: "RECUR_API_URL", env: { RECUR_SECRET_KEY: "sk_test_sandbox_recur", RECUR_WEBHOOK_SECRET: "whsec_sandbox_recur_secret" } },
  dodo: { key: "DODO_PAYMENTS_API_KEY", apiUrl: "DODO_PAYMENTS_BASE_URL", env: { DODO_PAYMENTS_API_KEY: "dodo_test_sandbox_key", DODO_PAYMENTS_WEBHOOK_KEY: "whsec_ZG9kby1zYW5kYm94LXdlYmhvb2stc2VjcmV0LTAwMDE=" } },
};

/**
 * Starts the local payments sandbox when the active provider has no real key configured and
 * returns the variables that point its adapter there; with real keys, returns nothing to add.
 */
export async function providePayments({ appUrl, port }) {
  const provider = (process.env.PAYMENTS_PROVIDER || "stripe").trim().toLowerCase();
  const credentials = SANDBOX_CREDENTIALS[provider];
  if (!credentials) throw new Error(`PAYMENTS_PROVIDER=${provider} has no local sandbox in this build.`);
  if (process.env[credentials.key] && !process.env[credentials.apiUrl]) {
    return { label: `${provider} (your keys; webhooks must be forwarded to ${appUrl}/api/webhooks/${provider})`, env: {}, stop: async () => {} };
  }
  const env = {
    ...process.env,
    ...credentials.env,
    SANDBOX_PORT: String(port),
    [`SANDBOX_${provider.toUpperCase()}_WEBHOOK_URL`]: `${appUrl.replace("localhost", "127.0.0.1")}/api/webhooks/${provider}`,
  };
  const child = spawn(process.execPath, ["--import", "tsx", "sandbox/server.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "inherit"] });
  const apiUrl = await new Promise((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = output.match(new RegExp(`sandbox ${provider}\\s+(http://\\S+)`));
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`The payments sandbox exited (code ${code}) before it was ready:\n${output}`)));
  });
  child.stdout.pipe(process.stdout);
  return {
    label: `${provider} — local SANDBOX at ${apiUrl} (no keys; test card 4242 4242 4242 4242)`,
    env: { ...credentials.env, [credentials.apiUrl]: apiUrl },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}
