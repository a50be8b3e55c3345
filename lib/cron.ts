import "server-only";
import { timingSafeEqual } from "node:crypto";
import { serverEnv } from "@/lib/env";

/** Checks `Authorization: Bearer <CRON_SECRET>`; fails closed when no secret is configured. */
export function isAuthorizedCron(
  authorization: string | null,
  secret: string | undefined = serverEnv().CRON_SECRET,
): boolean | "not-configured" {
  if (!secret) return "not-configured";
  const expected = Buffer.from(`Bearer ${secret}`);
  const given = Buffer.from(authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
