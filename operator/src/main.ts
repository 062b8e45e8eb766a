// The NetTune operator: merges tunings per node, gates the rollout, keeps the
// agent DaemonSet, aggregates status; one leader at a time on a Lease.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import type { KubernetesObject } from "@kubernetes/client-node";
import { Backoff } from "../../common/backoff.ts";
import { startHealthServer } from "../../common/health-server.ts";
import { jsonLogger, type Logger } from "../../common/logger.ts";
import { Controller } from "./controller.ts";
import type { AgentSettings } from "./daemonset.ts";
import { makeInformers, operatorWrites, type Watched } from "./kube.ts";
import { LeaderElector } from "./leader.ts";
import { OperatorMetrics } from "./metrics.ts";
import { PooledKubeConfig } from "./pooled-kube-config.ts";

interface OperatorConfig {
  namespace: string;
  identity: string;
  metricsPort: number;
  workers: number;
  leaseSeconds: number;
  agent: AgentSettings;
}

function configFrom(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: "string" },
      identity: { type: "string" },
      "metrics-port": { type: "string", default: "8080" },
      workers: { type: "string", default: "2" },
      "lease-seconds": { type: "string", default: "15" },
      "agent-image": { type: "string", default: "ghcr.io/nettune/nettune:0.1.0" },
      "agent-image-pull-policy": { type: "string", default: "IfNotPresent" },
      "agent-image-pull-secret": { type: "string", multiple: true, default: [] },
      "agent-service-account": { type: "string", default: "nettune-agent" },
      "agent-resources": {
        type: "string",
        default: '{"requests":{"cpu":"10m","memory":"96Mi"},"limits":{"memory":"192Mi"}}',
      },
      "agent-arg": { type: "string", multiple: true, default: [] },
    },
  });
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? "nettune-system";
  return {
    namespace,
    identity: values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    metricsPort: Number(values["metrics-port"]),
    workers: Number(values.workers),
    leaseSeconds: Number(values["lease-seconds"]),
    agent: {
      namespace,
      name: "nettune-agent",
      image: values["agent-image"],
      imagePullPolicy: pullPolicy(values["agent-image-pull-policy"]),
      imagePullSecrets: values["agent-image-pull-secret"],
      serviceAccount: values["agent-service-account"],
      resources: agentResources(values["agent-resources"]),
      metricsPort: 9464,
      args: values["agent-arg"],
    },
  };
}

function agentResources(json: string): AgentSettings["resources"] {
  try {
    const parsed = JSON.parse(json) as Partial<AgentSettings["resources"]>;
    return { requests: parsed.requests ?? {}, limits: parsed.limits ?? {} };
  } catch (error) {
    throw new Error(`--agent-resources: not JSON: ${json}`, { cause: error });
  }
}

function pullPolicy(value: string): AgentSettings["imagePullPolicy"] {
  if (value === "Always" || value === "IfNotPresent" || value === "Never") return value;
  throw new Error(`--agent-image-pull-policy: ${value} is not Always, IfNotPresent or Never`);
}

/** Starts an informer and starts it again, with backoff, whenever it stops on an error. */
function keepRunning<T extends KubernetesObject>(
  name: string,
  informer: Watched<T>,
  log: Logger,
  health: Map<string, boolean>,
): void {
  const backoff = new Backoff(500, 30_000);
  const start = (): void => {
    informer.start().then(
      () => {
        health.set(name, true);
        backoff.reset();
      },
      (error: unknown) => {
        restart(error);
      },
    );
  };
  const restart = (error: unknown): void => {
    health.set(name, false);
    const delay = backoff.next();
    log.warn(`${name} informer stopped; restarting in ${delay} ms`, error);
    setTimeout(start, delay);
  };
  informer.on("error", restart);
  informer.on("connect", () => health.set(name, true));
  start();
}

async function main(): Promise<void> {
  const config = configFrom(process.argv.slice(2), process.env);
  const log = jsonLogger("operator");
  const kubeConfig = new PooledKubeConfig();
  kubeConfig.loadFromDefault();
  const informers = makeInformers(kubeConfig);
  // The metrics read node states from the controller, which needs the metrics: a late binding.
  const holder: { controller?: Controller } = {};
  const metrics = new OperatorMetrics(() => holder.controller?.nodesByState() ?? {});
  const writes = operatorWrites(
    kubeConfig,
    () => new Date(),
    (verb) => metrics.apiErrors.inc({ verb }),
  );
  const controller = new Controller({
    informers,
    writes,
    agent: config.agent,
    now: () => new Date(),
    log,
    metrics,
  });
  holder.controller = controller;
  const health = new Map<string, boolean>();
  const elector = new LeaderElector(
    kubeConfig,
    {
      namespace: config.namespace,
      name: "nettune-operator",
      identity: config.identity,
      leaseSeconds: config.leaseSeconds,
      renewSeconds: Math.max(1, Math.floor(config.leaseSeconds / 3)),
    },
    log,
  );
  const server = await startHealthServer(config.metricsPort, metrics.registry, {
    // A standby is healthy and ready to take over; a leader is ready once its informers run.
    ready: () => !elector.isLeader || [...health.values()].every(Boolean),
  });

  let running: Promise<void> | undefined;
  elector.run(
    () => {
      metrics.leader.set(1);
      controller.wire();
      for (const [name, informer] of Object.entries(informers))
        keepRunning(name, informer as Watched<KubernetesObject>, log, health);
      running = controller.run(config.workers);
    },
    () => {
      // Another replica may act now: stop at once rather than act on a stale view.
      log.error("lost the lease; exiting so that a fresh start waits for it");
      process.exit(1);
    },
  );
  log.info(`operator ${config.identity} started`, { namespace: config.namespace });

  const shutdown = async (signal: string): Promise<void> => {
    log.info(`${signal}: stopping intake, finishing reconciles in flight, releasing the lease`);
    controller.queue.shutDown();
    await running;
    for (const informer of Object.values(informers))
      await (informer as Watched<KubernetesObject>).stop();
    await elector.release().catch((error: unknown) => {
      log.warn("could not release the lease", error);
    });
    server.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
