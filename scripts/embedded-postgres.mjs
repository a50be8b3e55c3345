// Embedded PostgreSQL for development and tests: PGlite (PostgreSQL compiled to WebAssembly)
// served over the PostgreSQL wire protocol by @electric-sql/pglite-socket, so `pg`,
// @prisma/adapter-pg and the Prisma CLI talk to it like to any server.
//
//   import { startEmbeddedPostgres } from "./embedded-postgres.mjs";
//   const { url, shadowUrl, stop } = await startEmbeddedPostgres({ dataDir: ".data/pg" });
//
//   node scripts/embedded-postgres.mjs [--data-dir DIR] [--port N] [--host H] [--no-shadow]
//
// PGlite is ONE PostgreSQL session. Every client connection shares it, so this module makes
// connections take turns: a connection owns the session from its first message until the
// server reports "idle, not in a transaction" (ReadyForQuery 'I'); the others queue.
// pglite-socket's own queue switches connections between single protocol messages, which
// interleaves the Parse/Bind/Execute/Sync groups of concurrent parameterised queries and
// hands clients wrong or empty results ('portal "" does not exist'); see SessionQueue.
// Consequence for callers: while one connection is inside a transaction every other
// connection waits, so code that awaits a second connection inside a transaction waits
// forever (a warning is printed when a session is held while others wait).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Connections accepted per server; pg pools of an app, a test run and the Prisma CLI fit. */
const MAX_CONNECTIONS = 200;
/** After this long holding the session while other connections wait, print a warning. */
const LONG_HOLD_WARNING_MS = 10_000;
const LOCK_FILE_NAME = ".embedded-postgres.lock";
const TEMPLATE_CACHE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "node_modules", ".cache", "embedded-postgres");

/**
 * Starts PGlite on `host:port` (port 0 picks a free one). `dataDir` persists the database;
 * without it the database lives in memory. With `shadow` a second, in-memory PGlite on its
 * own port serves as Prisma Migrate's shadow database.
 * @param {{ dataDir?: string, port?: number, host?: string, shadow?: boolean }} [options]
 * @returns {Promise<{ url: string, shadowUrl: string | undefined, stop: () => Promise<void> }>}
 */
export async function startEmbeddedPostgres({ dataDir, port = 0, host = "127.0.0.1", shadow = true } = {}) {
  const resolvedDataDir = dataDir ? path.resolve(dataDir) : undefined;
  const releaseLock = resolvedDataDir ? lockDataDirectory(resolvedDataDir) : () => {};
  const started = [];
  try {
    const main = await startInstance({ dataDir: resolvedDataDir, port, host, label: "Embedded PostgreSQL" });
    started.push(main);
    const shadowInstance = shadow
      ? await startInstance({ dataDir: undefined, port: 0, host, label: "Embedded PostgreSQL (shadow database)" })
      : undefined;
    if (shadowInstance) started.push(shadowInstance);

    let stopping;
    const stop = () => {
      stopping ??= (async () => {
        for (const instance of started.reverse()) await instance.stop();
        releaseLock();
      })();
      return stopping;
    };
    return { url: main.url, shadowUrl: shadowInstance?.url, stop };
  } catch (error) {
    for (const instance of started.reverse()) await instance.stop().catch(() => {});
    releaseLock();
    throw error;
  }
}

async function startInstance({ dataDir, port, host, label }) {
  if (dataDir) {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new Error(`${label} could not create its data directory ${dataDir}: ${error.message}`);
    }
  }

  let db;
  try {
    const isNewDatabase = !dataDir || !fs.existsSync(path.join(dataDir, "PG_VERSION"));
    const loadDataDir = isNewDatabase ? await freshDatabaseTemplate() : undefined;
    db = await PGlite.create({ dataDir, loadDataDir });
  } catch (error) {
    const where = dataDir ? `data directory ${dataDir}` : "an in-memory database";
    throw new Error(`${label} could not open ${where}: ${error?.message ?? error}`);
  }

  const server = new PGLiteSocketServer({ db, port, host, maxConnections: MAX_CONNECTIONS });
  const queue = installSessionQueue(server, db, label);
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => {});
    throw new Error(`${label} could not start on ${describeListenTarget(host, port)}: ${describeListenError(error)}`);
  }

  const [, actualPort] = /:(\d+)$/.exec(server.getServerConn()) ?? [];
  const url = connectionUrl(host, Number(actualPort));

  let stopping;
  const stop = () => {
    stopping ??= (async () => {
      await server.stop();
      // Disconnecting clients queue a rollback of their open transaction; let it finish
      // before closing, so a data directory is left consistent.
      await queue.close();
      await db.close();
    })();
    return stopping;
  };
  return { url, stop };
}

