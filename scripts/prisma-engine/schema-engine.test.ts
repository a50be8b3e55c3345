// The offline Prisma toolchain: embedded PostgreSQL (PGlite over the wire protocol) and the
// WebAssembly schema engine bridge, driven through the real Prisma CLI.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ColumnTypeEnum } from "@prisma/driver-adapter-utils";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../embedded-postgres.mjs";
import { decideSchemaEngine, runPrisma, schemaEngineBridgePath } from "../prisma.mjs";
import { createAdapterFactory } from "./adapter-factory.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const prismaCli = path.join(root, "node_modules", "prisma", "build", "index.js");
// Generous: Prisma CLI processes are CPU-bound and slow down a lot on a busy machine.
const CLI_TIMEOUT_MS = 240_000;

const INITIAL_SCHEMA = `datasource db {
  provider = "postgresql"
}

enum Kind {
  HUMAN
  ROBOT
}

model Author {
  id    Int    @id @default(autoincrement())
  name  String
  kind  Kind   @default(HUMAN)
  posts Post[]
}

model Post {
  id       Int    @id @default(autoincrement())
  title    String @unique
  authorId Int
  author   Author @relation(fields: [authorId], references: [id])

  @@index([authorId])
}
`;

const CHANGED_SCHEMA = INITIAL_SCHEMA.replace("  title    String @unique\n", "  title    String @unique\n  body     String?\n").concat(`
model Tag {
  id    Int    @id @default(autoincrement())
  label String @unique
}
`);

/** A throwaway project: schema, migrations folder and a config reading the environment. */
function createProject() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "schema-engine-bridge-"));
  fs.mkdirSync(path.join(dir, "prisma"));
  fs.writeFileSync(path.join(dir, "prisma", "schema.prisma"), INITIAL_SCHEMA);
  // A plain object (no `prisma/config` import) so the temp dir needs no node_modules.
  fs.writeFileSync(
    path.join(dir, "prisma.config.mjs"),
    `export default {
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "", shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL },
};
`,
  );
  return {
    dir,
    writeSchema: (schema: string) => fs.writeFileSync(path.join(dir, "prisma", "schema.prisma"), schema),
    migrationNames: () =>
      fs.existsSync(path.join(dir, "prisma", "migrations"))
        ? fs.readdirSync(path.join(dir, "prisma", "migrations")).filter((name) => !name.endsWith(".toml")).sort()
        : [],
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

type Database = { url: string; shadowUrl?: string };

/** Runs the real Prisma CLI with the bridge as its schema engine; captures the output. */
function prisma(project: { dir: string }, args: string[], database: Database): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: schemaEngineBridgePath,
    CHECKPOINT_DISABLE: "1",
    DATABASE_URL: database.url,
  };
  if (database.shadowUrl) env.SHADOW_DATABASE_URL = database.shadowUrl;
  else delete env.SHADOW_DATABASE_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [prismaCli, ...args, "--config", "prisma.config.mjs"], {
      cwd: project.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The project's migration workflow, start to finish, through the CLI: create, apply, check,
 * evolve, compare. Each step's exit code and output is checked, then the database itself.
 * Then what a new clone does: `migrate dev` on an empty database with committed migrations.
 * One test (not one per step) so that workflows on different servers can run concurrently.
 */
async function runMigrationWorkflow(database: Database, emptyDatabase: Database) {
  const project = createProject();
  try {
    const init = await prisma(project, ["migrate", "dev", "--create-only", "--name", "init"], database);
    expect(init.code, init.output).toBe(0);
    expect(init.output).toContain("created the following migration without applying it");
    const [first] = project.migrationNames();
    expect(first).toMatch(/^\d+_init$/);
    const sql = fs.readFileSync(path.join(project.dir, "prisma", "migrations", first, "migration.sql"), "utf8");
    expect(sql).toContain('CREATE TABLE "Author"');
    expect(sql).toContain(`CREATE TYPE "Kind" AS ENUM ('HUMAN', 'ROBOT')`);

    const deploy = await prisma(project, ["migrate", "deploy"], database);
    expect(deploy.code, deploy.output).toBe(0);
    expect(deploy.output).toContain("All migrations have been successfully applied.");

    const status = await prisma(project, ["migrate", "status"], database);
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain("Database schema is up to date!");

    project.writeSchema(CHANGED_SCHEMA);
    const second = await prisma(project, ["migrate", "dev", "--name", "add_body_and_tags"], database);
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain("Your database is now in sync with your schema.");
    expect(project.migrationNames()).toEqual([first, expect.stringMatching(/^\d+_add_body_and_tags$/)]);

    // Replaying the migrations needs the shadow database; the engine's verdict reaches the
    // CLI as a "print" request; a difference would make the exit code 2.
    const diff = await prisma(
      project,
      ["migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", "prisma/schema.prisma", "--exit-code"],
      database,
    );
    expect(diff.code, diff.output).toBe(0);
    expect(diff.output).toContain("No difference detected.");

    const tables = await query<{ table_name: string }>(
      database.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((row) => row.table_name)).toEqual(["Author", "Post", "Tag", "_prisma_migrations"]);
    const applied = await query<{ migration_name: string }>(
      database.url,
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
    );
    expect(applied.map((row) => row.migration_name)).toEqual(project.migrationNames());
    await query(database.url, `INSERT INTO "Author" (name) VALUES ('Ada')`);
    await query(database.url, `INSERT INTO "Post" (title, body, "authorId") SELECT 'Notes', 'On engines', id FROM "Author"`);
    const rows = await query(database.url, `SELECT a.name, a.kind::text AS kind, p.body FROM "Post" p JOIN "Author" a ON a.id = p."authorId"`);
    expect(rows).toEqual([{ name: "Ada", kind: "HUMAN", body: "On engines" }]);

    // Applying pending migrations, then checking the schema against the whole history: the
    // Wasm engine needs the bridge's help here (see evaluateDataLoss in schema-engine.mjs).
    const clone = await prisma(project, ["migrate", "dev", "--name", "nothing_new"], emptyDatabase);
    expect(clone.code, clone.output).toBe(0);
    expect(clone.output).toContain("The following migration(s) have been applied");
    expect(clone.output).toContain("Your database is now in sync with your schema.");
    expect(project.migrationNames()).toHaveLength(2);
    const cloneTables = await query<{ n: number }>(
      emptyDatabase.url,
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(cloneTables).toEqual([{ n: 4 }]);
  } finally {
    project.remove();
  }
}

/** Catalog column types adapter-pg cannot map must reach the engine as Character / Text. */
async function expectCatalogTypesPresented(url: string) {
  const factory = createAdapterFactory({ url });
  const adapter = await factory.connect();
  const catalogQuery = {
    sql: `SELECT 'r'::"char" AS kind, 'pg_class'::regclass AS rel, 'int4'::regtype AS typ, '1 2'::int2vector AS vec`,
    args: [],
    argTypes: [],
  };
  const expectedTypes = [ColumnTypeEnum.Character, ColumnTypeEnum.Text, ColumnTypeEnum.Text, ColumnTypeEnum.Text];
  try {
    const direct = await adapter.queryRaw(catalogQuery);
    expect(direct.columnTypes).toEqual(expectedTypes);
    expect(direct.rows).toEqual([["r", "pg_class", "integer", "1 2"]]);
    const transaction = await adapter.startTransaction();
    try {
      expect((await transaction.queryRaw(catalogQuery)).columnTypes).toEqual(expectedTypes);
    } finally {
      await transaction.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] });
      await transaction.rollback();
    }
  } finally {
    await factory.disposeAll();
  }
}

