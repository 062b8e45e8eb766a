import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["{api,common,operator,node-agent,test}/**/*.test.ts"],
          exclude: [
            "**/*.host.test.ts",
            "**/*.int.test.ts",
            "**/*.node.test.ts",
            "**/*.nic.test.ts",
            "node_modules/**",
          ],
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
      {
        // A real single-node cluster (kubelet, containerd, runc) running the image built here.
        test: {
          name: "node",
          include: ["**/*.node.test.ts"],
          exclude: ["node_modules/**"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 900_000,
          globalSetup: ["test/harness/node/global-setup.ts"],
        },
      },
      {
        // Real NIC drivers with real IRQs in a QEMU guest (test/harness/guest).
        test: {
          name: "nic",
          include: ["**/*.nic.test.ts"],
          exclude: ["node_modules/**"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 600_000,
          globalSetup: ["test/harness/guest/global-setup.ts"],
        },
      },
      {
        // The same user-path test on a kind cluster: test/e2e/kind.sh.
        test: {
          name: "e2e-kind",
          include: ["test/e2e/**/*.node.test.ts"],
          exclude: ["node_modules/**"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
