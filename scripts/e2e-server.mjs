// The Playwright web server: a production build (`next start`) on a throwaway embedded
// database (or DATABASE_URL), with the dev mailbox allowed because no mail server exists.
import { loadEnvFiles, migrateAndSeed, nextBin, provideDatabase, providePayments, superviseChild } from "./local-stack.mjs";

loadEnvFiles({ dev: false });

const port = process.env.E2E_PORT ?? "3100";
const database = await provideDatabase({});
await migrateAndSeed(database.url);
const payments = await providePayments({ appUrl: `http://localhost:${port}`, port: Number(process.env.SANDBOX_PORT || 4310) });
console.log(`[e2e] database: ${database.label}`);
console.log(`[e2e] payments: ${payments.label}`);

superviseChild(process.execPath, [nextBin(), "start", "--port", port], {
  env: {
    ...process.env,
    ...payments.env,
    NODE_ENV: "production",
    DATABASE_URL: database.url,
    // `next start` reports its own address as "localhost"; the browser must use the same host,
    // or Auth.js redirects and cookies land on another origin.
    APP_URL: `http://localhost:${port}`,
    AUTH_SECRET: process.env.AUTH_SECRET ?? "e2e-only-auth-secret-0123456789abcdef0123",
    AUTH_DEV_MAILBOX: "true",
    // The operator e2e (e2e/admin.spec.ts) signs in as this address.
    ADMIN_EMAILS: process.env.ADMIN_EMAILS ?? "e2e-admin@example.com",
    NEXT_TELEMETRY_DISABLED: "1",
  },
  cleanups: [database.stop, payments.stop],
});
