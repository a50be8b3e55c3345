// `npm run dev`: embedded database (unless DATABASE_URL is set), migrations, demo catalog,
// then `next dev`. No keys, no servers to install.
import path from "node:path";
import { loadEnvFiles, migrateAndSeed, nextBin, provideDatabase, root, superviseChild } from "./local-stack.mjs";

loadEnvFiles({ dev: true });

const port = process.env.PORT ?? "3000";
const database = await provideDatabase({
  dataDir: path.join(root, ".data", "pglite"),
  port: Number(process.env.EMBEDDED_DB_PORT ?? 5433),
});

try {
  await migrateAndSeed(database.url);
} catch (error) {
  console.error(`\n✖ ${error.message}\n`);
  await database.stop();
  process.exit(1);
}

console.log(`\n  database  ${database.label}`);
console.log(`  app       http://localhost:${port}\n`);

superviseChild(process.execPath, [nextBin(), "dev", "--port", port], {
  env: { ...process.env, DATABASE_URL: database.url, NEXT_TELEMETRY_DISABLED: "1" },
  cleanups: [database.stop],
});
