// The database side of the schema engine bridge: a migration-aware driver adapter factory
// (connect + connectToShadowDb) built on @prisma/adapter-pg, with two corrections.
//
// 1. Catalog column types. The engine introspects pg_catalog, whose columns use types
//    adapter-pg does not map: `"char"` (oid 18) and the name-like / reg* types. Unmapped,
//    queries fail with "Column type 'char' could not be deserialized from the database".
//    `"char"` must reach the engine as Character, the others as Text.
//
// 2. The shadow database. adapter-pg's own connectToShadowDb creates a random database and
//    then opens a pool with `{ ...config, database }`; with a connectionString config the
//    string wins, so the "shadow" pool is the MAIN database, which Migrate then wipes. It
//    also drops the database before closing that pool. Here the shadow database is either
//    the configured shadowDatabaseUrl, emptied first (after checking it is neither the main
//    database nor one Migrate manages), or a temporary database this module creates, checks
//    (the server must really have switched database: PGlite, for one, ignores the name) and
//    drops after its pool is closed.
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import { describeUrl, isSameDatabase, PrismaCodedError, quoteIdentifier, withClient, withDatabase } from "./database.mjs";

const CHARACTER_OID = 18; // "char"
// int2vector, regproc, oidvector, pg_node_tree, aclitem, regclass, regtype, regconfig,
// regnamespace, regrole
const TEXT_LIKE_OIDS = new Set([22, 24, 30, 194, 1033, 2205, 2206, 3734, 4089, 4096]);
const TEXT_OID = 25;

/**
 * @param {{ url: string, shadowDatabaseUrl?: string }} datasource
 * @returns a factory for bindMigrationAwareSqlAdapterFactory, plus disposeAll() for shutdown
 */
export function createAdapterFactory({ url, shadowDatabaseUrl }) {
  const openAdapters = new Set();

  async function open(connectionUrl, onDisposed = async () => {}) {
    const { schema } = describeUrl(connectionUrl);
    const adapter = await new PrismaPg({ connectionString: connectionUrl }, schema ? { schema } : undefined).connect();
    presentCatalogColumnTypes(adapter);
    const startTransaction = adapter.startTransaction;
    adapter.startTransaction = async function (...args) {
      return presentCatalogColumnTypes(await startTransaction.apply(this, args));
    };
    // The engine and shutdown may both dispose an adapter; pg's Pool.end() throws the second time.
    const dispose = adapter.dispose;
    let disposing;
    adapter.dispose = function () {
      disposing ??= (async () => {
        openAdapters.delete(adapter);
        try {
          await dispose.call(this);
        } finally {
          await onDisposed();
        }
      })();
      return disposing;
    };
    openAdapters.add(adapter);
    return adapter;
  }

  async function connectToTemporaryShadowDatabase() {
    const name = `prisma_migrate_shadow_db_${randomUUID()}`;
    const shadowUrl = withDatabase(url, name);
    await withClient(url, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));
    const drop = () => dropTemporaryDatabase(url, name);
    try {
      const reached = await withClient(shadowUrl, async (client) => (await client.query("SELECT current_database() AS name")).rows[0].name);
      if (reached !== name) {
        throw new Error(
          `The database server at ${describeUrl(url).host}:${describeUrl(url).port} ignored the database name in the connection string ` +
            `(asked for "${name}", got "${reached}"), so a temporary shadow database would be the main database. ` +
            `This happens with PGlite, which serves a single database. Set shadowDatabaseUrl in prisma.config.ts ` +
            `(SHADOW_DATABASE_URL) to a separate, empty database; scripts/embedded-postgres.mjs provides one.`,
        );
      }
      return await open(shadowUrl, drop);
    } catch (error) {
      await drop().catch(() => {});
      throw error;
    }
  }

  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    // The engine connects on start-up even for work that needs no database (e.g. a diff
    // from empty to a schema file); without a URL, fail only if a query is attempted.
    connect: () => (url ? open(url) : Promise.resolve(adapterWithoutDatabase())),
    async connectToShadowDb() {
      if (!shadowDatabaseUrl) return connectToTemporaryShadowDatabase();
      if (isSameDatabase(url, shadowDatabaseUrl)) {
        throw new Error(
          "The shadow database you configured appears to be the same as the main database. Please specify another shadow database (shadowDatabaseUrl / SHADOW_DATABASE_URL).",
        );
      }
      // The Wasm engine applies the migration history to the shadow database as it finds it;
      // leftovers of the previous run would make that fail ("type … already exists").
      await resetShadowDatabase(shadowDatabaseUrl);
      return open(shadowDatabaseUrl);
    },
    /** Closes every pool still open (dropping temporary shadow databases). */
    async disposeAll() {
      await Promise.allSettled([...openAdapters].map((adapter) => adapter.dispose()));
    },
  };
}

