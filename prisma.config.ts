import path from "node:path";
import { defineConfig } from "prisma/config";

// process.env directly, not Prisma's env(): that helper throws when DATABASE_URL is unset,
// which would break `prisma generate` during `npm install` and Vercel builds.
export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: {
    path: path.join("prisma", "migrations"),
    seed: "node --import tsx prisma/seed.ts",
  },
  datasource: {
    url: process.env.DATABASE_URL ?? "",
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
