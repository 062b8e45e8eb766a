import type { Logger } from "../../common/logger.ts";
import { ClusterView, type Tuning } from "./cluster-view.ts";
import { AgentsReconciler } from "./agents-reconciler.ts";
import { WebhookRegistrationReconciler } from "./webhook-registration-reconciler.ts";
import { TuningReconciler } from "./tuning-reconciler.ts";
import { ChangeFilter, nodeFingerprint, tuningFingerprint } from "./change-filter.ts";
import type { AgentSettings } from "./daemonset.ts";
import type { AgentPodsReader, Informers } from "./kube.ts";
import type { OperatorWrites } from "./writes.ts";
import type { OperatorMetrics } from "./metrics.ts";
import { NodeReleaser } from "./node-releaser.ts";
import { progressOf } from "./rollout.ts";
import type { WebhookEndpoint } from "./webhook/registration.ts";
import { WorkQueue } from "./workqueue.ts";
import { nodeKey, tuningKey, workOf, type WorkKey } from "./work-keys.ts";

export { finalizer } from "./tuning-reconciler.ts";

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
 * the NodeReleaser (merge the tunings matching it into its NodeNetworkTuning,
 * gated by the rollout budget), a tuning's to the TuningReconciler (status,
 * Events, the revert finalizer), "daemonset" to the AgentsReconciler,
 * "dns-webhook" to the WebhookRegistrationReconciler, "next-in-line" to the
 * nodes a freed budget may release.
 * Everything is read from informer caches, plus the objects this operator
 * wrote and the caches have not shown yet (ClusterView).
 */
export class Controller {
  readonly queue = new WorkQueue<WorkKey>();
  private readonly deps: ControllerDeps;
  private readonly view: ClusterView;
  private readonly releaser: NodeReleaser;
  private readonly tuningStatus: TuningReconciler;
  private readonly agents: AgentsReconciler;
  private readonly webhook: WebhookRegistrationReconciler;
  private webhookProblem: string | undefined;

  constructor(deps: ControllerDeps) {
    this.deps = deps;
    this.view = new ClusterView(deps.informers);
    this.releaser = new NodeReleaser(
      deps.informers,
      deps.writes,
      this.view,
      (tunings) => {
        this.queueStatuses(tunings);
      },
      () => {
        this.queueStatuses();
      },
      deps.now,
    );
    const common = {
      informers: deps.informers,
      writes: deps.writes,
      view: this.view,
      queue: this.queue,
    };
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
      queue: this.queue,
      log: deps.log,
      ...(deps.webhookEndpoint ? { webhookEndpoint: deps.webhookEndpoint } : {}),
      excludedNamespaces: deps.webhookExcludedNamespaces ?? [],
    });
    this.tuningStatus = new TuningReconciler({
      ...common,
      releaser: this.releaser,
      now: deps.now,
      agentProblem: () => this.agents.agentProblem(),
      webhookProblem: () => this.webhookProblem,
    });
  }

  /** Enqueues what each informer event can affect. */
  wire(): void {
    const { tunings, nodeTunings, nodes } = this.deps.informers;
    // A tuning's spec, deletion or finalizers can change what every node should have.
    const everything = (): void => {
      this.releaser.forgetMatches();
      this.queue.add("daemonset");
      this.queue.add("dns-webhook");
      for (const node of nodes.list()) this.queue.add(nodeKey(node.metadata?.name ?? ""));
      for (const tuning of tunings.list()) this.queue.add(tuningKey(tuning.metadata.name ?? ""));
    };
    // A node's labels or readiness change what matches it, the tunings' counts and budgets.
    const nodeChanged = (name: string): void => {
      this.releaser.forgetMatches();
      this.queue.add(nodeKey(name));
      this.queue.add("next-in-line");
      this.queueStatuses();
    };
    const tuningChanges = new ChangeFilter(tuningFingerprint);
    const nodeChanges = new ChangeFilter(nodeFingerprint);
    // A deletion's touched nodes are noted as it arrives, before any node is merged without it.
    tunings.on("add", (tuning) => {
      this.tuningStatus.rememberDeletion(tuning, true);
    });
    tunings.on("update", (tuning) => {
      this.tuningStatus.rememberDeletion(tuning, false);
    });
    for (const verb of ["add", "update"] as const) {
      tunings.on(verb, (tuning) => {
        const name = tuning.metadata.name ?? "";
        if (tuningChanges.changed(name, tuning)) everything();
        // A status-only update (its own write, or another replica's) is checked against the view.
        else this.queueStatuses([tuning]);
      });
      nodes.on(verb, (node) => {
        const name = node.metadata?.name ?? "";
        if (nodeChanges.changed(name, node)) nodeChanged(name);
      });
    }
    tunings.on("delete", (tuning) => {
      tuningChanges.forget(tuning.metadata.name ?? "");
      everything();
    });
    nodes.on("delete", (node) => {
      const name = node.metadata?.name ?? "";
      nodeChanges.forget(name);
      nodeChanged(name);
    });
    for (const verb of ["add", "update", "delete"] as const) {
      nodeTunings.on(verb, (object) => {
        this.view.observed(object.metadata.name ?? "", verb === "delete");
        this.queue.add(nodeKey(object.metadata.name ?? ""));
        // A report frees a slot of the rollout budget: the nodes next in line may take it.
        // One look for a burst of reports: the key waits once however many arrive.
        if (object.status?.observedGeneration === object.metadata.generation)
          this.queue.add("next-in-line");
        // Reports arrive in bursts during a rollout; one status write covers a burst.
        this.queueStatuses();
      });
    }
    // The tunings informer also serves the webhook and may have filled before this replica led.
    everything();
  }

  /**
   * Queues the status of `tunings` (all by default) after the coalescing delay:
   * node reports and writes arrive in bursts, and one status write covers a burst.
   */
  private queueStatuses(tunings: readonly Tuning[] = this.deps.informers.tunings.list()): void {
    const coalesce = this.deps.statusCoalesceMs ?? 500;
    for (const tuning of tunings)
      this.queue.addAfter(tuningKey(tuning.metadata.name ?? ""), coalesce);
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
        await this.reconcile(key);
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

  private async reconcile(key: WorkKey): Promise<void> {
    const work = workOf(key);
    switch (work.kind) {
      case "daemonset":
        return this.agents.syncDaemonSet();
      case "dns-webhook":
        return this.webhook.sync();
      case "next-in-line":
        for (const node of this.releaser.nextInLine()) this.queue.add(nodeKey(node));
        return;
      case "node": {
        const { requeueAfterMs } = await this.releaser.sync(work.name);
        if (requeueAfterMs !== undefined) this.queue.addAfter(key, requeueAfterMs);
        return;
      }
      case "tuning":
        return this.tuningStatus.sync(work.name);
    }
  }

  /** The CA bundle the API server must trust for the webhook; the configuration follows it. */
  setWebhookCABundle(bundle: string): void {
    this.webhook.setWebhookCABundle(bundle);
  }

  /** Why the DNS webhook cannot serve (undefined once it can): told on the tunings with dns.pods. */
  setWebhookProblem(problem: string | undefined): void {
    if (problem === this.webhookProblem) return;
    this.webhookProblem = problem;
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
