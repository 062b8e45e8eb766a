import type { Logger } from "../../common/logger.ts";
import { canonicalJSON } from "../../common/canonical-json.ts";
import {
  ClusterView,
  failureMessage,
  type NodeTuning,
  type Tuning,
  unusable,
} from "./cluster-view.ts";
import { ChangeFilter, nodeFingerprint, tuningFingerprint } from "./change-filter.ts";
import { agentDaemonSet, type AgentSettings } from "./daemonset.ts";
import type { AgentPodsReader, Informers, OperatorWrites } from "./kube.ts";
import type { Conflict } from "./merge.ts";
import type { OperatorMetrics } from "./metrics.ts";
import { NodeReleaser } from "./node-releaser.ts";
import { TuningReason as Reason } from "../../api/v1alpha1/reasons.ts";
import { RevertTracker, revertedMessage, revertingMessage } from "./revert-tracker.ts";
import { RolloutLedger, progressOf, type NodeView } from "./rollout.ts";
import { tuningStatus } from "./status.ts";
import { TransitionEvents } from "./transition-events.ts";
import { webhookConfiguration, type WebhookEndpoint } from "./webhook/registration.ts";
import { WorkQueue } from "./workqueue.ts";
import { nodeKey, tuningKey, workOf, type WorkKey } from "./work-keys.ts";

export const finalizer = "nettune.io/revert";

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
  /** Reads why agent pods are missing; without it, the operator does not look. */
  agentPods?: AgentPodsReader;
  /** How often the agent pods are checked: while some are missing, and when all run. */
  agentCheckMs?: { missing: number; settled: number };
}

/**
 * Reconciles per key: "node/NAME" merges the tunings matching a node into its
 * NodeNetworkTuning (gated by the rollout budget), "tuning/NAME" aggregates
 * status, Events and the revert finalizer, "daemonset" keeps the agents where
 * tunings select nodes, "dns-webhook" keeps the DNS webhook's registration,
 * "next-in-line" enqueues the nodes a freed rollout budget may release.
 * Everything is read from informer caches, plus the objects this operator
 * wrote and the caches have not shown yet (ClusterView).
 */
export class Controller {
  readonly queue = new WorkQueue<WorkKey>();
  private readonly deps: ControllerDeps;
  private readonly view: ClusterView;
  private readonly transitions: TransitionEvents;
  private readonly releaser: NodeReleaser;
  private webhookCABundle: string | undefined;
  private agentProblem: string | undefined;
  private readonly reverts = new RevertTracker();

