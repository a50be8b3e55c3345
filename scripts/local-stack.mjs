// Shared by `npm run dev` and the e2e web server: the local stack around Next.js — the
// database (embedded PostgreSQL unless DATABASE_URL is set), migrations, the demo catalog
// and, later, the local payments sandbox.
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
