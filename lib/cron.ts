import "server-only";
import { timingSafeEqual } from "node:crypto";
import { serverEnv } from "@/lib/env";

/** Checks `Authorization: Bearer <CRON_SECRET>`; fails closed when no secret is configured. */
export function isAuthorizedCron(authorization: string | null): boolean | "not-configured" {
  const secret = serverEnv().CRON_SECRET;
  if (!secret) return "not-configured";
  const expected = Buffer.from(`Bearer ${secret}`);
  const given = Buffer.from(authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
