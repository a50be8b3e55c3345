// Which payments the e2e suite talks to. Default: the local sandbox (keys are fakes, the suite
// controls deliveries and faults). Opt-in `E2E_TARGET=live`: the provider's REAL test mode,
// with the developer's test keys from the environment and webhooks forwarded by the developer.
// Pure (no Playwright import): the config and a unit test both use it.

export type E2ETarget = "sandbox" | "live";
type LiveProviderName = "stripe" | "creem" | "dodo" | "recur" | "faststar";

/** E2E_TARGET: unset or "sandbox" → sandbox; "live" → real test mode; anything else is an error. */
export function e2eTarget(env: Record<string, string | undefined> = process.env): E2ETarget {
  const value = env.E2E_TARGET?.trim().toLowerCase() || "sandbox";
  if (value === "sandbox" || value === "live") return value;
  throw new Error(`E2E_TARGET must be "sandbox" (default) or "live", not "${env.E2E_TARGET}".`);
}

type LiveRequirements = {
  /** Variables that must be set (non-empty). */
  required: string[];
  /** The base-URL override that points the adapter at a sandbox: must be unset for live. */
  apiUrl: string;
  /** Where the key itself says test or live mode: the variable and its test-mode prefix. */
  testKey?: { variable: string; prefix: string };
  /** The webhook forwarding the developer sets up (README). */
  webhookHint: string;
};

const TUNNEL = "a tunnel (cloudflared tunnel --url http://localhost:<app port> / ngrok http <app port>) registered in the dashboard";

/** From docs/providers.md and each adapter's config.ts; product ids for providers that sell only dashboard products. */
export const LIVE_REQUIREMENTS: Record<LiveProviderName, LiveRequirements> = {
  stripe: {
    required: ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"],
    apiUrl: "STRIPE_API_URL",
    testKey: { variable: "STRIPE_SECRET_KEY", prefix: "sk_test_" },
    webhookHint: "stripe listen --forward-to localhost:<app port>/api/webhooks/stripe (its whsec_… is STRIPE_WEBHOOK_SECRET)",
  },
  creem: {
    required: ["CREEM_API_KEY", "CREEM_WEBHOOK_SECRET", "CREEM_PRODUCT_IDS"],
    apiUrl: "CREEM_API_URL",
    testKey: { variable: "CREEM_API_KEY", prefix: "creem_test_" },
    webhookHint: TUNNEL,
  },
  dodo: {
    // Test or live is DODO_PAYMENTS_ENVIRONMENT (default test_mode), not the key.
    required: ["DODO_PAYMENTS_API_KEY", "DODO_PAYMENTS_WEBHOOK_KEY", "DODO_PRODUCT_IDS"],
    apiUrl: "DODO_PAYMENTS_BASE_URL",
    webhookHint: TUNNEL,
  },
  recur: {
    required: ["RECUR_SECRET_KEY", "RECUR_WEBHOOK_SECRET", "RECUR_PRODUCT_IDS"],
    apiUrl: "RECUR_API_URL",
    testKey: { variable: "RECUR_SECRET_KEY", prefix: "sk_test_" },
    webhookHint: TUNNEL,
  },
  faststar: {
    required: ["FASTSTAR_API_KEY", "FASTSTAR_WEBHOOK_SECRET", "FASTSTAR_PRODUCT_IDS"],
    apiUrl: "FASTSTAR_API_URL",
    webhookHint: TUNNEL,
  },
};

/** Everything wrong with the environment for a live run of these providers (empty: ready). */
export function liveEnvironmentProblems(providers: readonly { name: LiveProviderName }[], env: Record<string, string | undefined> = process.env): string[] {
  const problems: string[] = [];
  const set = (name: string) => Boolean(env[name]?.trim());
  for (const { name } of providers) {
    const needs = LIVE_REQUIREMENTS[name];
    const missing = needs.required.filter((variable) => !set(variable));
    if (missing.length) problems.push(`${name}: missing ${missing.join(", ")}`);
    if (set(needs.apiUrl)) problems.push(`${name}: ${needs.apiUrl} is set (it points the adapter at a sandbox); unset it for a live run`);
    const key = needs.testKey && env[needs.testKey.variable]?.trim();
    if (needs.testKey && key && !key.startsWith(needs.testKey.prefix)) {
      problems.push(`${name}: ${needs.testKey.variable} is not a test-mode key (${needs.testKey.prefix}…); live e2e never uses live-mode keys`);
    }
  }
  if (env.DODO_PAYMENTS_ENVIRONMENT?.trim() === "live_mode" && providers.some((provider) => provider.name === "dodo")) {
    problems.push("dodo: DODO_PAYMENTS_ENVIRONMENT=live_mode; live e2e runs in test_mode only");
  }
  return problems;
}

/** Throws one clear error naming every missing or wrong variable; call before anything starts. */
export function assertLiveEnvironment(providers: readonly { name: LiveProviderName }[], env: Record<string, string | undefined> = process.env): void {
  const problems = liveEnvironmentProblems(providers, env);
  if (!problems.length) return;
  throw new Error(
    [
      `E2E_TARGET=live cannot start: ${problems.length === 1 ? "a variable is" : "variables are"} missing or wrong.`,
      ...problems.map((problem) => `  - ${problem}`),
      "Export the provider's TEST-mode keys in this shell (live mode reads the environment, not .env files), forward its webhooks to the app:",
      ...providers.map(({ name }) => `  - ${name}: ${LIVE_REQUIREMENTS[name].webhookHint}`),
      "and run e.g. `E2E_TARGET=live E2E_PROVIDERS=stripe npm run test:e2e`. Without E2E_TARGET the suite runs against the local sandbox.",
    ].join("\n"),
  );
}

/**
 * Journeys that need the sandbox itself, skipped in live mode (by title, checked by a unit
 * test against e2e/checkout.spec.ts). Anything else that calls the sandbox control API is
 * skipped at run time too (see e2e/sandbox.ts), so a new sandbox-only test cannot run live.
 */
export const SANDBOX_ONLY_TESTS: ReadonlyArray<{ title: string; why: string }> = [
  { title: "a declined card shows a clear error and grants nothing", why: "asserts the sandbox page's decline message; the real page's wording and markup are not verified here" },
  { title: "cancel returns to the app, and the same session can be resumed and paid", why: "clicks the sandbox page's Back link; real pages label it differently (unverified)" },
  { title: "overlay: the hosted page opens in a dialog and completion leads to the verified success page", why: "the overlay frames the sandbox's stand-in; real overlays need the provider's own script" },
  { title: "overlay closes with Escape and keeps the user on pricing", why: "as above: the overlay stand-ins are sandbox pages" },
  { title: "credit packs are credited exactly once although the webhook comes 3 times, reordered, after a failed attempt", why: "duplicates, reorders and fails deliveries through the sandbox control API" },
  { title: "the success page shows processing until the webhook arrives, then active", why: "holds webhooks and injects API faults through the sandbox control API" },
  { title: "another user's checkout pages answer 404 (invariant 6)", why: "reads our checkout id from the sandbox page's Back link" },
];

/** Playwright's grepInvert for a live run. */
export function sandboxOnlyPattern(): RegExp {
  const escaped = SANDBOX_ONLY_TESTS.map(({ title }) => title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  // Playwright matches grep against the whole title path (project, file, title, tags): unanchored.
  return new RegExp(escaped.join("|"));
}
