// The node agent as it runs in the DaemonSet: watches its own
// NodeNetworkTuning, keeps the node at its spec, reports per-setting status.
import { enactWithAudits } from "./engine/audits.ts";
import { agentEthtool, revertAll, usesHousekeeping, type EnactDeps } from "./engine/enact.ts";
import { specCheckers } from "./runtime/spec-check.ts";
import { hostInventory } from "./engine/inventory.ts";
import { gatherNodeFacts } from "./facts/gather.ts";
import { readConntrackCounters } from "./facts/host-counters.ts";
import { execRunner, type CommandRunner } from "./host/commands.ts";
import { hostPathsUnder } from "./host/paths.ts";
import { ConntrackPressure } from "./runtime/conntrack-pressure.ts";
import { kubeClient } from "./runtime/kube.ts";
import { resolveConnection, type ConnectionFlags } from "./runtime/connection.ts";
import { ethtoolEvents, LinkMonitor, linkEvents } from "./runtime/link-monitor.ts";
import { jsonLogger } from "../../common/logger.ts";
import { AgentMetrics } from "./runtime/metrics.ts";
import { OwnObjectWatch } from "./runtime/own-object-watch.ts";
import { Reconciler } from "./runtime/reconciler.ts";
import { EventRecorder } from "./runtime/event-recorder.ts";
import { HousekeepingWatch } from "./runtime/housekeeping-watch.ts";
import { findKubeletCPUs } from "./facts/kubelet-cpus.ts";
import { integerFlag, portFlag } from "../../common/flags.ts";
import { startHealthServer } from "../../common/health-server.ts";
import { onStopSignal, runMain } from "../../common/process.ts";

interface AgentConfig {
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
  the service account. Without a cluster, use nettune-agent-cli (plan|apply|revert|inventory).`;

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

const refuseCommands: CommandRunner = () =>
  Promise.resolve({ code: 1, stdout: "", stderr: "simulated host" });

/** A bad command line is a usage error (exit 2), not a stack trace. */
function configOrExit(argv: string[], env: NodeJS.ProcessEnv): AgentConfig {
  try {
    return configFrom(argv, env);
  } catch (error) {
    console.error(`nettune-agent: ${error instanceof Error ? error.message : String(error)}`);
    console.error(usage);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = configOrExit(process.argv.slice(2), process.env);
  const log = jsonLogger("node-agent");
  const paths = hostPathsUnder(config.hostRoot, config.runDir);
  if (config.resolvConf) paths.resolvConf = config.resolvConf;
  const client = kubeClient(
    await resolveConnection(config.connection, process.env),
    config.probeServer,
  );
  const metrics = new AgentMetrics(paths);
  const pressure = new ConntrackPressure();
  // A simulated host has no NICs to reach: every ethtool question is answered "not supported".
  const run = config.simulatedHost ? refuseCommands : execRunner();
  const deps: EnactDeps = {
    paths,
    run,
    driverInfoMemo: new Map(),
    probe: () => client.probe(config.probeTimeoutSeconds * 1000),
    observer: {
      beforeWrite: () => {
        metrics.hostWrites.inc();
      },
    },
  };

  const checks = specCheckers();
  const now = (): Date => new Date();
  const reconciler = new Reconciler({
    client,
    nodeName: config.nodeName,
    now,
    log,
    metrics,
    events: new EventRecorder({ client, nodeName: config.nodeName, now, log, metrics }),
    enact: (spec) => {
      checks.spec(config.nodeName, spec);
      return enactWithAudits(spec, deps, checks.audit);
    },
    revertAll: () => revertAll(deps),
    inventory: async () =>
      hostInventory(await gatherNodeFacts({ paths, ethtool: agentEthtool(deps) }), paths),
    conntrackPressure: () => pressure.current(),
  });
  const watch = new OwnObjectWatch({
    client,
    name: config.nodeName,
    log,
    onObject: (object) => {
      reconciler.setObject(object);
    },
    onRestart: () => {
      metrics.watchRestarts.inc();
    },
  });
  // Link events and ethtool's notifications (a channel change re-creates queues without a link event).
  const monitors = [linkEvents, ethtoolEvents].map(
    (source) =>
      new LinkMonitor(
        source,
        () => {
          reconciler.trigger("link");
        },
        log,
      ),
  );
  const server = await startHealthServer(
    config.metricsPort,
    metrics.registry,
    { ready: () => watch.healthy },
    config.metricsAddress,
  );

  // The full re-verify runs on a jittered interval so that nodes do not check in step.
  let resyncTimer: NodeJS.Timeout | undefined;
  const scheduleResync = (): void => {
    const delay = config.resyncSeconds * 1000 * (0.9 + 0.2 * Math.random());
    resyncTimer = setTimeout(() => {
      reconciler.trigger("resync");
      scheduleResync();
    }, delay);
  };
  const housekeeping = new HousekeepingWatch(
    () => findKubeletCPUs(paths),
    () => {
      reconciler.trigger("cpus");
    },
  );
  const pressureTimer = setInterval(() => {
    void readConntrackCounters(paths).then(({ count, max }) => {
      if (pressure.add(count, max)) reconciler.trigger("pressure");
    });
    const spec = reconciler.currentSpec();
    void housekeeping.sample(spec !== undefined && usesHousekeeping(spec));
  }, config.pressureSampleSeconds * 1000);

  if (!config.simulatedHost) for (const monitor of monitors) monitor.start();
  watch.start();
  scheduleResync();
  log.info(`agent started for node ${config.nodeName}`, {
    hostRoot: config.hostRoot,
    metricsPort: config.metricsPort,
  });

  const shutdown = async (signal: string): Promise<void> => {
    log.info(`${signal}: finishing the check in flight, then exiting; nothing is reverted`);
    watch.stop();
    for (const monitor of monitors) monitor.stop();
    clearTimeout(resyncTimer);
    clearInterval(pressureTimer);
    await reconciler.drain();
    server.close();
    process.exit(0);
  };
  onStopSignal(shutdown);
}

runMain(main);
