import js from "@eslint/js";
import tseslint from "typescript-eslint";

// What the agent must not import as an ES module: importing a built-in from ES
// code reads every export, lazy getters included, and loads what is behind
// them; prom-client's index loads its Pushgateway, default metrics and cluster
// support. Together 4.3 MB of an idle agent's RSS (docs/adr/0011).
const agentLoadsLazily = [
  {
    name: "node:http",
    allowTypeImports: true,
    message:
      'Its WebSocket getter loads undici: take it from process.getBuiltinModule("node:http").',
  },
  {
    name: "node:fs",
    allowTypeImports: true,
    message: 'Use node:fs/promises, or process.getBuiltinModule("node:fs").',
  },
  {
    name: "node:util",
    allowTypeImports: true,
    message: 'Take it from process.getBuiltinModule("node:util").',
  },
  {
    name: "prom-client",
    allowTypeImports: true,
    message: "Import its parts: prom-client/lib/counter.js and the like.",
  },
];

// The host/ functions that read the host: only facts/ calls them.
const hostReaders = [
  {
    group: ["**/host/host-read.ts", "**/host/in-root-path.ts", "**/host/kernel-files.ts"],
    importNames: [
      "readHostFile",
      "readHostFiles",
      "readUpTo",
      "resolveInRoot",
      "openInRoot",
      "listHostDir",
      "readHostLink",
      "realHostPath",
      "hostPathExists",
      "processIdentity",
      "readAtOnce",
      "listKernelDir",
      "readKernelLink",
      "kernelPathExists",
    ],
    message: "Read the host in node-agent/src/facts.",
  },
  {
    group: ["**/host/resolv-conf.ts"],
    importNames: ["readResolvOptions", "resolvConfManager"],
    message: "Read the host in node-agent/src/facts.",
  },
  {
    group: ["**/host/queue-counts.ts"],
    importNames: ["readQueueCounts", "sysfsQueueCounts"],
    message: "Read the host in node-agent/src/facts.",
  },
  {
    group: ["**/host/irqbalance-socket.ts"],
    importNames: ["irqbalancePid", "runningIRQBalance", "IRQBalanceSocket"],
    message: "Read the host in node-agent/src/facts.",
  },
];

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", "crds/**", "charts/**", "**/*.generated.*"] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/explicit-module-boundary-types": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      complexity: ["error", 12],
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      "max-depth": ["error", 3],
    },
  },
  {
    files: ["node-agent/src/**/*.ts", "common/**/*.ts"],
    ignores: ["**/test/**", "**/*.test.ts", "node-agent/src/runtime/prom-client-parts.d.ts"],
    rules: { "no-restricted-imports": ["error", { paths: agentLoadsLazily }] },
  },
  {
    // Every host file is opened through host/host-read.ts and host/host-write.ts, which
    // resolve it inside the host root and refuse links, FIFOs, devices and huge files.
    files: ["node-agent/src/**/*.ts"],
    ignores: [
      "node-agent/src/host/host-read.ts",
      "node-agent/src/host/host-write.ts",
      // The agent's own files, not the host's: its originals and its service account.
      "node-agent/src/engine/originals.ts",
      "node-agent/src/engine/originals-generations.ts",
      "node-agent/src/runtime/connection.ts",
      "node-agent/src/runtime/prom-client-parts.d.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            ...agentLoadsLazily,
            {
              name: "node:fs/promises",
              allowTypeImports: true,
              message:
                "Open host files through node-agent/src/host/host-read.ts or host-write.ts: they resolve inside the root and refuse links, FIFOs and devices.",
            },
          ],
        },
      ],
    },
  },
  {
    // Planners, the engine and the runtime decide; facts/ reads the host and host/
    // adapters change it. The agent's own files (its originals, its service account)
    // are not the host's.
    files: [
      "node-agent/src/tuners/**/*.ts",
      "node-agent/src/engine/**/*.ts",
      "node-agent/src/runtime/**/*.ts",
    ],
    ignores: [
      "node-agent/src/engine/originals.ts",
      "node-agent/src/engine/originals-generations.ts",
      "node-agent/src/runtime/connection.ts",
      "node-agent/src/runtime/prom-client-parts.d.ts",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            {
              name: "node:fs",
              message:
                "Read the host in node-agent/src/facts; write it through node-agent/src/host.",
            },
            {
              name: "node:fs/promises",
              message:
                "Read the host in node-agent/src/facts; write it through node-agent/src/host.",
            },
            {
              name: "node:child_process",
              message:
                "Run commands through the injected CommandRunner, or host/line-process.ts for a monitor.",
            },
            ...agentLoadsLazily.filter((path) => path.name !== "node:fs"),
          ],
          patterns: hostReaders,
        },
      ],
    },
  },
  {
    // @kubernetes/client-node types its models as classes, but the API takes plain JSON.
    files: [
      "operator/src/cluster/kube.ts",
      "operator/src/cluster/writes.ts",
      "operator/src/leader.ts",
      "operator/src/controller.ts",
      "operator/src/webhook/cert-keeper.ts",
      "operator/src/cluster/projections.ts",
      "operator/test/projections.test.ts",
      "operator/test/change-filter.test.ts",
    ],
    rules: {
      "@typescript-eslint/no-unsafe-class-instance-assignment": "off",
      "@typescript-eslint/no-misused-spread": "off",
    },
  },
  {
    // A source file past 250 lines says two things: split it where they part.
    files: ["**/*.ts"],
    ignores: ["test/**", "**/test/**", "**/*.test.ts", "**/*.generated.ts"],
    rules: { "max-lines": ["error", { max: 250 }] },
  },
  { files: ["**/*.mjs"], ...tseslint.configs.disableTypeChecked },
);
