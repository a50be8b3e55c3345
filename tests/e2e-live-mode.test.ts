// E2E_TARGET=live (the providers' real test mode) cannot run on a machine without internet, so
// what is checked here is what must hold before it ever runs: it refuses to start without the
// right keys, naming every missing one, and leaves out exactly the journeys that need the sandbox.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { assertLiveEnvironment, e2eTarget, liveEnvironmentProblems, SANDBOX_ONLY_TESTS, sandboxOnlyPattern } from "@/e2e/live/target";

const root = path.resolve(import.meta.dirname, "..");
const stripe = [{ name: "stripe" as const }];
const stripeKeys = { STRIPE_SECRET_KEY: "sk_test_123", STRIPE_WEBHOOK_SECRET: "whsec_123" };

describe("E2E_TARGET", () => {
  it("is the sandbox unless it says live; anything else is an error", () => {
    expect(e2eTarget({})).toBe("sandbox");
    expect(e2eTarget({ E2E_TARGET: "sandbox" })).toBe("sandbox");
    expect(e2eTarget({ E2E_TARGET: " Live " })).toBe("live");
    expect(() => e2eTarget({ E2E_TARGET: "prod" })).toThrow(/must be "sandbox" \(default\) or "live"/);
  });
});

describe("live mode refuses to start without the provider's test keys", () => {
  it("names every missing variable, for every selected provider", () => {
    expect(() => assertLiveEnvironment([...stripe, { name: "recur" }], {})).toThrow(
      /missing or wrong[\s\S]*stripe: missing STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET[\s\S]*recur: missing RECUR_SECRET_KEY, RECUR_WEBHOOK_SECRET, RECUR_PRODUCT_IDS[\s\S]*stripe listen --forward-to/,
    );
    expect(liveEnvironmentProblems(stripe, { STRIPE_SECRET_KEY: "sk_test_1", STRIPE_WEBHOOK_SECRET: " " })).toEqual(["stripe: missing STRIPE_WEBHOOK_SECRET"]);
  });

  it("refuses live-mode keys and a sandbox base URL; accepts test keys", () => {
    expect(liveEnvironmentProblems(stripe, { ...stripeKeys, STRIPE_SECRET_KEY: "sk_live_123" })).toEqual([expect.stringMatching(/not a test-mode key/)]);
    expect(liveEnvironmentProblems(stripe, { ...stripeKeys, STRIPE_API_URL: "http://127.0.0.1:4300" })).toEqual([expect.stringMatching(/STRIPE_API_URL is set/)]);
    expect(liveEnvironmentProblems([{ name: "dodo" }], { DODO_PAYMENTS_API_KEY: "k", DODO_PAYMENTS_WEBHOOK_KEY: "whsec_x", DODO_PRODUCT_IDS: "{}", DODO_PAYMENTS_ENVIRONMENT: "live_mode" })).toEqual([
      expect.stringMatching(/test_mode only/),
    ]);
    expect(() => assertLiveEnvironment(stripe, stripeKeys)).not.toThrow();
  });

  it("`playwright test` with E2E_TARGET=live and no keys stops at the config, before any server starts", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, E2E_TARGET: "live", E2E_PROVIDERS: "stripe", CI: "1" };
    for (const name of Object.keys(env)) if (name.startsWith("STRIPE_")) delete env[name];
    const started = Date.now();
    const run = spawnSync(path.join(root, "node_modules/.bin/playwright"), ["test", "--list"], { cwd: root, env, encoding: "utf8", timeout: 60_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.status, output).not.toBe(0);
    expect(output).toContain("E2E_TARGET=live cannot start");
    expect(output).toContain("stripe: missing STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET");
    expect(output).not.toMatch(/\[e2e\] database/);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe("the journeys left out of a live run", () => {
  const spec = readFileSync(path.join(root, "e2e/checkout.spec.ts"), "utf8");
  const titles = [...spec.matchAll(/^test\("([^"]+)"/gm)].map((match) => match[1]);

  it("each named journey exists (a renamed test must not silently run live)", () => {
    for (const { title } of SANDBOX_ONLY_TESTS) expect(titles).toContain(title);
  });

  it("the pattern leaves out exactly those; the provider-neutral redirect journeys stay in", () => {
    const pattern = sandboxOnlyPattern();
    const kept = titles.filter((title) => !pattern.test(`stripe checkout.spec.ts ${title}`));
    expect(kept).toEqual([
      "subscribe by redirect, pay with 4242: success shows active and billing shows the plan",
      "a one-time purchase unlocks the product",
      "POST /api/checkout: 401 signed out, 400 for bad input, and nothing is created",
    ]);
  });
});
