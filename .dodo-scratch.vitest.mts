import path from "node:path";
import { defineConfig } from "vitest/config";
const root = "/work/main";
export default defineConfig({
  root,
  resolve: { alias: { "@": root, "server-only": path.join(root, "tests/support/server-only.ts") } },
  test: { include: ["lib/payments/providers/dodo/**/*.test.ts", "sandbox/tests/dodo*.test.ts"], testTimeout: 30000, pool: "forks" },
});
