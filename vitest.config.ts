import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{api,common,operator,node-agent,test}/**/*.test.ts"],
          exclude: ["**/*.host.test.ts", "**/*.int.test.ts", "node_modules/**"],
        },
      },
      {
        test: {
          name: "host",
          include: ["**/*.host.test.ts"],
          exclude: ["node_modules/**"],
          fileParallelism: false,
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["**/*.int.test.ts"],
          exclude: ["node_modules/**"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          globalSetup: ["test/harness/global-setup.ts"],
        },
      },
    ],
  },
});
