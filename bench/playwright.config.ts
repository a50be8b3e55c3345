// Playwright for the bench's pay → active runs only (bench/run.mts starts the server and
// passes its address): the system Chromium, one worker, no retries.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: "pay-to-active.spec.ts",
  workers: 1,
  retries: 0,
  timeout: 15 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.BENCH_APP_URL,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] },
  },
});
