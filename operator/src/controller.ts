import type { Logger } from "../../common/logger.ts";
import { ClusterView } from "./cluster/cluster-view.ts";
import { AgentsReconciler } from "./agents/agents-reconciler.ts";
import { WebhookRegistrationReconciler } from "./webhook/registration-reconciler.ts";
import { TuningReconciler } from "./status/tuning-reconciler.ts";
import type { AgentSettings } from "./agents/daemonset.ts";
import type { AgentPodsReader, Informers } from "./cluster/kube.ts";
import type { OperatorWrites } from "./cluster/writes.ts";
import type { OperatorMetrics } from "./metrics.ts";
import { NodeReconciler } from "./rollout/node-reconciler.ts";
import { progressOf } from "./rollout/rollout.ts";
import type { WebhookEndpoint } from "./webhook/registration.ts";
import { allWork, watches } from "./watches.ts";
import { WorkQueue } from "./workqueue.ts";
import { tuningKey, workOf, type Requeue, type WorkKey } from "./work-keys.ts";

export { finalizer } from "./status/tuning-reconciler.ts";

export interface ControllerDeps {
  informers: Informers;
  writes: OperatorWrites;
  agent: AgentSettings;
  now: () => Date;
  log: Logger;
  metrics: OperatorMetrics;
  /** How long tuning status waits to fold node reports together. */
  statusCoalesceMs?: number;
  /** Where the API server reaches the DNS webhook; no webhook configuration without it. */
  webhookEndpoint?: WebhookEndpoint;
  /** Namespaces the DNS webhook leaves out, beside the cluster's own. */
  webhookExcludedNamespaces?: string[];
  /** Reads why agent pods are missing; without it, the operator does not look. */
  agentPods?: AgentPodsReader;
  /** How often the agent pods are checked: while some are missing, and when all run. */
  agentCheckMs?: { missing: number; settled: number };
}

/**
 * Dispatches typed work keys to one reconciler per concern: a node's key to
 * the NodeReconciler (merge the tunings matching it into its NodeNetworkTuning,
 * gated by the rollout budget), a tuning's to the TuningReconciler (status,
 * Events, the revert finalizer), "daemonset" to the AgentsReconciler,
 * "dns-webhook" to the WebhookRegistrationReconciler, "next-in-line" to the
 * nodes a freed budget may release. Reconcilers meet only through the view
 * (the informer caches, this operator's writes the caches have not shown yet,
 * and what reconcilers found) and through the work each sync returns, which
 * the controller alone queues.
 */
export class Controller {
  readonly queue = new WorkQueue<WorkKey>();
  private readonly deps: ControllerDeps;
  private readonly view: ClusterView;
  private readonly nodes: NodeReconciler;
  private readonly tuningStatus: TuningReconciler;
  private readonly agents: AgentsReconciler;
  private readonly webhook: WebhookRegistrationReconciler;

  constructor(deps: ControllerDeps) {
    this.deps = deps;
    this.view = new ClusterView(deps.informers);
    const common = { informers: deps.informers, writes: deps.writes, view: this.view };
    this.nodes = new NodeReconciler({ ...common, now: deps.now });
    this.agents = new AgentsReconciler({
      ...common,
      agent: deps.agent,
      log: deps.log,
      ...(deps.agentPods ? { agentPods: deps.agentPods } : {}),
      ...(deps.agentCheckMs ? { agentCheckMs: deps.agentCheckMs } : {}),
    });
    this.webhook = new WebhookRegistrationReconciler({
      writes: deps.writes,
      view: this.view,
      log: deps.log,
      ...(deps.webhookEndpoint ? { webhookEndpoint: deps.webhookEndpoint } : {}),
      excludedNamespaces: deps.webhookExcludedNamespaces ?? [],
    });
    this.tuningStatus = new TuningReconciler({ ...common, now: deps.now });
  }

  /** Queues what each informer event makes due (watches.ts), then everything once. */
  wire(): void {
    for (const row of watches(this.deps.informers, this.view))
      row.attach((work) => {
        this.enqueue(work);
      });
    // The tunings informer also serves the webhook and may have filled before this replica led.
    this.enqueue(allWork(this.deps.informers, this.view));
  }

  /** Queues work returned by a reconcile or a watch: now, coalesced, or after its delay. */
  private enqueue(work: readonly Requeue[]): void {
    const coalesce = this.deps.statusCoalesceMs ?? 500;
    for (const { key, due } of work) {
      if (due === "now") this.queue.add(key);
      else this.queue.addAfter(key, due === "coalesced" ? coalesce : due.afterMs);
    }
  }

  /** Runs workers until the queue shuts down; each finishes the key it holds. */
  async run(workers: number): Promise<void> {
    await Promise.all(Array.from({ length: workers }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.next();
      if (key === undefined) return;
      const stop = this.deps.metrics.reconcileDuration.startTimer({ kind: workOf(key).kind });
      try {
        this.enqueue(await this.reconcile(key));
        this.queue.forget(key);
      } catch (error) {
        this.deps.log.warn(`reconcile ${key} failed; retrying`, error);
        this.queue.retry(key);
      } finally {
        stop();
        this.queue.done(key);
        this.deps.metrics.queueDepth.set(this.queue.depth);
      }
    }
  }

  private reconcile(key: WorkKey): Promise<Requeue[]> {
    const work = workOf(key);
    switch (work.kind) {
      case "daemonset":
        return this.agents.sync();
      case "dns-webhook":
        return this.webhook.sync();
      case "next-in-line":
        return Promise.resolve(this.nodes.syncNextInLine());
      case "node":
        return this.nodes.sync(work.name);
      case "tuning":
        return this.tuningStatus.sync(work.name);
    }
  }

  /** The CA bundle the API server must trust for the webhook; the configuration follows it. */
  setWebhookCABundle(bundle: string): void {
    this.webhook.setWebhookCABundle(bundle);
    this.queue.add("dns-webhook");
  }

  /** Why the DNS webhook cannot serve (undefined once it can): told on the tunings with dns.pods. */
  setWebhookProblem(problem: string | undefined): void {
    if (!this.view.findings.setWebhookProblem(problem)) return;
    for (const tuning of this.deps.informers.tunings.list())
      if (tuning.spec.dns?.pods !== undefined)
        this.queue.add(tuningKey(tuning.metadata.name ?? ""));
  }

  /** Node counts by state, for the metrics endpoint. */
  nodesByState(): Record<string, number> {
    const views = this.view.nodeViews();
    const counts: Record<string, number> = { pending: 0, inFlight: 0, applied: 0, failed: 0 };
    for (const tuning of this.view.liveTunings()) {
      for (const view of this.view.matchedNodes(tuning, views)) {
        const state = progressOf(tuning, view);
        counts[state] = (counts[state] ?? 0) + 1;
      }
    }
    return counts;
  }
}
