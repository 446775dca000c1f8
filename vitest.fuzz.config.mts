import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * `npm run test:fuzz`: the property suites of tests/fuzz at full strength (1,000,000 mutated
 * requests unless FUZZ_RUNS says otherwise). Pure code only: no database, no global setup.
 * The same files run with a small count in the default `vitest run` (vitest.config.mts).
 */
export default defineConfig({
  resolve: {
    alias: {
      "@": root,
      "server-only": path.join(root, "tests/support/server-only-noop.ts"),
    },
  },
  test: {
    include: ["tests/fuzz/**/*.test.ts"],
    environment: "node",
    env: { FUZZ_RUNS: process.env.FUZZ_RUNS ?? "1000000" },
    testTimeout: 60 * 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