const temporaryShadowDatabases = async (url: string) =>
  (await query<{ datname: string }>(url, "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'")).map(
    (row) => row.datname,
  );

describe("embedded PostgreSQL (PGlite)", () => {
  let database: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await startEmbeddedPostgres({ shadow: true });
    pool = new pg.Pool({ connectionString: database.url, max: 10 });
    await pool.query("CREATE TABLE entries (id serial PRIMARY KEY, owner int NOT NULL)");
  });
  afterAll(async () => {
    await pool?.end();
    await database?.stop();
  });

  it("runs 20 concurrent transactions with rollbacks on a pool of 10, beside parameterised queries", async () => {
    const problems: string[] = [];
    const transactions = Array.from({ length: 20 }, async (_, owner) => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        for (let row = 0; row < 3; row++) await client.query("INSERT INTO entries (owner) VALUES ($1)", [owner]);
        const [{ n }] = (await client.query("SELECT count(*)::int AS n FROM entries WHERE owner = $1", [owner])).rows;
        if (n !== 3) problems.push(`transaction ${owner} saw ${n} of its 3 rows`);
        if (owner % 3 === 0) {
          await client.query("SELECT 1 / 0").then(
            () => problems.push("division by zero succeeded"),
            () => {},
          );
        }
        await client.query(owner % 2 === 0 ? "COMMIT" : "ROLLBACK");
      } finally {
        client.release();
      }
    });
    // Outside transactions, extended-protocol queries from other pool connections; with
    // pglite-socket's own per-message queue these got each other's (or no) results.
    const lookups = Array.from({ length: 60 }, (_, index) =>
      pool.query("SELECT $1::int * 2 AS doubled", [index]).then(
        ({ rows }) => rows[0]?.doubled !== index * 2 && problems.push(`lookup ${index} got ${JSON.stringify(rows)}`),
        (error: Error) => problems.push(`lookup ${index} failed: ${error.message}`),
      ),
    );
    await Promise.all([...transactions, ...lookups]);

    expect(problems).toEqual([]);
    // Committed: even owners, except those whose transaction failed (multiples of 3).
    const committedOwners = Array.from({ length: 20 }, (_, owner) => owner).filter((owner) => owner % 2 === 0 && owner % 3 !== 0);
    const rows = (await pool.query("SELECT owner, count(*)::int AS n FROM entries GROUP BY owner ORDER BY owner")).rows;
    expect(rows).toEqual(committedOwners.map((owner) => ({ owner, n: 3 })));
  });

  it("lets a connection wait while another holds a transaction, then serves it", async () => {
    const holder = await pool.connect();
    const waiter = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("INSERT INTO entries (owner) VALUES (1000)");
      let answered = false;
      const waiting = waiter.query("SELECT count(*)::int AS n FROM entries WHERE owner = 1000").then(({ rows }) => {
        answered = true;
        return rows[0].n;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // PGlite is one session: the other connection cannot run inside this transaction.
      expect(answered).toBe(false);
      await holder.query("COMMIT");
      expect(await waiting).toBe(1);
    } finally {
      holder.release();
      waiter.release();
    }
  });

  it("rolls back the transaction of a connection that disappears and serves the others", async () => {
    const vanishing = new pg.Client({ connectionString: database.url });
    vanishing.on("error", () => {});
    await vanishing.connect();
    await vanishing.query("BEGIN");
    await vanishing.query("INSERT INTO entries (owner) VALUES (2000)");
    const waiting = pool.query("SELECT count(*)::int AS n FROM entries WHERE owner = 2000");
    (vanishing as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
  });

  it("presents catalog column types the schema engine needs", async () => {
    await expectCatalogTypesPresented(database.url);
  });

  describe("as the shadow database of the bridge", () => {
    it("is emptied before use", async () => {
      const shadowUrl = database.shadowUrl!;
      await query(shadowUrl, "CREATE SCHEMA leftover; CREATE TABLE leftover.t (x int); CREATE TABLE public.t (x int)");
      const factory = createAdapterFactory({ url: database.url, shadowDatabaseUrl: shadowUrl });
      try {
        await factory.connectToShadowDb();
      } finally {
        await factory.disposeAll();
      }
      const remaining = await query(
        shadowUrl,
        `SELECT n.nspname AS schema, count(c.oid)::int AS relations FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid
          WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' GROUP BY n.nspname`,
      );
      expect(remaining).toEqual([{ schema: "public", relations: 0 }]);
    });

    it("is refused when it names the main database", async () => {
      const factory = createAdapterFactory({ url: database.url, shadowDatabaseUrl: database.url.replace("127.0.0.1", "localhost") });
      await expect(factory.connectToShadowDb()).rejects.toThrow("appears to be the same as the main database");
      expect((await pool.query("SELECT count(*)::int AS n FROM entries")).rows[0].n).toBeGreaterThan(0);
    });

    it("is refused, not emptied, when it holds a _prisma_migrations table", async () => {
      const shadowUrl = database.shadowUrl!;
      await query(shadowUrl, "CREATE TABLE _prisma_migrations (id text)");
      const factory = createAdapterFactory({ url: "postgresql://postgres@127.0.0.1:1/elsewhere", shadowDatabaseUrl: shadowUrl });
      await expect(factory.connectToShadowDb()).rejects.toThrow("contains a _prisma_migrations table");
      expect(await query(shadowUrl, "SELECT to_regclass('_prisma_migrations')::text AS t")).toEqual([{ t: "_prisma_migrations" }]);
      await query(shadowUrl, "DROP TABLE _prisma_migrations");
    });

    it("cannot be a temporary database on PGlite, which ignores database names", async () => {
      const factory = createAdapterFactory({ url: database.url });
      await expect(factory.connectToShadowDb()).rejects.toThrow("ignored the database name");
      expect(await temporaryShadowDatabases(database.url)).toEqual([]);
      expect((await pool.query("SELECT count(*)::int AS n FROM entries")).rows[0].n).toBeGreaterThan(0);
    });
  });

  it("keeps a data directory's data across stop and start, for one process at a time", { timeout: 60_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "embedded-postgres-data-"));
    try {
      const first = await startEmbeddedPostgres({ dataDir, shadow: false });
      await query(first.url, "CREATE TABLE kept (note text)");
      await query(first.url, "INSERT INTO kept VALUES ('survives a restart')");
      await expect(startEmbeddedPostgres({ dataDir, shadow: false })).rejects.toThrow(/is in use by process \d+/);
      await first.stop();

      const second = await startEmbeddedPostgres({ dataDir, shadow: false });
      try {
        expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "survives a restart" }]);
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("says clearly when its port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      await expect(startEmbeddedPostgres({ port, shadow: false })).rejects.toThrow(
        `Embedded PostgreSQL could not start on port ${port}: address in use`,
      );
    } finally {
      blocker.close();
    }
  });
});

