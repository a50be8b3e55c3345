import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";
import { serverEnv } from "./env";

// One client per process: Next.js dev reloads modules on every change, so the instance is
// kept on globalThis instead of opening a new pool each time.
const globalForPrisma = globalThis as unknown as { prisma?: PrismaClient };

function prisma(): PrismaClient {
  if (!globalForPrisma.prisma) {
    const adapter = new PrismaPg({ connectionString: serverEnv().DATABASE_URL, max: 10 });
    globalForPrisma.prisma = new PrismaClient({ adapter });
  }
  return globalForPrisma.prisma;
}

// Created on first use, not on import: `next build` loads route modules without a database.
export const db: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, property) {
    const client = prisma();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});

export type { Prisma } from "./generated/prisma/client";
