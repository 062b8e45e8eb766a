// The NetTune operator: merges tunings per node, gates the rollout, keeps the
// agent DaemonSet, aggregates status; one leader at a time on a Lease.
import type { KubernetesObject } from "@kubernetes/client-node";
import { Backoff } from "../../common/backoff.ts";
import { startHealthServer } from "../../common/health-server.ts";
import { jsonLogger, type Logger } from "../../common/logger.ts";
import { Controller } from "./controller.ts";
import { configFrom } from "./config.ts";
import { agentPodsReader, makeInformers, operatorWrites, type Watched } from "./kube.ts";
import { LeaderElector } from "./leader.ts";
import { OperatorMetrics } from "./metrics.ts";
import { PooledKubeConfig } from "./pooled-kube-config.ts";
import { startDNSWebhook } from "./webhook/run.ts";
import { onStopSignal, runMain } from "../../common/process.ts";

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
  const agentPods = agentPodsReader(kubeConfig);
  const agent = config.ownerDeployment
    ? {
        ...config.agent,
        owner: {
          name: config.ownerDeployment,
          uid: await agentPods.deploymentUID(config.namespace, config.ownerDeployment),
        },
      }
    : config.agent;
  const controller = new Controller({
    informers,
    writes,
    agent,
    agentPods,
    now: () => new Date(),
    log,
    metrics,
    ...(config.webhook ? { webhookEndpoint: config.webhook.endpoint } : {}),
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

  // Every replica serves the DNS webhook, which reads tunings: that informer runs from the start.
  keepRunning("tunings", informers.tunings as Watched<KubernetesObject>, log, health);
  const webhook = config.webhook
    ? await startDNSWebhook({
        kubeConfig,
        namespace: config.namespace,
        settings: config.webhook,
        tuning: (name) => informers.tunings.get(name),
        metrics,
        log,
        now: () => new Date(),
        warn: (tuning, reason, message) => writes.event(tuning, "Warning", reason, message),
        onCABundle: (bundle) => {
          controller.setWebhookCABundle(bundle);
        },
      })
    : undefined;

  let running: Promise<void> | undefined;
  elector.run(
    () => {
      metrics.leader.set(1);
      controller.wire();
      for (const [name, informer] of Object.entries(informers))
        if (name !== "tunings")
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
    await webhook?.stop();
    server.close();
    process.exit(0);
  };
  onStopSignal(shutdown);
}

runMain(main);