/**
 * A new PGlite database starts with initdb, which takes 10 s or more on a small machine.
 * Its result never changes for a given PGlite version, so it is made once, kept as a tar
 * file in node_modules/.cache, and new databases (in memory or in a new data directory)
 * start from a copy in 1–2 s.
 */
async function freshDatabaseTemplate() {
  const templatePath = path.join(TEMPLATE_CACHE_DIR, `pglite-${pgliteVersion()}.tar`);
  try {
    return new Blob([fs.readFileSync(templatePath)]);
  } catch {
    // Not made yet: make it below.
  }
  const db = await PGlite.create();
  const template = await db.dumpDataDir("none");
  await db.close();
  try {
    // Write-then-rename, so concurrent starts never read a half-written template.
    fs.mkdirSync(TEMPLATE_CACHE_DIR, { recursive: true });
    const partialPath = `${templatePath}.${process.pid}.partial`;
    fs.writeFileSync(partialPath, Buffer.from(await template.arrayBuffer()));
    fs.renameSync(partialPath, templatePath);
  } catch {
    // A read-only node_modules only costs the next start its initdb.
  }
  return template;
}

function pgliteVersion() {
  // createRequire rather than import.meta.resolve, which Vitest's module runner lacks.
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) return JSON.parse(fs.readFileSync(manifest, "utf8")).version;
  }
  throw new Error(`Cannot find the version of @electric-sql/pglite (from ${entry})`);
}

/**
 * The URL clients use. PGlite accepts any user, password and database name (it always is
 * user "postgres" in database "postgres"); it answers "no" to TLS, so sslmode=disable spares
 * clients the attempt and overrides a PGSSLMODE=require in the environment.
 */
function connectionUrl(host, port) {
  const reachableHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const urlHost = reachableHost.includes(":") ? `[${reachableHost}]` : reachableHost;
  return `postgresql://postgres:postgres@${urlHost}:${port}/postgres?sslmode=disable`;
}

function describeListenTarget(host, port) {
  return port ? `port ${port}` : `${host} (any free port)`;
}

function describeListenError(error) {
  switch (error?.code) {
    case "EADDRINUSE":
      return "address in use";
    case "EACCES":
      return "permission denied";
    case "EADDRNOTAVAIL":
      return "address not available on this machine";
    default:
      return error?.message ?? String(error);
  }
}

/** Data directories opened by this process (the lock file cannot tell them apart). */
const dataDirectoriesInUse = new Set();

/**
 * One instance at a time may open a data directory: two PGlite instances writing the same
 * files corrupt them. The lock file records the owner's pid; a lock left by a dead process
 * is taken over.
 */
function lockDataDirectory(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE_NAME);
  const ownerPid = dataDirectoriesInUse.has(dataDir) ? process.pid : readLockOwner(lockPath);
  const heldHere = ownerPid === process.pid && dataDirectoriesInUse.has(dataDir);
  if (heldHere || (ownerPid && ownerPid !== process.pid && isProcessAlive(ownerPid))) {
    throw new Error(
      `Embedded PostgreSQL data directory ${dataDir} is in use by process ${ownerPid}; stop it first (or remove ${lockPath} if that process is not PostgreSQL).`,
    );
  }
  fs.writeFileSync(lockPath, `${process.pid}\n`);
  dataDirectoriesInUse.add(dataDir);
  return () => {
    dataDirectoriesInUse.delete(dataDir);
    if (readLockOwner(lockPath) === process.pid) fs.rmSync(lockPath, { force: true });
  };
}

function readLockOwner(lockPath) {
  try {
    return Number.parseInt(fs.readFileSync(lockPath, "utf8"), 10) || undefined;
  } catch {
    return undefined;
  }
}

function isProcessAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Replaces pglite-socket's per-message query queue with a SessionQueue. The server hands its
 * queue to every connection handler it creates; the handlers use only enqueue(),
 * clearQueueForHandler() and clearTransactionIfNeeded(), which SessionQueue implements.
 */
function installSessionQueue(server, db, label) {
  if (typeof server.queryQueue?.enqueue !== "function") {
    throw new Error(
      "@electric-sql/pglite-socket changed its internals (no queryQueue); scripts/embedded-postgres.mjs needs updating for this version.",
    );
  }
  const queue = new SessionQueue(db, label);
  server.queryQueue = queue;
  return queue;
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const TRANSACTION_IDLE = 0x49; // 'I'
const SYNC_MESSAGE = Uint8Array.from([0x53, 0, 0, 0, 4]); // 'S', length 4

/**
 * Runs wire-protocol messages against PGlite one at a time, giving the session to one
 * connection from its first message until PGlite reports ReadyForQuery with status idle.
 * Messages of other connections wait in arrival order.
 */
class SessionQueue {
  #db;
  #label;
  #waiting = [];
  #owner = null;
  #ownerSince = 0;
  #running = false;
  #closed = false;
  #idleWaiters = [];
  #warnedHold = false;
  #watchdog;

  constructor(db, label) {
    this.#db = db;
    this.#label = label;
    this.#watchdog = setInterval(() => this.#warnAboutLongHold(), 1_000);
    this.#watchdog.unref();
  }

  /** Called by a connection handler for each complete frontend message. */
  enqueue(handlerId, message, onData) {
    if (this.#closed) return Promise.reject(new Error(`${this.#label} is shutting down`));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ handlerId, message, onData, resolve, reject });
      this.#pump();
    });
  }

  /** A connection went away: its unprocessed messages are dropped. */
  clearQueueForHandler(handlerId) {
    this.#waiting = this.#waiting.filter((item) => {
      if (item.handlerId !== handlerId || item.reset) return true;
      item.reject(new Error("connection closed"));
      return false;
    });
  }

  /**
   * A connection went away: if it held the session (mid-query or in a transaction), end its
   * protocol exchange and roll its transaction back before anyone else gets the session.
   */
  clearTransactionIfNeeded(handlerId) {
    if (this.#owner !== handlerId || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiting.unshift({ handlerId, reset: true, resolve, reject: resolve });
      this.#pump();
    });
  }

  getQueueLength() {
    return this.#waiting.length;
  }

  /** Waits until queued work is done, then refuses new work. */
  async close() {
    await this.#idle();
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const item of this.#waiting.splice(0)) item.reject(new Error(`${this.#label} is shutting down`));
  }

  #idle() {
    if (!this.#running && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async #pump() {
    if (this.#running) return;
    this.#running = true;
    try {
      for (;;) {
        const index = this.#owner === null ? 0 : this.#waiting.findIndex((item) => item.handlerId === this.#owner);
        // The owner has not sent its next message yet: everyone else keeps waiting.
        if (index === -1 || this.#waiting.length === 0) break;
        const [item] = this.#waiting.splice(index, 1);
        if (this.#owner !== item.handlerId) {
          this.#owner = item.handlerId;
          this.#ownerSince = Date.now();
          this.#warnedHold = false;
        }
        if (item.reset) {
          await this.#resetSession().catch(() => {});
          this.#owner = null;
          item.resolve();
          continue;
        }
        await this.#run(item);
      }
    } finally {
      this.#running = false;
      if (this.#waiting.length === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }

  async #run(item) {
    const watcher = new ReadyForQueryWatcher();
    let bytes = 0;
    try {
      await this.#db.runExclusive(() =>
        this.#db.execProtocolRawStream(item.message, {
          onRawData: (data) => {
            bytes += data.length;
            watcher.push(data);
            item.onData(data);
          },
        }),
      );
    } catch (error) {
      // PGlite itself failed (not an SQL error, those come back as ErrorResponse messages):
      // the session state is unknown, so reset it and let the next connection in.
      await this.#resetSession().catch(() => {});
      this.#owner = null;
      item.reject(error);
      return;
    }
    if (watcher.lastStatus === TRANSACTION_IDLE) this.#owner = null;
    item.resolve(bytes);
  }

  /** Ends a half-finished extended-protocol exchange and rolls back an open transaction. */
  async #resetSession() {
    await this.#db.runExclusive(async () => {
      await this.#db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => {} });
      if (this.#db.isInTransaction()) {
        await this.#db.execProtocolRawStream(simpleQueryMessage("ROLLBACK"), { onRawData: () => {} });
      }
    });
  }

  #warnAboutLongHold() {
    if (this.#owner === null || this.#warnedHold) return;
    const heldMs = Date.now() - this.#ownerSince;
    const waitingConnections = new Set(this.#waiting.map((item) => item.handlerId));
    waitingConnections.delete(this.#owner);
    if (heldMs < LONG_HOLD_WARNING_MS || waitingConnections.size === 0) return;
    this.#warnedHold = true;
    console.warn(
      `${this.#label}: one connection has held the database session for ${Math.round(heldMs / 1000)} s ` +
        `(usually an open transaction) while ${waitingConnections.size} other connection(s) wait. PGlite runs ` +
        `one session at a time; code that waits for another connection inside a transaction never finishes.`,
    );
  }
}

function simpleQueryMessage(sql) {
  const text = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + text.length);
  message[0] = 0x51; // 'Q'
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

/**
 * Follows the backend message stream (type byte, int32 length, body; chunks may split
 * messages anywhere) and remembers the transaction status of the last ReadyForQuery.
 */
class ReadyForQueryWatcher {
  lastStatus = undefined;
  #header = Buffer.alloc(5);
  #headerBytes = 0;
  #type = 0;
  #bodyLeft = 0;
  #bodyRead = 0;

  push(chunk) {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#bodyLeft === 0) {
        this.#header[this.#headerBytes++] = chunk[offset++];
        if (this.#headerBytes === 5) {
          this.#type = this.#header[0];
          this.#bodyLeft = this.#header.readInt32BE(1) - 4;
          this.#bodyRead = 0;
          this.#headerBytes = 0;
        }
        continue;
      }
      const take = Math.min(this.#bodyLeft, chunk.length - offset);
      if (this.#type === READY_FOR_QUERY && this.#bodyRead === 0) this.lastStatus = chunk[offset];
      this.#bodyRead += take;
      this.#bodyLeft -= take;
      offset += take;
    }
  }
}

// ─── CLI ────────────────────────────────────────────────────────────────────────────────

function parseCliArguments(argv) {
  const options = { dataDir: undefined, port: 0, host: "127.0.0.1", shadow: true };
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i];
    const [name, inlineValue] = argument.split(/=(.*)/s, 2);
    const value = () => {
      const next = inlineValue ?? argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case "--data-dir":
        options.dataDir = value();
        break;
      case "--port": {
        const port = Number(value());
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0–65535`);
        options.port = port;
        break;
      }
      case "--host":
        options.host = value();
        break;
      case "--no-shadow":
        options.shadow = false;
        break;
      case "--help":
      case "-h":
        console.log(
          "Usage: node scripts/embedded-postgres.mjs [--data-dir DIR] [--port N] [--host HOST] [--no-shadow]\n" +
            "Starts PGlite (in memory unless --data-dir) and prints DATABASE_URL / SHADOW_DATABASE_URL.",
        );
        process.exit(0);
      default:
        throw new Error(`Unknown option ${argument} (try --help)`);
    }
  }
  return options;
}

async function main() {
  let options;
  try {
    options = parseCliArguments(process.argv.slice(2));
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  let database;
  try {
    database = await startEmbeddedPostgres(options);
  } catch (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`DATABASE_URL=${database.url}`);
  if (database.shadowUrl) console.log(`SHADOW_DATABASE_URL=${database.shadowUrl}`);
  console.error(
    `Embedded PostgreSQL running (${options.dataDir ? `data in ${path.resolve(options.dataDir)}` : "in memory"}); Ctrl+C stops it.`,
  );
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await database.stop();
      process.exit(0);
    } catch (error) {
      console.error(`Embedded PostgreSQL did not stop cleanly: ${error.message}`);
      process.exit(1);
    }
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
if (invokedDirectly) await main();
