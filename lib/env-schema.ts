import { z } from "zod";

// The one place that says which variables the server reads and what they must look like.
// Pure (no `server-only`) so scripts and tests can validate an environment too; the app reads
// values through lib/env.ts.

const DEV_AUTH_SECRET = "dev-only-auth-secret-not-for-production-use-0000";

const optional = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((value) => value === "true" || value === "1");

const postgresUrl = z
  .string({ error: "is required (a postgresql:// connection string)" })
  .trim()
  .min(1, "is required (a postgresql:// connection string)")
  .refine((value) => /^postgres(ql)?:\/\/[^\s]+$/.test(value), {
    message: "must be a postgresql:// connection string",
  });

// Operators who may open /admin: a comma-separated list, compared trimmed and lower-cased.
// Unset or empty → no admins: the console answers 404 to everyone.
const adminEmails = z
  .string()
  .optional()
  .transform((value) => (value ?? "").split(",").map((email) => email.trim().toLowerCase()).filter(Boolean))
  .pipe(z.array(z.email({ error: "must be a comma-separated list of email addresses" })));

// A count per minute: a whole number ≥ 1, or the default when unset.
const perMinuteLimit = (fallback: number) =>
  optional
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .pipe(z.number({ error: "must be a whole number ≥ 1" }).int("must be a whole number ≥ 1").min(1, "must be a whole number ≥ 1"));

export const serverEnvSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    DATABASE_URL: postgresUrl,
    APP_URL: z.url({ error: "must be an absolute URL such as https://example.com" }).optional(),
    // Auth.js's own name for the same origin; wins over APP_URL for sign-in links when both are set.
    AUTH_URL: z.url({ error: "must be an absolute URL such as https://example.com" }).optional(),
    VERCEL_PROJECT_PRODUCTION_URL: optional,
    AUTH_SECRET: optional,
    EMAIL_SERVER: optional,
    EMAIL_FROM: z.string().trim().default("Checkout Starter <no-reply@example.com>"),
    AUTH_DEV_MAILBOX: booleanFlag,
    AUTH_GITHUB_ID: optional,
    AUTH_GITHUB_SECRET: optional,
    AUTH_GOOGLE_ID: optional,
    AUTH_GOOGLE_SECRET: optional,
    CRON_SECRET: optional.pipe(z.string().min(16, "must be at least 16 characters").optional()),
    // Checkout creations per minute, counted in the database so every instance shares them.
    CHECKOUT_RATE_LIMIT_PER_USER: perMinuteLimit(20),
    CHECKOUT_RATE_LIMIT_PER_IP: perMinuteLimit(60),
    ADMIN_EMAILS: adminEmails,
    // docs/money-policy.md §5: how long past_due keeps access after a failed renewal.
    BILLING_PAST_DUE_GRACE_DAYS: optional.pipe(
      z
        .string()
        .regex(/^\d+$/, "must be a whole number of days from 0 to 60")
        .refine((value) => Number(value) <= 60, "must be a whole number of days from 0 to 60")
        .optional(),
    ),
  })
  .superRefine((env, ctx) => {
    const production = env.NODE_ENV === "production";
    if (production && !env.AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message: "is required in production (generate one with `openssl rand -base64 33`)",
      });
    }
    // Sign-in links are built on this origin, never on the request's Host header (a proxy
    // that passes the client's Host would let anyone point a victim's link at their server).
    if (production && !env.APP_URL && !env.AUTH_URL && !env.VERCEL_PROJECT_PRODUCTION_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["APP_URL"],
        message: "is required in production (or AUTH_URL): the public origin sign-in links are built on, e.g. https://shop.example.com",
      });
    }
    if (env.AUTH_SECRET && env.AUTH_SECRET.length < 32) {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "must be at least 32 characters" });
    }
    if (production && !env.EMAIL_SERVER && !env.AUTH_DEV_MAILBOX) {
      ctx.addIssue({
        code: "custom",
        path: ["EMAIL_SERVER"],
        message:
          "is required in production to send sign-in links (an smtp:// URL); set AUTH_DEV_MAILBOX=true only for a local test build",
      });
    }
    for (const [id, secret] of [
      ["AUTH_GITHUB_ID", "AUTH_GITHUB_SECRET"],
      ["AUTH_GOOGLE_ID", "AUTH_GOOGLE_SECRET"],
    ] as const) {
      if (Boolean(env[id]) !== Boolean(env[secret])) {
        ctx.addIssue({
          code: "custom",
          path: [env[id] ? secret : id],
          message: `must be set together with ${env[id] ? id : secret}`,
        });
      }
    }
  })
  .transform((env) => ({
    ...env,
    AUTH_SECRET: env.AUTH_SECRET ?? DEV_AUTH_SECRET,
    APP_URL: (
      env.APP_URL ??
      env.AUTH_URL ??
      (env.VERCEL_PROJECT_PRODUCTION_URL
        ? `https://${env.VERCEL_PROJECT_PRODUCTION_URL}`
        : "http://localhost:3000")
    ).replace(/\/$/, ""),
    // The dev mailbox replaces real email only where no mail server is configured, and never
    // in a production deployment unless a local test build opts in explicitly.
    /** The origin sign-in links are built on: AUTH_URL, else the app's URL. */
    AUTH_ORIGIN: new URL(
      env.AUTH_URL ?? env.APP_URL ?? (env.VERCEL_PROJECT_PRODUCTION_URL ? `https://${env.VERCEL_PROJECT_PRODUCTION_URL}` : "http://localhost:3000"),
    ).origin,
    devMailboxEnabled:
      !env.EMAIL_SERVER && (env.NODE_ENV !== "production" || env.AUTH_DEV_MAILBOX),
  }));

export type ServerEnv = z.infer<typeof serverEnvSchema>;

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration — fix these environment variables (see .env.example):\n${problems
        .map((problem) => `  • ${problem}`)
        .join("\n")}`,
    );
    this.name = "InvalidEnvironmentError";
  }
}

export function parseServerEnv(source: Record<string, string | undefined>): ServerEnv {
  // An empty value (`KEY=` copied from .env.example) means "not set".
  const given = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value.trim() !== ""));
  const result = serverEnvSchema.safeParse(given);
  if (result.success) return result.data;
  throw new InvalidEnvironmentError(
    result.error.issues.map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`),
  );
}
