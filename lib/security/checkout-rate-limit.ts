import "server-only";
import { consumeRateLimit, RateLimitedError } from "./rate-limit";

export type CheckoutRateLimits = { perUser: number; perIp: number };

/** Counts one checkout creation for the user and the address; throws RateLimitedError (429) when either is over its limit per minute. */
export async function enforceCheckoutRateLimit(who: { userId: string; ip: string }, limits: CheckoutRateLimits, now?: Date): Promise<void> {
  const exceeded = await consumeRateLimit(
    [
      { key: `checkout:user:${who.userId}`, limit: limits.perUser },
      { key: `checkout:ip:${who.ip}`, limit: limits.perIp },
    ],
    { now },
  );
  if (!exceeded) return;
  const whose = exceeded.rule.key.startsWith("checkout:user:") ? "for your account" : "from your network";
  throw new RateLimitedError(
    exceeded.rule.key,
    exceeded.retryAfterSeconds,
    `Too many checkouts started ${whose} (at most ${exceeded.rule.limit} a minute). Try again in ${exceeded.retryAfterSeconds} s.`,
  );
}