const testPostgresUrl = process.env.TEST_POSTGRES_URL;

const testDatabaseNames = new Set<string>();

/** Fresh databases on the TEST_POSTGRES_URL server (dropped after the tests, see afterAll). */
async function createTestDatabases(count: number) {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `bridge_test_${randomBytes(4).toString("hex")}`;
    testDatabaseNames.add(name);
    await query(testPostgresUrl!, `CREATE DATABASE "${name}"`);
    const url = new URL(testPostgresUrl!);
    url.pathname = `/${name}`;
    urls.push(url.toString());
  }
  return urls;
}

async function dropTestDatabases() {
  for (const name of testDatabaseNames) {
    await query(testPostgresUrl!, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    testDatabaseNames.delete(name);
  }
}

// Each test below spends most of its time in Prisma CLI processes: run them side by side.
describe.concurrent("schema engine bridge, through the real Prisma CLI", () => {
  // Here rather than in the test, so the databases go even when the test times out.
  afterAll(async () => {
    if (testPostgresUrl) await dropTestDatabases();
  });

  it("runs the migration workflow on embedded PostgreSQL (shadow database: a second PGlite)", { timeout: CLI_TIMEOUT_MS }, async () => {
    const database = await startEmbeddedPostgres({ shadow: true });
    const emptyDatabase = await startEmbeddedPostgres({ shadow: false });
    try {
      // The empty database borrows the first one's shadow database (emptied before each use).
      await runMigrationWorkflow(database, { url: emptyDatabase.url, shadowUrl: database.shadowUrl });
    } finally {
      await emptyDatabase.stop();
      await database.stop();
    }
  });

  (testPostgresUrl ? it : it.skip)(
    `runs the migration workflow on a real PostgreSQL server (temporary shadow database)${testPostgresUrl ? "" : " [skipped: set TEST_POSTGRES_URL, e.g. postgresql://postgres:postgres@127.0.0.1:5432/postgres]"}`,
    { timeout: CLI_TIMEOUT_MS },
    async () => {
      const [url, emptyUrl] = await createTestDatabases(2);
      const shadowDatabasesBefore = await temporaryShadowDatabases(url);
      await runMigrationWorkflow({ url }, { url: emptyUrl });
      // The bridge drops the temporary shadow databases it creates.
      expect(await temporaryShadowDatabases(url)).toEqual(shadowDatabasesBefore);
      await expectCatalogTypesPresented(url);
    },
  );

  it("reports an unreachable database with Prisma's error code", { timeout: CLI_TIMEOUT_MS }, async () => {
    const project = createProject();
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    try {
      const result = await prisma(project, ["migrate", "deploy"], {
        url: `postgresql://postgres:postgres@127.0.0.1:${closedPort}/postgres`,
      });
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("P1001");
      expect(result.output).toContain(`Can't reach database server at \`127.0.0.1:${closedPort}\``);
    } finally {
      project.remove();
    }
  });

  it("scripts/prisma.mjs runs the CLI with the bridge when told to (validate, no database)", { timeout: CLI_TIMEOUT_MS }, async () => {
    const project = createProject();
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, PRISMA_OFFLINE_ENGINE: "1", DATABASE_URL: "" };
      delete env.PRISMA_SCHEMA_ENGINE_BINARY;
      expect(await runPrisma(["validate", "--config", "prisma.config.mjs"], { env, cwd: project.dir, quiet: true })).toBe(0);
    } finally {
      project.remove();
    }
  });
});

describe("scripts/prisma.mjs", () => {
  it("chooses the schema engine from the environment before asking DNS", async () => {
    expect(await decideSchemaEngine({ PRISMA_OFFLINE_ENGINE: "1" })).toMatchObject({ useBridge: true });
    expect(await decideSchemaEngine({ PRISMA_OFFLINE_ENGINE: "0" })).toMatchObject({ useBridge: false });
    expect(await decideSchemaEngine({ PRISMA_SCHEMA_ENGINE_BINARY: "/x", PRISMA_OFFLINE_ENGINE: "1" })).toMatchObject({
      useBridge: false,
    });
  });
});
