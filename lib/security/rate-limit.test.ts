import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { parseServerEnv } from "@/lib/env-schema";
import { enforceCheckoutRateLimit } from "./checkout-rate-limit";
import { consumeRateLimit, RATE_LIMIT_WINDOW_MS, RateLimitedError } from "./rate-limit";

// Against the real database: the counter is one upsert statement, so concurrent requests on
// separate connections (separate "server instances") can neither lose nor double a count.

const instances = [0, 1].map(() => new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.DATABASE_URL!, max: 5 }) }));
afterAll(async () => {
  await Promise.all(instances.map((client) => client.$disconnect()));
});

const key = (label: string) => `test:${label}:${randomUUID()}`;
/** A fixed instant 15 s into a window, so nothing depends on the wall clock. */
const windowBase = Math.floor(Date.now() / RATE_LIMIT_WINDOW_MS) * RATE_LIMIT_WINDOW_MS;
const at = (offsetMs: number) => new Date(windowBase + offsetMs);

describe("consumeRateLimit: one atomic upsert per request, shared by every instance", () => {
  it("a burst of 40 concurrent requests over two instances lets exactly the limit through", async () => {
    const rule = { key: key("burst"), limit: 12 };
    const verdicts = await Promise.all(
      Array.from({ length: 40 }, (_, index) => consumeRateLimit([rule], { now: at(15_000), client: instances[index % 2] })),
    );
    expect(verdicts.filter((verdict) => verdict === null)).toHaveLength(12);
    expect(verdicts.filter((verdict) => verdict !== null)).toHaveLength(28);
    expect(await db.rateLimitBucket.findUniqueOrThrow({ where: { key: rule.key } })).toMatchObject({ count: 40, windowStart: at(0) });
  });

  it("a new window starts from zero; Retry-After counts to the window's end; past windows are cleaned up", async () => {
    const rule = { key: key("rollover"), limit: 2 };
    const stale = { key: key("stale"), limit: 1 };
    await consumeRateLimit([stale], { now: at(-2 * RATE_LIMIT_WINDOW_MS) });
    expect(await consumeRateLimit([rule], { now: at(1_000) })).toBeNull();
    expect(await consumeRateLimit([rule], { now: at(2_000) })).toBeNull();
    expect(await consumeRateLimit([rule], { now: at(44_500) })).toEqual({ rule, retryAfterSeconds: 16 });
    // A row two windows old is deleted once some window opens; ours is current and kept.
    expect(await db.rateLimitBucket.findUnique({ where: { key: stale.key } })).toBeNull();
    expect(await consumeRateLimit([rule], { now: at(RATE_LIMIT_WINDOW_MS) })).toBeNull();
    expect(await db.rateLimitBucket.findUniqueOrThrow({ where: { key: rule.key } })).toMatchObject({ count: 1, windowStart: at(RATE_LIMIT_WINDOW_MS) });
    // A late request stamped with the older window (clock skew) counts in the newer one.
    expect(await consumeRateLimit([rule], { now: at(59_000) })).toBeNull();
    expect(await db.rateLimitBucket.findUniqueOrThrow({ where: { key: rule.key } })).toMatchObject({ count: 2, windowStart: at(RATE_LIMIT_WINDOW_MS) });
  });
});

describe("checkout creation: per user AND per IP, independently", () => {
  it("the user limit follows the user across addresses; the IP limit covers every user behind it", async () => {
    const limits = { perUser: 2, perIp: 5 };
    const [alice, bob, carol, dave] = ["alice", "bob", "carol", "dave"].map((name) => `${name}-${randomUUID()}`);
    const ip = `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.1`;
    const otherIp = "2001:db8::" + Math.floor(Math.random() * 9999).toString(16);
    const now = at(10_000);
    const attempt = (userId: string, from: string) => enforceCheckoutRateLimit({ userId, ip: from }, limits, now).then(() => "ok", (error: unknown) => error);

    expect(await attempt(alice, ip)).toBe("ok");
    expect(await attempt(alice, ip)).toBe("ok");
    const perUser = await attempt(alice, ip);
    expect(perUser).toBeInstanceOf(RateLimitedError);
    expect(perUser).toMatchObject({ status: 429, code: "rate_limited", retryAfterSeconds: 50, message: expect.stringMatching(/for your account \(at most 2 a minute\)/) });
    expect(await attempt(alice, otherIp)).toBeInstanceOf(RateLimitedError);

    expect(await attempt(bob, ip)).toBe("ok");
    expect(await attempt(bob, ip)).toBe("ok");
    const perIp = await attempt(carol, ip);
    expect(perIp).toMatchObject({ status: 429, message: expect.stringMatching(/from your network \(at most 5 a minute\)/) });
    expect(await attempt(carol, otherIp)).toBe("ok");
    expect(await attempt(dave, otherIp)).toBe("ok");
  });

  it("limits come from the environment, with generous defaults", () => {
    const base = { DATABASE_URL: "postgresql://localhost/db" };
    expect(parseServerEnv(base)).toMatchObject({ CHECKOUT_RATE_LIMIT_PER_USER: 20, CHECKOUT_RATE_LIMIT_PER_IP: 60 });
    expect(parseServerEnv({ ...base, CHECKOUT_RATE_LIMIT_PER_USER: "3", CHECKOUT_RATE_LIMIT_PER_IP: "7" })).toMatchObject({ CHECKOUT_RATE_LIMIT_PER_USER: 3, CHECKOUT_RATE_LIMIT_PER_IP: 7 });
    for (const bad of ["0", "-1", "2.5", "many"]) {
      expect(() => parseServerEnv({ ...base, CHECKOUT_RATE_LIMIT_PER_IP: bad })).toThrow(/CHECKOUT_RATE_LIMIT_PER_IP/);
    }
  });
});
