import { defineConfig } from "vitest/config";

// Property tests and theory validations are CPU-bound; two forks match the 2-core CI machine.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
