// Runs the project's Prisma CLI: `node scripts/prisma.mjs <prisma args…>` (npm run prisma).
//
// Prisma 7's CLI downloads its native schema engine from binaries.prisma.sh before
// generate, migrate, db, validate, format and version. Where that host cannot be reached
// (CI sandboxes with only the npm registry) this wrapper points PRISMA_SCHEMA_ENGINE_BINARY
// at scripts/prisma-engine/schema-engine.mjs, which runs Prisma's own engine compiled to
// WebAssembly. With internet access nothing changes: stock Prisma, stock engine.
//
//   PRISMA_SCHEMA_ENGINE_BINARY=…  is respected as set
//   PRISMA_OFFLINE_ENGINE=1        always use the WebAssembly engine
//   PRISMA_OFFLINE_ENGINE=0        never use it
//
// Other scripts: `import { runPrisma } from "./prisma.mjs"; await runPrisma(["migrate", "deploy"])`.
import { spawn } from "node:child_process";
import dns from "node:dns";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const scriptsDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(scriptsDir, "..");
export const schemaEngineBridgePath = path.join(scriptsDir, "prisma-engine", "schema-engine.mjs");
const prismaCliPath = path.join(root, "node_modules", "prisma", "build", "index.js");

const ENGINE_HOST = "binaries.prisma.sh";
const DNS_TIMEOUT_MS = 1_500;

let engineHostReachable;

/** True when the name of Prisma's binary host resolves within DNS_TIMEOUT_MS (cached). */
export function canReachPrismaEngineHost() {
  engineHostReachable ??= new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), DNS_TIMEOUT_MS);
    timer.unref();
    dns.promises.lookup(ENGINE_HOST).then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(false);
      },
    );
  });
  return engineHostReachable;
}

/**
 * Whether to run Prisma with the WebAssembly schema engine, and why.
 * @param {Record<string, string | undefined>} [env]
 * @returns {Promise<{ useBridge: boolean, reason: string }>}
 */
export async function decideSchemaEngine(env = process.env) {
  if (env.PRISMA_SCHEMA_ENGINE_BINARY) return { useBridge: false, reason: "PRISMA_SCHEMA_ENGINE_BINARY is set" };
  if (env.PRISMA_OFFLINE_ENGINE === "1") return { useBridge: true, reason: "PRISMA_OFFLINE_ENGINE=1" };
  if (env.PRISMA_OFFLINE_ENGINE === "0") return { useBridge: false, reason: "PRISMA_OFFLINE_ENGINE=0" };
  return (await canReachPrismaEngineHost())
    ? { useBridge: false, reason: `${ENGINE_HOST} is reachable` }
    : { useBridge: true, reason: `${ENGINE_HOST} is unreachable` };
}

/**
 * Runs the Prisma CLI with `args`; resolves with its exit code.
 * `quiet` captures the output and prints it only if the command fails.
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, quiet?: boolean }} [options]
 * @returns {Promise<number>}
 */
export async function runPrisma(args, options = {}) {
  return (await startPrisma(args, options)).exitCode;
}

async function startPrisma(args, { env = process.env, cwd = process.cwd(), quiet = false } = {}) {
  if (!fs.existsSync(prismaCliPath)) {
    throw new Error(`The Prisma CLI is not installed (${path.relative(root, prismaCliPath)} is missing); run npm install.`);
  }
  const childEnv = { ...env };
  const { useBridge, reason } = await decideSchemaEngine(env);
  if (useBridge) {
    childEnv.PRISMA_SCHEMA_ENGINE_BINARY = schemaEngineBridgePath;
    // The update check would only time out against the same closed network.
    childEnv.CHECKPOINT_DISABLE ??= "1";
    if (!quiet) console.error(`prisma: ${reason}; using the WebAssembly schema engine (scripts/prisma-engine).`);
  }

  const child = spawn(process.execPath, [prismaCliPath, ...args], {
    cwd,
    env: childEnv,
    stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  const captured = [];
  if (quiet) {
    child.stdout.on("data", (chunk) => captured.push(["stdout", chunk]));
    child.stderr.on("data", (chunk) => captured.push(["stderr", chunk]));
  }
  const exitCode = new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const result = code ?? (signal ? 1 : 0);
      if (quiet && result !== 0) {
        console.error(`prisma ${args.join(" ")} failed (exit ${result})${useBridge ? ` [WebAssembly schema engine: ${reason}]` : ""}:`);
        for (const [stream, chunk] of captured) process[stream].write(chunk);
      }
      resolve(result);
    });
  });
  return { child, exitCode };
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  try {
    const { child, exitCode } = await startPrisma(process.argv.slice(2));
    // Ctrl+C reaches the whole process group, and the CLI reports how it ended; a SIGTERM
    // sent only to this wrapper is passed on.
    process.on("SIGINT", () => {});
    process.on("SIGTERM", () => child.kill("SIGTERM"));
    process.exitCode = await exitCode;
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  }
}
