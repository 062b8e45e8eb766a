// The NetTune operator: merges tunings per node, gates the rollout, keeps the
// agent DaemonSet, aggregates status; one leader at a time on a Lease.
import type { KubernetesObject } from "@kubernetes/client-node";
import { startHealthServer } from "../../common/health-server.ts";
import { jsonLogger } from "../../common/logger.ts";
import { Controller } from "./controller.ts";
import { configFrom } from "./config.ts";
import { agentPodsReader, makeInformers, type Watched } from "./cluster/kube.ts";
import { operatorWrites } from "./cluster/writes.ts";
import { APICalls } from "./cluster/api-calls.ts";
import { keepRunning } from "./cluster/informers-running.ts";
import { LeaderElector } from "./leader.ts";
import { OperatorMetrics } from "./metrics.ts";
import { PooledKubeConfig } from "./cluster/pooled-kube-config.ts";
import { startDNSWebhook } from "./webhook/run.ts";
import { podDNSTunings } from "./webhook/registration.ts";
import { fencedWrites } from "./cluster/write-fence.ts";
import { onStopSignal, runMain } from "../../common/process.ts";

async function main(): Promise<void> {
  const config = configFrom(process.argv.slice(2), process.env);
  const log = jsonLogger("operator");
  const kubeConfig = new PooledKubeConfig();
  kubeConfig.loadFromDefault();
  const informers = makeInformers(kubeConfig);
  // The metrics read node states from the controller, which needs the metrics: a late binding.
  const holder: { controller?: Controller } = {};
  const metrics = new OperatorMetrics(() => holder.controller?.nodesByState() ?? {});
  const calls = new APICalls((verb, status) =>
    metrics.apiErrors.inc({ verb, code: String(status) }),
  );
  const writes = operatorWrites(kubeConfig, () => new Date(), calls, config.identity);
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
    calls,
  );
  const agentPods = agentPodsReader(kubeConfig, calls);
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
    // The leader's writes stop the moment it cannot be sure it still leads.
    writes: fencedWrites(writes, () => elector.holdsLease()),
    agent,
    agentPods,
    now: () => new Date(),
    log,
    metrics,
    ...(config.webhook
      ? {
          webhookEndpoint: config.webhook.endpoint,
          webhookExcludedNamespaces: config.webhook.excludeNamespaces,
        }
      : {}),
  });
  holder.controller = controller;
  const health = new Map<string, boolean>();
  const webhookCaches = ["tunings", ...(config.webhook ? ["namespaces"] : [])];
  // Ready once the webhook serves, or once it is known that no replica can yet (no certificate:
  // the Service then fails open at once rather than holding the replica out of rotation).
  const webhookState = { settled: !config.webhook };
  const server = await startHealthServer(config.metricsPort, metrics.registry, {
    // Every replica answers the webhook from its caches, so none is ready before they have
    // listed; a leader is ready once all its informers run.
    ready: () =>
      webhookState.settled &&
      webhookCaches.every((name) => health.get(name) === true) &&
      (!elector.isLeader || [...health.values()].every(Boolean)),
  });

  // Every replica serves the DNS webhook, which reads tunings: that informer runs from the start.
  const tuningsListed = keepRunning(
    "tunings",
    informers.tunings as Watched<KubernetesObject>,
    log,
    health,
  );
  // The webhook decides from namespace labels too: a replica answers it only once both have listed.
  const namespacesListed = config.webhook
    ? keepRunning("namespaces", informers.namespaces as Watched<KubernetesObject>, log, health)
    : Promise.resolve();
  const webhook = config.webhook
    ? startDNSWebhook({
        kubeConfig,
        namespace: config.namespace,
        settings: config.webhook,
        tunings: () => [...informers.tunings.list()],
        namespaceLabels: (namespace) => ({
          ...informers.namespaces.get(namespace)?.metadata?.labels,
          // Set by the API server on every namespace; known even before the cache has it.
          "kubernetes.io/metadata.name": namespace,
        }),
        metrics,
        calls,
        log,
        now: () => new Date(),
        warnAll: async (reason, message) => {
          for (const tuning of podDNSTunings(informers.tunings.list()))
            await writes.event(tuning, "Warning", reason, message);
        },
        onCABundle: (bundle) => {
          controller.setWebhookCABundle(bundle);
        },
        onProblem: (problem) => {
          controller.setWebhookProblem(problem);
        },
        onSettled: () => {
          webhookState.settled = true;
        },
      })
    : undefined;

  let running: Promise<void> | undefined;
  elector.run(
    () => {
      metrics.leader.set(1);
      // Nothing is decided before every watch the decisions read has listed: an empty node
      // cache would make every tuning look Ready with no matching nodes.
      const listed = Object.entries(informers)
        .filter(([name]) => name !== "tunings" && name !== "namespaces")
        .map(([name, informer]) =>
          keepRunning(name, informer as Watched<KubernetesObject>, log, health),
        );
      running = Promise.all([tuningsListed, namespacesListed, ...listed]).then(() => {
        log.info("caches listed; reconciling");
        controller.wire();
        return controller.run(config.workers);
      });
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
