import { defineConfig } from "vitest/config";

export default defineConfig({
  oxc: { jsx: { runtime: "automatic" } },
  test: {
    environment: "node",
    include: ["test/**/*.test.ts", "test/**/*.test.tsx", "server/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files share one PostgreSQL database and one Redis; each uses its own portal ids
    // and queue prefix, so files can run in parallel on the 2 cores.
    maxWorkers: 2,
    env: { NODE_ENV: "test" },
  },
});
