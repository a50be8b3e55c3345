// `npm run db:migrate -- --name what-changed`: creates a migration from schema changes and
// applies it. Without DATABASE_URL it uses the embedded database in .data/pglite (stop
// `npm run dev` first: one process owns it) with an in-memory shadow database.
import path from "node:path";
import { startEmbeddedPostgres } from "./embedded-postgres.mjs";
import { loadEnvFiles, root } from "./local-stack.mjs";
import { runPrisma } from "./prisma.mjs";

loadEnvFiles({ dev: true });
const args = ["migrate", "dev", ...process.argv.slice(2)];

if (process.env.DATABASE_URL) {
  if (!process.env.SHADOW_DATABASE_URL) {
    console.error("prisma migrate dev needs a scratch database it may wipe: set SHADOW_DATABASE_URL (see .env.example).");
    process.exit(1);
  }
  process.exit(await runPrisma(args));
}

const embedded = await startEmbeddedPostgres({ dataDir: path.join(root, ".data", "pglite"), shadow: true });
const code = await runPrisma(args, {
  env: { ...process.env, DATABASE_URL: embedded.url, SHADOW_DATABASE_URL: embedded.shadowUrl },
});
await embedded.stop();
process.exit(code);
