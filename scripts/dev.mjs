// `npm run dev`: embedded database (unless DATABASE_URL is set), migrations, demo catalog,
// then `next dev`. No keys, no servers to install.
import path from "node:path";
import { loadEnvFiles, migrateAndSeed, nextBin, provideDatabase, providePayments, root, superviseChild } from "./local-stack.mjs";

loadEnvFiles({ dev: true });

const port = process.env.PORT ?? "3000";
const database = await provideDatabase({
  dataDir: path.join(root, ".data", "pglite"),
  port: Number(process.env.EMBEDDED_DB_PORT || 5433),
});

try {
  await migrateAndSeed(database.url);
} catch (error) {
  console.error(`\n✖ ${error.message}\n`);
  await database.stop();
  process.exit(1);
}

const appUrl = `http://localhost:${port}`;
const payments = await providePayments({ appUrl, port: Number(process.env.SANDBOX_PORT || 4010) });

console.log(`\n  database  ${database.label}`);
console.log(`  payments  ${payments.label}`);
console.log(`  app       ${appUrl}\n`);

superviseChild(process.execPath, [nextBin(), "dev", "--port", port], {
  env: { ...process.env, ...payments.env, DATABASE_URL: database.url, NEXT_TELEMETRY_DISABLED: "1" },
  cleanups: [database.stop, payments.stop],
});
