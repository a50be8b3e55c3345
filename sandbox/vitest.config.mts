import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Sandbox-only run, without the app's database global setup:
//   npx vitest run --config sandbox/vitest.config.mts
const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  cacheDir: `${here}../node_modules/.vite-sandbox`,
  test: {
    root: here,
    include: ["**/*.test.ts"],
    testTimeout: 30_000,
  },
});
