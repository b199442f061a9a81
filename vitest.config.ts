import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["host/**/*.test.ts", "test/**/*.test.ts"],
    // Integration tests start real `rusm serve` processes; two cores, so keep files serial-ish.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
