// The agent's command line: flags, the environment, and the usage text.
import { integerFlag, portFlag } from "../../common/flags.ts";
import type { ConnectionFlags } from "./runtime/connection.ts";

export interface AgentConfig {
  nodeName: string;
  hostRoot: string;
  runDir: string;
  resolvConf?: string;
  metricsPort: number;
  /** Where /metrics, /healthz and /readyz listen; every address of the node when absent. */
  metricsAddress?: string;
  resyncSeconds: number;
  probeTimeoutSeconds: number;
  probeServer?: string;
  pressureSampleSeconds: number;
  connection: ConnectionFlags;
  /** A fixture tree stands in for the host: no ethtool, no link events. */
  simulatedHost: boolean;
}

const usage = `usage: nettune-agent [--node-name NAME] [--host-root /host] [--run-dir /run/nettune]
                     [--metrics-port 9464] [--metrics-address ADDR] [--resync-seconds 60]
                     [--probe-timeout-seconds 10] [--pressure-sample-seconds 15] [--resolv-conf FILE]
                     [--server URL --token-file FILE --ca-file FILE | --insecure-skip-tls-verify]
  Keeps this node at its NodeNetworkTuning (named after the node) and reports per setting.
  NODE_NAME (downward API) stands in for --node-name; in a pod the API server is found from
  the service account. Every --pressure-sample-seconds it reads the kernel's drop and overflow
  counters: conntrack pressure, and the symptoms it reports on its Node (NetworkTuningAdvice).
  Without a cluster, use nettune-agent-cli (plan|apply|revert|inventory|diagnose).`;

/** Flags win over the environment; NODE_NAME comes from the downward API. */
function configFrom(argv: string[], env: NodeJS.ProcessEnv): AgentConfig {
  // CommonJS exports, as in common/health-server.ts: an ES import of node:fs
  // or node:util would read their lazy getters and load the modules behind them.
  const { existsSync } = process.getBuiltinModule("node:fs");
  const { parseArgs } = process.getBuiltinModule("node:util");
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean", short: "h" },
      "node-name": { type: "string" },
      "host-root": { type: "string" },
      "run-dir": { type: "string", default: "/run/nettune" },
      "resolv-conf": { type: "string" },
      "metrics-port": { type: "string", default: "9464" },
      "metrics-address": { type: "string" },
      "resync-seconds": { type: "string", default: "60" },
      "probe-timeout-seconds": { type: "string", default: "10" },
      "probe-server": { type: "string" },
      "pressure-sample-seconds": { type: "string", default: "15" },
      server: { type: "string" },
      "token-file": { type: "string" },
      "ca-file": { type: "string" },
      "insecure-skip-tls-verify": { type: "boolean" },
      "simulated-host": { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const nodeName = values["node-name"] ?? env.NODE_NAME;
  if (!nodeName)
    throw new Error("the node name is needed: set NODE_NAME (downward API) or --node-name");
  const config: AgentConfig = {
    nodeName,
    hostRoot: values["host-root"] ?? (existsSync("/host/proc") ? "/host" : "/"),
    runDir: values["run-dir"],
    // 0: the kernel picks a free port (tests run many on one machine).
    metricsPort: portFlag("metrics-port", values["metrics-port"], true),
    resyncSeconds: integerFlag("resync-seconds", values["resync-seconds"], 1),
    probeTimeoutSeconds: integerFlag("probe-timeout-seconds", values["probe-timeout-seconds"], 1),
    pressureSampleSeconds: integerFlag(
      "pressure-sample-seconds",
      values["pressure-sample-seconds"],
      1,
    ),
    connection: {},
    simulatedHost: values["simulated-host"] === true,
    ...optionalFlags(values),
  };
  if (values.server !== undefined) config.connection.server = values.server;
  if (values["token-file"] !== undefined) config.connection.tokenFile = values["token-file"];
  if (values["ca-file"] !== undefined) config.connection.caFile = values["ca-file"];
  if (values["insecure-skip-tls-verify"]) config.connection.insecure = true;
  return config;
}

/** The flags that have no default: present in the configuration only when given. */
function optionalFlags(
  values: Record<string, string | boolean | undefined>,
): Pick<AgentConfig, "resolvConf" | "probeServer" | "metricsAddress"> {
  const text = (key: string): string | undefined => {
    const value = values[key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const picked = {
    resolvConf: text("resolv-conf"),
    probeServer: text("probe-server"),
    metricsAddress: text("metrics-address"),
  };
  return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
}

/** A bad command line is a usage error (exit 2), not a stack trace. */
export function configOrExit(argv: string[], env: NodeJS.ProcessEnv): AgentConfig {
  try {
    return configFrom(argv, env);
  } catch (error) {
    console.error(`nettune-agent: ${error instanceof Error ? error.message : String(error)}`);
    console.error(usage);
    process.exit(2);
  }
}
