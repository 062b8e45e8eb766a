// The node agent as it runs in the DaemonSet: watches its own
// NodeNetworkTuning, keeps the node at its spec, reports per-setting status.
import { enactWithAudits } from "./engine/audits.ts";
import { revertAll, type EnactDeps } from "./engine/enact.ts";
import { agentEthtool } from "./host/ethtool.ts";
import { WritersMemo } from "./facts/writing-programs.ts";
import { usesHousekeeping } from "./facts/snapshot.ts";
import { specCheckers } from "./runtime/spec-check.ts";
import { hostInventory } from "./facts/inventory.ts";
import { InventoryPublisher } from "./runtime/inventory-publisher.ts";
import { gatherNodeFacts } from "./facts/gather.ts";
import { readCounterSample, readNodeBounds } from "./facts/symptom-counters.ts";
import { PhysicalNICs } from "./facts/physical-nics.ts";
import { defaultThresholds, type Thresholds } from "./engine/detect.ts";
import { DiagnosisLoop } from "./runtime/diagnosis-loop.ts";
import { thresholdsFor } from "./engine/thresholds.ts";
import { SymptomWatch } from "./runtime/symptom-watch.ts";
import type { CommandRunner } from "./host/commands.ts";
import { shellRunner } from "./host/shell-runner.ts";
import { hostPathsUnder } from "./host/paths.ts";
import { ConntrackPressure } from "./runtime/conntrack-pressure.ts";
import { kubeClient } from "./runtime/kube.ts";
import { resolveConnection } from "./runtime/connection.ts";
import { ethtoolEvents, LinkMonitor, linkEvents } from "./runtime/link-monitor.ts";
import { jsonLogger } from "../../common/logger.ts";
import { AgentMetrics } from "./runtime/metrics.ts";
import { OwnObjectWatch } from "./runtime/own-object-watch.ts";
import { Reconciler } from "./runtime/reconciler.ts";
import { EventRecorder } from "./runtime/event-recorder.ts";
import { HousekeepingWatch } from "./runtime/housekeeping-watch.ts";
import { findKubeletCPUs } from "./facts/kubelet-cpus.ts";
import { startHealthServer } from "../../common/health-server.ts";
import { onStopSignal, runMain } from "../../common/process.ts";
import { configOrExit } from "./agent-config.ts";

const refuseCommands: CommandRunner = () =>
  Promise.resolve({ code: 1, stdout: "", stderr: "simulated host" });

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
  // A real one is asked through long-lived shells (shell-runner.ts): forking the agent for each
  // ethtool run cost more than the run.
  const run = config.simulatedHost ? refuseCommands : shellRunner().run;
  const deps: EnactDeps = {
    paths,
    run,
    driverInfoMemo: new Map(),
    // Checks that follow one another (a spec change, a burst of link events) walk /proc for
    // other writers once; a writer that starts or restarts later is found within ten seconds.
    writersMemo: new WritersMemo(10_000),
    probe: () => client.probe(config.probeTimeoutSeconds * 1000),
    observer: {
      beforeWrite: () => {
        metrics.hostWrites.inc();
      },
    },
  };

  const checks = specCheckers();
  const now = (): Date => new Date();
  const events = new EventRecorder({ client, nodeName: config.nodeName, now, log, metrics });
  const nics = new PhysicalNICs(paths);
  const symptoms: SymptomWatch = new SymptomWatch({
    sample: async (atMs) =>
      readCounterSample(paths, atMs, await nics.current(), {
        driverOf: (name) => nics.driverOf(name),
        statistics: (name) => agentEthtool(deps).statistics(name),
      }),
    bounds: (last, ringsOf) => readNodeBounds(paths, agentEthtool(deps), last, ringsOf),
    now: () => Date.now(),
    thresholds: (): Thresholds => thresholdsFor(reconciler.currentSpec()?.diagnosis),
  });
  metrics.watchSymptoms(() => symptoms.current());
  const inventoryPublisher = new InventoryPublisher({
    client,
    nodeName: config.nodeName,
    log,
    written: () => {
      metrics.inventoryWrites.inc();
    },
  });
  const reconciler: Reconciler = new Reconciler({
    client,
    nodeName: config.nodeName,
    now,
    log,
    metrics,
    events,
    enact: (spec) => {
      checks.spec(config.nodeName, spec);
      return enactWithAudits(spec, deps, checks.audit);
    },
    revertAll: () => revertAll(deps),
    inventory: async () =>
      hostInventory(
        await gatherNodeFacts({
          paths,
          ethtool: agentEthtool(deps),
          processes: deps.writersMemo?.processes,
        }),
        paths,
      ),
    publishInventory: (inventory, owners) => inventoryPublisher.publish(inventory, owners),
    conntrackPressure: () => pressure.current(),
    advice: () => symptoms.current(),
  });
  const diagnosis = new DiagnosisLoop({
    watch: symptoms,
    windowIntervals: defaultThresholds.windowIntervals,
    events,
    client,
    nodeName: config.nodeName,
    now,
    log,
    onChange: () => {
      reconciler.trigger("advice");
    },
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
    () => findKubeletCPUs(paths, deps.writersMemo?.processes),
    () => {
      reconciler.trigger("cpus");
    },
  );
  // One sample of the kernel's counters per interval serves the diagnosis and conntrack pressure.
  const pressureTimer = setInterval(() => {
    void diagnosis.tick().then(() => {
      const conntrack = symptoms.latest()?.conntrack;
      if (pressure.add(conntrack?.count, conntrack?.max)) reconciler.trigger("pressure");
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