  constructor(deps: ControllerDeps) {
    this.deps = deps;
    this.view = new ClusterView(deps.informers);
    this.transitions = new TransitionEvents(deps.writes);
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
    );
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
      if (tuning.metadata.deletionTimestamp)
        this.reverts.remember(tuning, this.nodeTunings(), true);
    });
    tunings.on("update", (tuning) => {
      if (tuning.metadata.deletionTimestamp)
        this.reverts.remember(tuning, this.nodeTunings(), false);
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
        return this.syncDaemonSet();
      case "dns-webhook":
        return this.syncWebhookConfiguration();
      case "next-in-line":
        for (const node of this.releaser.nextInLine()) this.queue.add(nodeKey(node));
        return;
      case "node":
        return this.releaser.sync(work.name);
      case "tuning":
        return this.syncTuning(work.name);
    }
  }

  // --- tuning -----------------------------------------------------------------------------

  private async syncTuning(name: string): Promise<void> {
    const tuning = this.deps.informers.tunings.get(name);
    if (!tuning) return;
    if (tuning.metadata.deletionTimestamp) return this.finishDeletion(tuning);
    const finalizers = tuning.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) {
      await this.deps.writes.setTuningFinalizers(
        name,
        [...finalizers, finalizer],
        tuning.metadata.resourceVersion ?? "",
      );
      return; // the update comes back through the informer
    }
    const views = this.view.nodeViews();
    const matched = this.view.matchedNodes(tuning, views);
    const ledger = new RolloutLedger([tuning], () => matched);
    const progress = ledger.of(name);
    if (!progress) return;
    const failureMessages = new Map(matched.map((view) => [view.name, failureMessage(view.nnt)]));
    const conflicts = this.conflictsOf(tuning, matched);
    const status = tuningStatus({
      tuning,
      progress,
      halted: ledger.halted(name),
      failureMessages,
      conflicts,
      agentProblem: this.agentProblem,
      unusable: unusable(tuning),
      now: this.deps.now(),
    });
    if (canonicalJSON(status) === canonicalJSON(tuning.status)) return;
    await this.deps.writes.patchTuningStatus(name, status, tuning.metadata.resourceVersion ?? "");
    await this.transitions.record(
      tuning,
      status.conditions,
      conflicts,
      progress.failedNodes,
      failureMessages,
    );
  }

  private conflictsOf(tuning: Tuning, matched: NodeView[]): Conflict[] {
    return this.releaser.conflictsAmong(
      matched.map((view) => view.name),
      tuning.metadata.name ?? "",
    );
  }

  /**
   * The finalizer holds a deleted tuning until every node it touched has
   * dropped it from its spec and reported that generation (or is gone).
   */
  private async finishDeletion(tuning: Tuning): Promise<void> {
    const name = tuning.metadata.name ?? "";
    if (!(tuning.metadata.finalizers ?? []).includes(finalizer)) return;
    const progress = this.reverts.progress(
      tuning,
      this.nodeTunings(),
      (node) => this.deps.informers.nodes.get(node) !== undefined,
    );
    if (progress.waiting.length > 0) {
      if (this.reverts.announce(tuning))
        await this.deps.writes.event(
          tuning,
          "Normal",
          Reason.Reverting,
          revertingMessage(progress),
        );
      for (const node of progress.waiting) this.queue.add(nodeKey(node));
      return;
    }
    const finalizers = (tuning.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.deps.writes.event(tuning, "Normal", Reason.Reverted, revertedMessage(progress));
    await this.deps.writes.setTuningFinalizers(
      name,
      finalizers,
      tuning.metadata.resourceVersion ?? "",
    );
    this.reverts.forget(tuning);
    this.queue.add("daemonset");
  }

  /** Every NodeNetworkTuning as this operator knows it, its own writes in flight included. */
  private nodeTunings(): NodeTuning[] {
    return this.deps.informers.nodeTunings
      .list()
      .map((cached) => this.view.nodeTuning(cached.metadata.name ?? "") ?? cached);
  }

  // --- daemonset --------------------------------------------------------------------------

  private async syncDaemonSet(): Promise<void> {
    // Deleted tunings still holding their finalizer keep their nodes' agents until reverted.
    const outcome = await this.deps.writes.applyDaemonSet(
      agentDaemonSet(this.deps.agent, this.view.tunings()),
    );
    if (outcome !== "unchanged") this.deps.log.info(`agent DaemonSet ${outcome}`);
    await this.checkAgentPods();
  }

  /**
   * The DaemonSet controller creates the pods; when it cannot (PodSecurity, quota),
   * only its Events say why. Polled, since the operator watches no pods.
   */
  private async checkAgentPods(): Promise<void> {
    const reader = this.deps.agentPods;
    if (!reader) return;
    const { namespace, name } = this.deps.agent;
    const problem = await reader.problem(namespace, name);
    if (problem !== this.agentProblem) {
      this.agentProblem = problem;
      if (problem) this.deps.log.warn(problem);
      for (const tuning of this.deps.informers.tunings.list())
        this.queue.add(tuningKey(tuning.metadata.name ?? ""));
    }
    const every = this.deps.agentCheckMs ?? { missing: 5_000, settled: 30_000 };
    this.queue.addAfter("daemonset", problem ? every.missing : every.settled);
  }

  /** The CA bundle the API server must trust for the webhook; the configuration follows it. */
  setWebhookCABundle(bundle: string): void {
    this.webhookCABundle = bundle;
    this.queue.add("dns-webhook");
  }

  private async syncWebhookConfiguration(): Promise<void> {
    const endpoint = this.deps.webhookEndpoint;
    if (!endpoint || this.webhookCABundle === undefined) return;
    const outcome = await this.deps.writes.applyWebhookConfiguration(
      webhookConfiguration(this.view.tunings(), endpoint, this.webhookCABundle),
    );
    if (outcome !== "unchanged") this.deps.log.info(`DNS webhook configuration ${outcome}`);
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
