import "server-only";
import { db } from "@/lib/db";
import { Prisma, type PrismaClient } from "@/lib/generated/prisma/client";
import { PaymentsError } from "@/lib/payments/errors";

// Fixed one-minute windows counted in PostgreSQL (RateLimitBucket), so a limit holds across
// every server instance. Each call is ONE statement: an upsert per key that starts a new
// window or increments the current one, atomically under the row lock of ON CONFLICT.

export const RATE_LIMIT_WINDOW_MS = 60_000;

export type RateLimitRule = { key: string; limit: number };

/** Too many requests for one of the keys in this window. 429 with Retry-After. */
export class RateLimitedError extends PaymentsError {
  readonly status = 429;
  readonly code = "rate_limited";
  constructor(
    readonly key: string,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message);
    this.name = "RateLimitedError";
  }
}

type RawClient = Pick<PrismaClient, "$queryRaw" | "$executeRaw">;

/**
 * Counts one request against every rule and returns the rule that is over its limit, if any
 * (the request is counted even then: hammering keeps the window full). Expired buckets are
 * deleted whenever a window opens for some key, so the table stays about as small as the set of
 * keys active in the last two minutes.
 */
export async function consumeRateLimit(
  rules: RateLimitRule[],
  options: { now?: Date; client?: RawClient } = {},
): Promise<{ rule: RateLimitRule; retryAfterSeconds: number } | null> {
  if (rules.length === 0) return null;
  const client = options.client ?? db;
  const now = (options.now ?? new Date()).getTime();
  const windowStart = new Date(now - (now % RATE_LIMIT_WINDOW_MS));
  const rows = await client.$queryRaw<{ key: string; count: number }[]>`
    INSERT INTO "RateLimitBucket" ("key", "windowStart", "count")
    VALUES ${Prisma.join(rules.map((rule) => Prisma.sql`(${rule.key}, ${windowStart}, 1)`))}
    ON CONFLICT ("key") DO UPDATE SET
      "count" = CASE WHEN "RateLimitBucket"."windowStart" >= EXCLUDED."windowStart" THEN "RateLimitBucket"."count" + 1 ELSE 1 END,
      "windowStart" = GREATEST("RateLimitBucket"."windowStart", EXCLUDED."windowStart")
    RETURNING "key", "count"`;
  if (rows.some((row) => row.count === 1)) {
    // Older than the previous window: an instance whose clock runs slightly ahead cannot wipe current counts.
    await client.$executeRaw`DELETE FROM "RateLimitBucket" WHERE "windowStart" < ${new Date(windowStart.getTime() - RATE_LIMIT_WINDOW_MS)}`;
  }
  const retryAfterSeconds = Math.max(1, Math.ceil((windowStart.getTime() + RATE_LIMIT_WINDOW_MS - now) / 1000));
  for (const rule of rules) {
    const count = rows.find((row) => row.key === rule.key)?.count ?? 0;
    if (count > rule.limit) return { rule, retryAfterSeconds };
  }
  return null;
}
