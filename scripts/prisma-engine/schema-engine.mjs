#!/usr/bin/env node
// A stand-in for Prisma's native `schema-engine` executable, for machines that cannot
// download it (Prisma fetches it from binaries.prisma.sh). The Prisma CLI runs it when
// PRISMA_SCHEMA_ENGINE_BINARY points here (scripts/prisma.mjs sets that when offline).
// The schema engine itself is Prisma's own, compiled to WebAssembly (the build the prisma
// package ships, loaded through @prisma/schema-engine-wasm's bindings; see wasm-engine.mjs);
// it reaches PostgreSQL through @prisma/adapter-pg.
//
// The CLI uses the executable in three ways (Prisma 7.10):
//   --version                                   → "schema-engine-cli <commit>" on stdout
//   --datasource '{"url":…}' cli <command>      → one-shot can-connect-to-database,
//        create-database or drop-database; failures are JSON log lines on stderr carrying a
//        Prisma error code, and the CLI ignores the first stderr line (the start-up log).
//   --datamodels <file>… --datasource '{"url":…,"shadowDatabaseUrl":…}'
//        → JSON-RPC 2.0 over stdin/stdout, one JSON object per line, until stdin closes.
//        The RPC method names are the engine's method names, except getDatabaseVersion
//        (engine: version) and diff, whose text output goes back to the CLI as a
//        {"method":"print"} request before the {exitCode} result.
// stdout carries only protocol; everything else (engine logs, library output, Node
// warnings) goes to stderr as JSON log lines, which the CLI collects for error messages.
//
// Where the Wasm engine needs help:
//   - adapter-factory.mjs: catalog column types, and the shadow database (never the main one;
//     a configured one is emptied first, a temporary one is created and dropped here);
//   - evaluateDataLoss() below: `migrate dev` on a database with pending migrations;
//   - the engine connects to the database on start-up, so even a schema-only
//     `migrate diff --from-empty --to-schema` needs DATABASE_URL to reach a server.
// Files: schema-engine.mjs (protocol), wasm-engine.mjs (loading the engine),
// adapter-factory.mjs (database access for the engine), database.mjs (plain pg helpers).
import fs from "node:fs";
import readline from "node:readline";

const LOG_TARGET = "schema_engine::logger";

