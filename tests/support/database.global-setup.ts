import { startEmbeddedPostgres } from "../../scripts/embedded-postgres.mjs";
import { runPrisma } from "../../scripts/prisma.mjs";

// Integration tests run against real PostgreSQL: the server in DATABASE_URL when set,
// otherwise a throwaway in-memory embedded one. Either way the committed migrations are
// applied first, exactly as `npm run dev` and deployments apply them.
export default async function setup() {
  let stop: (() => Promise<void>) | undefined;
  if (!process.env.DATABASE_URL) {
    const embedded = await startEmbeddedPostgres({ shadow: false });
    process.env.DATABASE_URL = embedded.url;
    stop = embedded.stop;
  }
  const code = await runPrisma(["migrate", "deploy"], { env: process.env, quiet: true });
  if (code !== 0) throw new Error(`prisma migrate deploy failed (exit ${code}) on ${redact(process.env.DATABASE_URL)}`);
  return async () => {
    await stop?.();
  };
}

function redact(url = "") {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
