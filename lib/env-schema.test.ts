import { describe, expect, it } from "vitest";
import { InvalidEnvironmentError, parseServerEnv } from "./env-schema";

const base = { DATABASE_URL: "postgresql://u:p@localhost:5432/app" };
const strongSecret = "x".repeat(40);

function problemsOf(source: Record<string, string | undefined>): string[] {
  try {
    parseServerEnv(source);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe("server configuration", () => {
  it("accepts a development environment with only a database", () => {
    const env = parseServerEnv({ ...base, NODE_ENV: "development" });
    expect(env.AUTH_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(env.devMailboxEnabled).toBe(true);
    expect(env.APP_URL).toBe("http://localhost:3000");
  });

  it("names DATABASE_URL when it is missing or not a PostgreSQL URL", () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/^DATABASE_URL is required/)]);
    expect(problemsOf({ DATABASE_URL: "mysql://x" })).toEqual([
      "DATABASE_URL must be a postgresql:// connection string",
    ]);
  });

  it("refuses production without the public origin sign-in links are built on (APP_URL, AUTH_URL or Vercel's domain)", () => {
    const production = { ...base, NODE_ENV: "production", AUTH_SECRET: strongSecret, EMAIL_SERVER: "smtp://mail:25" };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^APP_URL is required in production \(or AUTH_URL\)/)]);
    expect(parseServerEnv({ ...production, AUTH_URL: "https://auth.example/x" }).AUTH_ORIGIN).toBe("https://auth.example");
    expect(parseServerEnv({ ...production, APP_URL: "https://shop.example" }).AUTH_ORIGIN).toBe("https://shop.example");
    expect(parseServerEnv({ ...production, VERCEL_PROJECT_PRODUCTION_URL: "shop.example.com" }).AUTH_ORIGIN).toBe("https://shop.example.com");
  });

  it("BILLING_PAST_DUE_GRACE_DAYS: whole days 0–60, named when wrong", () => {
    expect(problemsOf({ ...base, BILLING_PAST_DUE_GRACE_DAYS: "7" })).toEqual([]);
    expect(problemsOf({ ...base, BILLING_PAST_DUE_GRACE_DAYS: "1.5" })).toEqual([expect.stringMatching(/^BILLING_PAST_DUE_GRACE_DAYS must be a whole number/)]);
    expect(problemsOf({ ...base, BILLING_PAST_DUE_GRACE_DAYS: "90" })).toEqual([expect.stringMatching(/^BILLING_PAST_DUE_GRACE_DAYS must be a whole number/)]);
  });

  it("has no AUTH_SECRET default in production", () => {
    const problems = problemsOf({ ...base, NODE_ENV: "production", APP_URL: "https://shop.example", EMAIL_SERVER: "smtp://mail:25" });
    expect(problems).toEqual([expect.stringMatching(/^AUTH_SECRET is required in production/)]);
  });

  it("requires a mail server in production unless a local test build opts into the dev mailbox", () => {
    const production = { ...base, NODE_ENV: "production", AUTH_SECRET: strongSecret, APP_URL: "https://shop.example" };
    expect(problemsOf(production)).toEqual([expect.stringMatching(/^EMAIL_SERVER is required in production/)]);
    expect(parseServerEnv({ ...production, AUTH_DEV_MAILBOX: "true" }).devMailboxEnabled).toBe(true);
    expect(parseServerEnv({ ...production, EMAIL_SERVER: "smtp://mail:25" }).devMailboxEnabled).toBe(false);
  });

  it("rejects short secrets, half-configured OAuth and malformed URLs, naming each variable", () => {
    const problems = problemsOf({ ...base, AUTH_SECRET: "short", AUTH_GITHUB_ID: "id", APP_URL: "not a url" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toMatch(/AUTH_SECRET must be at least 32 characters/);
    expect(problems.join("\n")).toMatch(/AUTH_GITHUB_SECRET must be set together with AUTH_GITHUB_ID/);
    expect(problems.join("\n")).toMatch(/APP_URL must be an absolute URL/);
  });

  it("derives the app URL from Vercel's production domain and trims a trailing slash", () => {
    expect(parseServerEnv({ ...base, VERCEL_PROJECT_PRODUCTION_URL: "shop.example.com" }).APP_URL).toBe(
      "https://shop.example.com",
    );
    expect(parseServerEnv({ ...base, APP_URL: "https://a.example/" }).APP_URL).toBe("https://a.example");
  });
});

describe("empty values", () => {
  it("treats KEY= (copied from .env.example) as unset", () => {
    const env = parseServerEnv({ ...base, APP_URL: "", EMAIL_FROM: "", AUTH_SECRET: " ", CRON_SECRET: "" });
    expect(env.APP_URL).toBe("http://localhost:3000");
    expect(env.EMAIL_FROM).toMatch(/@/);
    expect(env.CRON_SECRET).toBeUndefined();
  });
});
