import { existsSync } from "node:fs";
import { chromium, defineConfig, devices } from "@playwright/test";
import { assertLiveEnvironment, e2eTarget, sandboxOnlyPattern } from "./e2e/live/target";
import { portsFor, selectedProviders } from "./e2e/providers";

// A system Chromium when there is one (CHROMIUM_PATH, else Debian's /usr/bin/chromium),
// otherwise the browser Playwright manages. Never downloads anything.
function chromiumExecutable(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  const system = candidates.find((candidate) => candidate && existsSync(candidate));
  if (system) return system;
  if (existsSync(chromium.executablePath())) return undefined;
  throw new Error(
    "No Chromium found: install one (Debian: `apt-get install -y chromium`, or set CHROMIUM_PATH), or run `npx playwright install chromium` where the internet is reachable.",
  );
}

const browser = {
  ...devices["Desktop Chrome"],
  launchOptions: {
    executablePath: chromiumExecutable(),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  },
};

const providers = selectedProviders();
// Default: the local sandbox. E2E_TARGET=live: the providers' real test mode with the keys in
// the environment — checked here, before any server starts, with every missing variable named.
const target = e2eTarget();
if (target === "live") assertLiveEnvironment(providers);

export default defineConfig({
  testDir: "e2e",
  // Projects (one per provider, each with its own server) run side by side; a project's files
  // and tests run one at a time (workers: 1 below) because they share that provider's sandbox
  // settings: a reset, a pause or a fault in one test must not hit another in flight.
  fullyParallel: false,
  workers: Math.min(2, providers.length),
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  // Real hosted pages are slower than the sandbox's; journeys that need the sandbox are left out.
  timeout: target === "live" ? 120_000 : 60_000,
  grepInvert: target === "live" ? sandboxOnlyPattern() : undefined,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: { trace: "retain-on-failure", screenshot: "only-on-failure" },
  projects: providers.map((provider, index) => ({
    name: provider.name,
    workers: 1,
    // Sign-in and the catalog do not depend on the provider: they run once.
    testIgnore: provider.name === "stripe" ? undefined : ["**/auth.spec.ts", "**/pricing.spec.ts"],
    metadata: { provider, target, sandboxBasePort: portsFor(index).sandboxBase },
    use: { ...browser, baseURL: `http://localhost:${portsFor(index).app}` },
  })),
  webServer: providers.map((provider, index) => ({
    command: "node scripts/e2e-server.mjs",
    url: `http://localhost:${portsFor(index).app}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "pipe" as const,
    stderr: "pipe" as const,
    env: {
      E2E_PORT: String(portsFor(index).app),
      SANDBOX_PORT: String(portsFor(index).sandboxBase),
      PAYMENTS_PROVIDER: provider.name,
    },
  })),
});
