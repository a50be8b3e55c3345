// Plain `pg` operations of the schema engine bridge: the one-shot CLI commands Prisma runs
// before migrating (can the database be reached, create it, drop it) and the translation of
// connection failures into Prisma's own error codes, which the CLI branches on (P1003 makes
// `migrate dev` offer to create the database, for example).
import pg from "pg";

const CONNECT_TIMEOUT_MS = 5_000;

/** An error with a Prisma error code (P1001, …) that the CLI shows as-is. */
export class PrismaCodedError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PrismaCodedError";
    this.code = code;
  }
}

/** What a connection string points at, with PostgreSQL's defaults filled in. */
export function describeUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new PrismaCodedError(
      "P1013",
      "The provided database string is invalid. The database URL could not be parsed. Check DATABASE_URL / the datasource url in prisma.config.ts.",
    );
  }
  if (!["postgres:", "postgresql:"].includes(parsed.protocol)) {
    throw new PrismaCodedError(
      "P1013",
      `The provided database string is invalid. The URL must start with postgresql:// or postgres:// (got ${parsed.protocol}//); this bridge only speaks PostgreSQL.`,
    );
  }
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || "postgres";
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || user;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1") || parsed.searchParams.get("host") || "localhost";
  const port = Number(parsed.port || 5432);
  return { host, port, user, database, schema: parsed.searchParams.get("schema") ?? undefined };
}

/** The same server and credentials, another database. */
export function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** True when two URLs name the same database on the same server. */
export function isSameDatabase(urlA, urlB) {
  const a = describeUrl(urlA);
  const b = describeUrl(urlB);
  return normalizeHost(a.host) === normalizeHost(b.host) && a.port === b.port && a.database === b.database;
}

function normalizeHost(host) {
  return ["localhost", "127.0.0.1", "::1"].includes(host) ? "localhost" : host.toLowerCase();
}

export function quoteIdentifier(name) {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Maps a `pg` connection or server error to Prisma's user-facing error, or returns
 * undefined for errors without a dedicated code.
 */
export function toPrismaConnectionError(error, url) {
  const { host, port, user, database } = describeUrl(url);
  const address = `${host}:${port}`;
  const code = error?.code;
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"].includes(code)) {
    return new PrismaCodedError(
      "P1001",
      `Can't reach database server at \`${address}\`\n\nPlease make sure your database server is running at \`${address}\`.`,
    );
  }
  const isServerError = typeof error?.severity === "string";
  if (!isServerError && (code === "ETIMEDOUT" || /timeout/i.test(error?.message ?? ""))) {
    return new PrismaCodedError(
      "P1002",
      `The database server at \`${address}\` was reached but timed out.\n\nPlease try again.\n\nPlease make sure your database server is running at \`${address}\`.`,
    );
  }
  switch (code) {
    case "3D000":
      return new PrismaCodedError(
        "P1003",
        `Database \`${database}\` does not exist on the database server at \`${address}\`.`,
      );
    case "28P01":
      return new PrismaCodedError(
        "P1000",
        `Authentication failed against database server, the provided database credentials for \`${user}\` are not valid.\n\nPlease make sure to provide valid database credentials for the database server at the configured address.`,
      );
    case "28000":
      return new PrismaCodedError("P1010", `User \`${user}\` was denied access on the database \`${database}\``);
    case "42P04":
      return new PrismaCodedError(
        "P1009",
        `Database \`${database}\` already exists on the database server at \`${address}\``,
      );
    case "42501":
      return new PrismaCodedError("P1010", `User \`${user}\` was denied access on the database \`${database}\``);
  }
  if (!isServerError && /ssl|tls|certificate/i.test(error?.message ?? "")) {
    return new PrismaCodedError("P1011", `Error opening a TLS connection: ${error.message}`);
  }
  return undefined;
}

/** Runs `work(client)` on a fresh connection to `url`; connection errors become Prisma errors. */
export async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on("error", () => {}); // a dropped idle connection must not crash the process
  try {
    await client.connect();
  } catch (error) {
    throw toPrismaConnectionError(error, url) ?? error;
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Connects to the server's maintenance database, to create or drop `url`'s database. */
async function withMaintenanceClient(url, work) {
  const { database } = describeUrl(url);
  let lastError;
  for (const maintenanceDatabase of ["postgres", "template1"]) {
    if (maintenanceDatabase === database) continue;
    try {
      return await withClient(withDatabase(url, maintenanceDatabase), work);
    } catch (error) {
      // Only a missing maintenance database is worth another try.
      if (error?.code !== "P1003") throw error;
      lastError = error;
    }
  }
  throw lastError ?? new Error(`Cannot connect to a maintenance database to manage \`${database}\`.`);
}

export async function canConnectToDatabase(url) {
  await withClient(url, (client) => client.query("SELECT 1"));
}

export async function createDatabase(url) {
  const { database } = describeUrl(url);
  await withMaintenanceClient(url, async (client) => {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(database)}`);
    } catch (error) {
      throw toPrismaConnectionError(error, url) ?? error;
    }
  });
  return database;
}

export async function dropDatabase(url) {
  const { database } = describeUrl(url);
  await withMaintenanceClient(url, async (client) => {
    try {
      await client.query(`DROP DATABASE ${quoteIdentifier(database)}`);
    } catch (error) {
      throw toPrismaConnectionError(error, url) ?? error;
    }
  });
  return database;
}
