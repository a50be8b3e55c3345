import "server-only";
import { db } from "@/lib/db";
import { serverEnv } from "@/lib/env";

export class DevMailboxDisabledError extends Error {
  constructor() {
    super("The dev mailbox is disabled: configure EMAIL_SERVER to send sign-in links.");
  }
}

export function devMailboxEnabled(): boolean {
  return serverEnv().devMailboxEnabled;
}

export async function deliverToDevMailbox(to: string, url: string): Promise<void> {
  if (!devMailboxEnabled()) throw new DevMailboxDisabledError();
  await db.devMail.create({ data: { to: to.toLowerCase(), subject: "Your sign-in link", url } });
  console.info(`[dev mailbox] sign-in link for ${to}: ${url}`);
}

/** Most recent messages first; optionally for one address. */
export async function listDevMail(to?: string, take = 20) {
  if (!devMailboxEnabled()) throw new DevMailboxDisabledError();
  return db.devMail.findMany({
    where: to ? { to: to.toLowerCase() } : undefined,
    orderBy: { createdAt: "desc" },
    take,
  });
}
