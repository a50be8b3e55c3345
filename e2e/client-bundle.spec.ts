import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

// Invariant 7: nothing secret reaches a client bundle. Scans the JavaScript the browser
// downloads (the production build this suite runs against) for secret values and for code
// that reads secret variables.
const staticDir = path.join(process.cwd(), ".next", "static");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : full.endsWith(".js") ? [full] : [];
  });
}

test("client bundles contain no secret values and read no secret variables", () => {
  test.skip(test.info().project.name !== "stripe", "the build is shared by every project: checked once");
  const bundles = files(staticDir);
  expect(bundles.length).toBeGreaterThan(5);
  const secretValues = [
    "sk_test_sandbox",
    "whsec_sandbox",
    "creem_test_sandbox",
    "dodo_test_sandbox_key",
    "fs_test_sandbox",
    "whsec_ZG9kby1zYW5kYm94", // the sandbox's Dodo (Standard Webhooks) key
    "e2e-only-auth-secret",
    "dev-only-auth-secret",
    "postgresql://",
  ];
  // Every secret variable of lib/env-schema.ts and the providers' config.ts files.
  const secretNames = [
    "AUTH_SECRET",
    "AUTH_GITHUB_SECRET",
    "AUTH_GOOGLE_SECRET",
    "DATABASE_URL",
    "SHADOW_DATABASE_URL",
    "EMAIL_SERVER",
    "CRON_SECRET",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "CREEM_API_KEY",
    "CREEM_WEBHOOK_SECRET",
    "DODO_PAYMENTS_API_KEY",
    "DODO_PAYMENTS_WEBHOOK_KEY",
    "RECUR_SECRET_KEY",
    "RECUR_WEBHOOK_SECRET",
    "FASTSTAR_API_KEY",
    "FASTSTAR_WEBHOOK_SECRET",
  ];
  const found: string[] = [];
  for (const file of bundles) {
    const text = readFileSync(file, "utf8");
    for (const needle of [...secretValues, ...secretNames]) {
      if (text.includes(needle)) found.push(`${path.relative(staticDir, file)}: ${needle}`);
    }
  }
  expect(found).toEqual([]);
});