function writeLog(level, message, extraFields = {}) {
  const line = { timestamp: new Date().toISOString(), level, fields: { message, ...extraFields }, target: LOG_TARGET };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

// Before any library loads (hence the dynamic imports below): keep stdout for the protocol.
for (const method of ["log", "info", "debug", "trace"]) {
  console[method] = (...args) => writeLog("INFO", args.map(String).join(" "));
}
for (const method of ["warn", "error"]) {
  console[method] = (...args) => writeLog("WARN", args.map(String).join(" "));
}
process.removeAllListeners("warning");
process.on("warning", (warning) => writeLog("WARN", `${warning.name}: ${warning.message}`));

const { schemaEngineVersion } = await import("./wasm-engine.mjs");

// ─── Arguments ──────────────────────────────────────────────────────────────────────────

function parseArguments(argv) {
  const options = { datamodels: [], datasource: undefined, cliCommand: undefined, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argument} needs a value`);
      return argv[++i];
    };
    switch (argument) {
      case "--datamodels":
      case "-d":
        options.datamodels.push(value());
        break;
      case "--datasource":
        options.datasource = JSON.parse(value());
        break;
      // Accepted for compatibility; the Wasm engine takes preview features from the schema.
      case "--enabled-preview-features":
      case "--extension-types":
        value();
        break;
      case "--version":
      case "-V":
        options.version = true;
        break;
      case "--help":
      case "-h":
        options.help = true;
        break;
      case "cli":
        options.cliCommand = argv[++i];
        if (!options.cliCommand) throw new Error("cli needs a command: can-connect-to-database, create-database or drop-database");
        break;
      default:
        throw new Error(`Unknown argument ${argument}`);
    }
  }
  return options;
}

// ─── One-shot commands ──────────────────────────────────────────────────────────────────

async function runCliCommand(command, datasource) {
  const { canConnectToDatabase, createDatabase, dropDatabase } = await import("./database.mjs");
  // The CLI skips the first stderr line (the native engine's start-up log).
  writeLog("INFO", "Starting schema engine CLI (WebAssembly bridge)");
  const url = datasource?.url ?? "";
  try {
    switch (command) {
      case "can-connect-to-database":
        await canConnectToDatabase(url);
        process.stdout.write("Connection successful\n");
        break;
      case "create-database":
        process.stdout.write(`Database '${await createDatabase(url)}' was successfully created.\n`);
        break;
      case "drop-database":
        process.stdout.write(`The database '${await dropDatabase(url)}' was successfully dropped.\n`);
        break;
      default:
        throw new Error(`Unknown cli command "${command}" (expected can-connect-to-database, create-database or drop-database)`);
    }
    return 0;
  } catch (error) {
    const fields = typeof error?.code === "string" && PRISMA_ERROR_CODE.test(error.code) ? { error_code: error.code } : {};
    writeLog("ERROR", error?.message ?? String(error), fields);
    return 1;
  }
}

// ─── JSON-RPC mode ──────────────────────────────────────────────────────────────────────

const ENGINE_ERROR = 4466; // the code Prisma's engine uses for all its errors
const METHOD_NOT_FOUND = -32601;
const PARSE_ERROR = -32700;

// RPC methods served by the Wasm engine method of the same name.
const ENGINE_METHODS = new Set([
  "applyMigrations",
  "createMigration",
  "dbExecute",
  "devDiagnostic",
  "diagnoseMigrationHistory",
  "ensureConnectionValidity",
  "introspect",
  "introspectSql",
  "markMigrationApplied",
  "markMigrationRolledBack",
  "reset",
  "schemaPush",
]);

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.rpcCode = code;
  }
}

async function serveJsonRpc(options) {
  const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
  const { createAdapterFactory } = await import("./adapter-factory.mjs");
  const { createSchemaEngine, isWasmPanic, wasmPanicMessage } = await import("./wasm-engine.mjs");
  const { createDatabase } = await import("./database.mjs");

  const datasource = options.datasource ?? {};
  const factory = createAdapterFactory({ url: datasource.url ?? "", shadowDatabaseUrl: datasource.shadowDatabaseUrl || undefined });
  const boundFactory = bindMigrationAwareSqlAdapterFactory(factory);

  let enginePromise;
  let panicked;
  const getEngine = () => {
    enginePromise ??= (async () => {
      // `datamodels` must be undefined or non-empty.
      const datamodels = options.datamodels.length
        ? options.datamodels.map((file) => [file, fs.readFileSync(file, "utf8")])
        : undefined;
      return createSchemaEngine(datamodels, (line) => process.stderr.write(`${line}\n`), boundFactory);
    })();
    return enginePromise;
  };

  const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);

  // Requests we send to the CLI (only "print"), awaiting its response.
  const outgoing = new Map();
  let nextOutgoingId = 1;
  const requestFromCli = (method, params) =>
    new Promise((resolve, reject) => {
      const id = `bridge-${nextOutgoingId++}`;
      outgoing.set(id, { resolve, reject });
      send({ id, method, params });
    });

  async function dispatch(method, params) {
    if (panicked) throw panicked;
    switch (method) {
      case "getDatabaseVersion":
        return (await getEngine()).version(params ?? undefined);
      case "diff": {
        const { stdout, exitCode } = await (await getEngine()).diff(params);
        if (stdout) await requestFromCli("print", { content: stdout });
        return { exitCode };
      }
      case "createDatabase": {
        const target = params?.datasource?.tag === "ConnectionString" ? params.datasource.url : datasource.url;
        return { databaseName: await createDatabase(target ?? "") };
      }
      case "evaluateDataLoss":
        return evaluateDataLoss(await getEngine(), params);
      case "debugPanic": {
        const engine = await getEngine();
        return engine.debugPanic();
      }
      default:
        if (!ENGINE_METHODS.has(method)) {
          throw new RpcError(METHOD_NOT_FOUND, `Method not found: ${method} is not supported by the WebAssembly schema engine bridge.`);
        }
        return (await getEngine())[method](params);
    }
  }

  function toRpcError(error) {
    if (error instanceof RpcError) return { code: error.rpcCode, message: error.message };
    if (isWasmPanic(error)) {
      const message = wasmPanicMessage(error);
      // After a panic the Wasm instance is in an unknown state: refuse further work.
      panicked ??= error;
      return { code: ENGINE_ERROR, message, data: { is_panic: true, message, backtrace: error.stack } };
    }
    const { message, code, meta } = describeEngineError(error, boundFactory);
    return {
      code: ENGINE_ERROR,
      message: "An error happened. Check the data field for details.",
      data: { is_panic: false, message, ...(code ? { error_code: code } : {}), ...(meta ? { meta } : {}) },
    };
  }

  // The engine's methods take &mut self: run requests one at a time, in order.
  let queue = Promise.resolve();
  const handleRequest = ({ id, method, params }) => {
    queue = queue.then(async () => {
      try {
        const result = await dispatch(method, params);
        if (id !== undefined) send({ id, result: result ?? null });
      } catch (error) {
        if (id !== undefined) send({ id, error: toRpcError(error) });
        else writeLog("ERROR", error?.message ?? String(error));
      }
    });
  };

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (!line.trim()) return;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ id: null, error: { code: PARSE_ERROR, message: `Parse error: ${line.slice(0, 200)}` } });
      return;
    }
    if (typeof message.method === "string") {
      handleRequest(message);
    } else if (outgoing.has(message.id)) {
      const { resolve, reject } = outgoing.get(message.id);
      outgoing.delete(message.id);
      if (message.error) reject(new Error(message.error.message ?? "The CLI rejected a request"));
      else resolve(message.result);
    }
  });

  let shuttingDown;
  const shutdown = (exitCode) => {
    shuttingDown ??= (async () => {
      // Give up on cleanup rather than hang the CLI, which waits for this process to exit.
      setTimeout(() => process.exit(exitCode), 10_000).unref();
      await queue.catch(() => {});
      for (const { reject } of outgoing.values()) reject(new Error("stdin closed"));
      if (enginePromise && !panicked) {
        try {
          (await enginePromise).free();
        } catch {
          // The engine never started; nothing to free.
        }
      }
      await factory.disposeAll();
      process.exit(exitCode);
    })();
  };
  lines.on("close", () => shutdown(0));
  process.on("SIGINT", () => shutdown(130));
  process.on("SIGTERM", () => shutdown(143));
}

const PRISMA_ERROR_CODE = /^P\d{4}$/;

/**
 * evaluateDataLoss (every `migrate dev`) needs the schema the migration history produces. The
 * Wasm engine takes it from a per-session cache that diagnoseMigrationHistory fills by
 * replaying the history in the shadow database; evaluateDataLoss itself cannot reach the
 * shadow database ("PostgreSQL shadow DB must be provided through an external factory").
 * The cache is only filled when the database already had every migration when `migrate dev`
 * began, so on a fresh database with committed migrations `migrate dev` failed. Fill it
 * here (the pending migrations have just been applied) and ask again.
 */
async function evaluateDataLoss(engine, params) {
  try {
    return await engine.evaluateDataLoss(params);
  } catch (error) {
    if (!/shadow DB must be provided through an external factory/.test(String(error?.message))) throw error;
    await engine.diagnoseMigrationHistory({ migrationsList: params.migrationsList, optInToShadowDatabase: true, filters: params.filters });
    return engine.evaluateDataLoss(params);
  }
}

/**
 * The message and Prisma error code of an engine failure. Errors thrown by JavaScript under
 * the engine (the adapter, the shadow database handling) cross the Wasm boundary as
 * "External error id#N", N being their index in the adapter factory's error registry; the
 * original error is put back in its place. The span trace the Wasm build appends
 * ("   0: sql_schema_connector::…") is internal and dropped.
 */
function describeEngineError(error, boundFactory) {
  let message = String(error?.message ?? error).replace(/\n\s+0: [a-z_]+::[\s\S]*$/, "");
  let code = typeof error?.code === "string" && PRISMA_ERROR_CODE.test(error.code) ? error.code : undefined;
  message = message.replace(/External error id#(\d+)/g, (text, id) => {
    const original = boundFactory.errorRegistry.consumeError(Number(id))?.error;
    if (!original) return text;
    if (!code && typeof original.code === "string" && PRISMA_ERROR_CODE.test(original.code)) code = original.code;
    return original.message ?? String(original);
  });
  return { message, code, meta: error?.meta };
}

// ─── Main ───────────────────────────────────────────────────────────────────────────────

let options;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  writeLog("ERROR", `Invalid arguments: ${error.message}`);
  process.exit(1);
}

if (options.version) {
  process.stdout.write(`schema-engine-cli ${await schemaEngineVersion()}\n`);
} else if (options.help) {
  process.stdout.write(
    "Prisma schema engine (WebAssembly bridge)\n" +
      "  --version\n" +
      "  --datasource <json> cli can-connect-to-database|create-database|drop-database\n" +
      "  --datamodels <file>... --datasource <json>   (JSON-RPC over stdin/stdout)\n",
  );
} else if (options.cliCommand) {
  process.exitCode = await runCliCommand(options.cliCommand, options.datasource);
} else {
  await serveJsonRpc(options);
}