const MISSING_URL_MESSAGE =
  "The datasource URL is empty. Set DATABASE_URL (read by datasource.url in prisma.config.ts) to a PostgreSQL connection string.";

/** Stands in for a connection when no URL is configured; every database call fails clearly. */
function adapterWithoutDatabase() {
  const fail = async () => {
    throw new PrismaCodedError("P1013", MISSING_URL_MESSAGE);
  };
  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    queryRaw: fail,
    executeRaw: fail,
    executeScript: fail,
    startTransaction: fail,
    getConnectionInfo: () => ({ supportsRelationJoins: true }),
    dispose: async () => {},
  };
}

/**
 * Makes an adapter-pg queryable (connection or transaction) accept catalog column types.
 * adapter-pg's queryRaw runs `performIO()` and then maps each field's type oid; we hand it a
 * result whose catalog oids read as text, and afterwards turn `"char"` columns into Character.
 */
function presentCatalogColumnTypes(queryable) {
  const { performIO, queryRaw } = queryable;
  if (typeof performIO !== "function" || typeof queryRaw !== "function") {
    throw new Error("@prisma/adapter-pg changed its internals (no performIO); scripts/prisma-engine needs updating.");
  }
  queryable.queryRaw = async function (query) {
    let originalTypeIds = [];
    // A per-call view of the queryable, so concurrent queries never share state.
    const view = Object.create(this);
    view.performIO = async (ioQuery) => {
      const result = await performIO.call(this, ioQuery);
      originalTypeIds = result.fields.map((field) => field.dataTypeID);
      for (const field of result.fields) {
        if (field.dataTypeID === CHARACTER_OID || TEXT_LIKE_OIDS.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
      }
      return result;
    };
    const result = await queryRaw.call(view, query);
    return {
      ...result,
      columnTypes: result.columnTypes.map((type, index) =>
        originalTypeIds[index] === CHARACTER_OID ? ColumnTypeEnum.Character : type,
      ),
    };
  };
  return queryable;
}

/**
 * Empties a configured shadow database: drops every non-system schema, recreates `public`.
 * A database with a `_prisma_migrations` table is a migrated, real database (the engine
 * never creates that table in a shadow database), so it is refused rather than wiped.
 */
async function resetShadowDatabase(shadowUrl) {
  await withClient(shadowUrl, async (client) => {
    const { rows } = await client.query(
      `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = '_prisma_migrations' AND c.relkind IN ('r', 'p')`,
    );
    if (rows.length > 0) {
      const { host, port, database } = describeUrl(shadowUrl);
      throw new Error(
        `The shadow database "${database}" at ${host}:${port} contains a _prisma_migrations table (schema "${rows[0].schema}"), ` +
          `so it is a migrated database, not a shadow database. Refusing to empty it; point shadowDatabaseUrl ` +
          `(SHADOW_DATABASE_URL) at a separate, disposable database.`,
      );
    }
    const { rows: schemas } = await client.query(
      `SELECT nspname AS name FROM pg_namespace
        WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'`,
    );
    for (const { name } of schemas) await client.query(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
    await client.query("CREATE SCHEMA public");
  });
}

/** Drops a temporary shadow database; FORCE (PostgreSQL 13+) ends stragglers' sessions. */
async function dropTemporaryDatabase(mainUrl, name) {
  await withClient(mainUrl, async (client) => {
    try {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    } catch (error) {
      if (error?.code !== "42601") throw error; // syntax error: PostgreSQL 12 or older
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
    }
  });
}
