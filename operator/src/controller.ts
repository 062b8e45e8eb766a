import type { KubernetesObject, V1Node } from "@kubernetes/client-node";
import type { Condition } from "../../api/v1alpha1/meta.ts";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
} from "../../api/v1alpha1/node-network-tuning.ts";
import type { Logger } from "../../common/logger.ts";
import { resolveMaxUnavailable } from "../../api/helpers/int-or-percent.ts";
import { agentDaemonSet, type AgentSettings } from "./daemonset.ts";
import { webhookConfiguration, type WebhookEndpoint } from "./webhook/registration.ts";
import type { Informers, OperatorWrites } from "./kube.ts";
import { mergeForNode, type Conflict } from "./merge.ts";
import type { OperatorMetrics } from "./metrics.ts";
import { TuningConditionType as Type, TuningReason as Reason } from "./reasons.ts";
import { RolloutLedger, progressOf, type NodeView } from "./rollout.ts";
import { selectorMatches } from "./selector.ts";
import { conditionStatus, conflictMessage, tuningStatus } from "./status.ts";
import { WorkQueue } from "./workqueue.ts";

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
}

type Tuning = NetworkTuning & KubernetesObject;
type NodeTuning = NodeNetworkTuning & KubernetesObject;

interface NodeRelease {
  name: string;
  desired: NodeNetworkTuning;
  exists: boolean;
  tunings: Tuning[];
}

/**
 * Reconciles per key: "node/NAME" merges the tunings matching a node into its
 * NodeNetworkTuning (gated by the rollout budget), "tuning/NAME" aggregates
 * status, Events and the revert finalizer, "daemonset" keeps the agents where
 * tunings select nodes. Everything is read from informer caches, plus the
 * objects this operator wrote and the caches have not shown yet.
 */
export class Controller {
  readonly queue = new WorkQueue();
  private readonly deps: ControllerDeps;
  /** NodeNetworkTunings written but not yet back through the informer. */
  private readonly written = new Map<string, NodeTuning>();
  /** NodeNetworkTunings being written now, as they will read once written. */
  private readonly inFlightWrites = new Map<string, NodeTuning>();
  private readonly reportedConflicts = new Map<string, string>();
  private releasing: Promise<void> = Promise.resolve();
  private webhookCABundle: string | undefined;
  /** Matched node counts by tuning name and generation, between node and tuning events. */
  private readonly matchedCounts = new Map<string, number>();

  constructor(deps: ControllerDeps) {
    this.deps = deps;
  }

  /** Enqueues what each informer event can affect. */
  wire(): void {
    const { tunings, nodeTunings, nodes } = this.deps.informers;
    const everything = (): void => {
      this.queue.add("daemonset");
      this.queue.add("dns-webhook");
      for (const node of nodes.list()) this.queue.add(`node/${node.metadata?.name ?? ""}`);
      for (const tuning of tunings.list()) this.queue.add(`tuning/${tuning.metadata.name ?? ""}`);
    };
    for (const verb of ["add", "update", "delete"] as const) {
      tunings.on(verb, everything);
      nodes.on(verb, everything);
      // Which nodes a tuning matches changes only with nodes and tunings.
      tunings.on(verb, () => this.matchedCounts.clear());
      nodes.on(verb, () => this.matchedCounts.clear());
      nodeTunings.on(verb, (object) => {
        this.queue.add(`node/${object.metadata.name ?? ""}`);
        // Reports arrive in bursts during a rollout; one status write covers a burst.
        for (const tuning of tunings.list())
          this.queue.addAfter(
            `tuning/${tuning.metadata.name ?? ""}`,
            this.deps.statusCoalesceMs ?? 500,
          );
      });
    }
    // The tunings informer also serves the webhook and may have filled before this replica led.
    everything();
  }

  /** Runs workers until the queue shuts down; each finishes the key it holds. */
  async run(workers: number): Promise<void> {
    await Promise.all(Array.from({ length: workers }, () => this.worker()));
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.next();
      if (key === undefined) return;
      const stop = this.deps.metrics.reconcileDuration.startTimer({
        kind: key.split("/")[0] ?? key,
      });
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

  private async reconcile(key: string): Promise<void> {
    if (key === "daemonset") return this.syncDaemonSet();
    if (key === "dns-webhook") return this.syncWebhookConfiguration();
    const [kind, name = ""] = key.split("/");
    if (kind === "node") return this.syncNode(name);
    if (kind === "tuning") return this.syncTuning(name);
  }

  // --- views over the caches --------------------------------------------------------------

  private tunings(): Tuning[] {
    return [...this.deps.informers.tunings.list()];
  }

  private liveTunings(): Tuning[] {
    return this.tunings().filter((t) => !t.metadata.deletionTimestamp);
  }

  private nodeTuning(name: string): NodeTuning | undefined {
    const writing = this.inFlightWrites.get(name);
    if (writing) return writing;
    const cached = this.deps.informers.nodeTunings.get(name);
    const written = this.written.get(name);
    if (
      written &&
      (!cached ||
        Number(cached.metadata.resourceVersion) < Number(written.metadata.resourceVersion))
    )
      return written;
    if (written) this.written.delete(name);
    return cached;
  }

  private nodeViews(): NodeView[] {
    return this.deps.informers.nodes
      .list()
      .map((node) => nodeView(node, this.nodeTuning(node.metadata?.name ?? "")));
  }

  private matchedNodes(tuning: NetworkTuning, views: NodeView[]): NodeView[] {
    return views.filter((view) => selectorMatches(tuning.spec.nodeSelector, view.labels));
  }

  // --- node -------------------------------------------------------------------------------

  private async syncNode(name: string): Promise<void> {
    // Workers decide releases one at a time (two deciding at once could both spend the last
    // budget) and write in parallel: the decision records the write it is about to make.
    const previous = this.releasing;
    let done = (): void => undefined;
    this.releasing = new Promise((resolve) => (done = resolve));
    await previous;
    let release: ReturnType<Controller["decideNode"]>;
    try {
      release = this.decideNode(name);
    } finally {
      done();
    }
    if (release) await this.writeNode(release);
  }

  /** The node's new NodeNetworkTuning, if it needs one and the budgets allow it now. */
  private decideNode(name: string): NodeRelease | undefined {
    const node = this.deps.informers.nodes.get(name);
    if (!node) return undefined; // its NodeNetworkTuning goes with it (owner reference)
    const current = this.nodeTuning(name);
    const view = nodeView(node, current);
    const matching = this.liveTunings().filter((t) =>
      selectorMatches(t.spec.nodeSelector, view.labels),
    );
    const { spec } = mergeForNode(matching);
    if (current ? sameSpec(current.spec, spec) : matching.length === 0) return undefined;
    if (!this.mayRelease(view, matching)) return undefined;
    const desired: NodeNetworkTuning = current ? { ...current, spec } : newNodeTuning(node, spec);
    const generation = (current?.metadata.generation ?? 0) + 1;
    const provisional = { ...desired, metadata: { ...desired.metadata, generation } };
    this.inFlightWrites.set(name, provisional as NodeTuning);
    return { name, desired, exists: current !== undefined, tunings: matching };
  }

  private async writeNode({ name, desired, exists, tunings }: NodeRelease): Promise<void> {
    try {
      const written = exists
        ? await this.deps.writes.replaceNodeTuning(desired)
        : await this.deps.writes.createNodeTuning(desired);
      this.written.set(name, written as NodeTuning);
    } finally {
      this.inFlightWrites.delete(name);
    }
    for (const tuning of tunings)
      this.queue.addAfter(
        `tuning/${tuning.metadata.name ?? ""}`,
        this.deps.statusCoalesceMs ?? 500,
      );
  }

  /** New generations wait for their tunings' rollout budgets; removals (unmatch, deletion) do not. */
  private mayRelease(view: NodeView, matching: Tuning[]): boolean {
    const pending = matching.filter((t) => progressOf(t, view) === "pending");
    if (pending.length === 0) return true;
    // A budget as large as the matched nodes never blocks: no need to count the nodes in flight,
    // which costs a pass over every node for every release.
    if (pending.every((t) => this.budgetCoversAll(t))) return true;
    const waiting = pending.map((t) => t.metadata.name ?? "");
    const views = this.nodeViews();
    return new RolloutLedger(matching, (t) => this.matchedNodes(t, views)).tryRelease(
      view,
      waiting,
    );
  }

  private budgetCoversAll(tuning: Tuning): boolean {
    const key = `${tuning.metadata.name ?? ""}/${String(tuning.metadata.generation ?? 0)}`;
    let matched = this.matchedCounts.get(key);
    if (matched === undefined) {
      matched = this.deps.informers.nodes
        .list()
        .filter((node) =>
          selectorMatches(tuning.spec.nodeSelector, node.metadata?.labels ?? {}),
        ).length;
      this.matchedCounts.set(key, matched);
    }
    return resolveMaxUnavailable(tuning.spec.rollout?.maxUnavailable, matched) >= matched;
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
    const views = this.nodeViews();
    const matched = this.matchedNodes(tuning, views);
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
      now: this.deps.now(),
    });
    if (canonical(status) === canonical(tuning.status)) return;
    await this.deps.writes.patchTuningStatus(name, status);
    await this.events(tuning, status.conditions, conflicts, progress.failedNodes, failureMessages);
  }

  private conflictsOf(tuning: Tuning, matched: NodeView[]): Conflict[] {
    const live = this.liveTunings();
    const seen = new Map<string, Conflict>();
    for (const view of matched) {
      const { conflicts } = mergeForNode(
        live.filter((t) => selectorMatches(t.spec.nodeSelector, view.labels)),
      );
      for (const conflict of conflicts) {
        if (conflict.winner === tuning.metadata.name || conflict.loser === tuning.metadata.name)
          seen.set(JSON.stringify(conflict), conflict);
      }
    }
    return [...seen.values()];
  }

  /** Events on transitions only: a condition that flips, a conflict not reported before. */
  private async events(
    tuning: Tuning,
    next: Condition[] | undefined,
    conflicts: Conflict[],
    failedNodes: string[],
    failureMessages: Map<string, string>,
  ): Promise<void> {
    const before = tuning.status?.conditions;
    const message = (type: string): string => next?.find((c) => c.type === type)?.message ?? "";
    const reason = (conditions: Condition[] | undefined, type: string): string | undefined =>
      conditions?.find((c) => c.type === type)?.reason;
    const flipped = (type: string, to: string): boolean =>
      conditionStatus(next, type) === to && conditionStatus(before, type) !== to;
    if (flipped(Type.Ready, "True"))
      await this.deps.writes.event(tuning, "Normal", Reason.Applied, message(Type.Ready));
    if (flipped(Type.Degraded, "True")) {
      const detail = failedNodes
        .slice(0, 5)
        .map((n) => `${n}: ${failureMessages.get(n) ?? "failed"}`)
        .join("; ");
      await this.deps.writes.event(
        tuning,
        "Warning",
        Reason.Failed,
        `${failedNodes.length} node(s) failed: ${detail}`,
      );
    }
    if (
      reason(next, Type.Progressing) === Reason.RolloutHalted &&
      reason(before, Type.Progressing) !== Reason.RolloutHalted
    ) {
      await this.deps.writes.event(
        tuning,
        "Warning",
        Reason.RolloutHalted,
        message(Type.Progressing),
      );
    }
    await this.conflictEvent(tuning, conflicts);
  }

  private async conflictEvent(tuning: Tuning, conflicts: Conflict[]): Promise<void> {
    const text = conflictMessage(conflicts, tuning);
    const name = tuning.metadata.name ?? "";
    if (!text || this.reportedConflicts.get(name) === text) return;
    this.reportedConflicts.set(name, text);
    await this.deps.writes.event(tuning, "Warning", Reason.Conflict, text);
  }

  /**
   * The finalizer holds a deleted tuning until every node it touched has
   * dropped it from its spec and reported that generation (or is gone).
   */
  private async finishDeletion(tuning: Tuning): Promise<void> {
    const name = tuning.metadata.name ?? "";
    const nodes = this.deps.informers.nodes;
    const waiting = this.deps.informers.nodeTunings.list().filter((cached) => {
      const nnt = this.nodeTuning(cached.metadata.name ?? "") ?? cached;
      if (!nodes.get(nnt.metadata.name ?? "")) return false;
      const listed = nnt.spec.sources?.some((s) => s.name === name) ?? false;
      return listed || nnt.status?.observedGeneration !== nnt.metadata.generation;
    });
    if (waiting.length > 0) {
      for (const nnt of waiting) this.queue.add(`node/${nnt.metadata.name ?? ""}`);
      return;
    }
    const finalizers = (tuning.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    if (finalizers.length === (tuning.metadata.finalizers ?? []).length) return;
    await this.deps.writes.event(
      tuning,
      "Normal",
      Reason.Reverted,
      "every node it touched restored its original values",
    );
    await this.deps.writes.setTuningFinalizers(
      name,
      finalizers,
      tuning.metadata.resourceVersion ?? "",
    );
    this.queue.add("daemonset");
  }

  // --- daemonset --------------------------------------------------------------------------

  private async syncDaemonSet(): Promise<void> {
    // Deleted tunings still holding their finalizer keep their nodes' agents until reverted.
    const outcome = await this.deps.writes.applyDaemonSet(
      agentDaemonSet(this.deps.agent, this.tunings()),
    );
    if (outcome !== "unchanged") this.deps.log.info(`agent DaemonSet ${outcome}`);
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
      webhookConfiguration(this.tunings(), endpoint, this.webhookCABundle),
    );
    if (outcome !== "unchanged") this.deps.log.info(`DNS webhook configuration ${outcome}`);
  }

  /** Node counts by state, for the metrics endpoint. */
  nodesByState(): Record<string, number> {
    const views = this.nodeViews();
    const counts: Record<string, number> = { pending: 0, inFlight: 0, applied: 0, failed: 0 };
    for (const tuning of this.liveTunings()) {
      for (const view of this.matchedNodes(tuning, views)) {
        const state = progressOf(tuning, view);
        counts[state] = (counts[state] ?? 0) + 1;
      }
    }
    return counts;
  }
}

function newNodeTuning(node: V1Node, spec: NodeNetworkTuningSpec): NodeNetworkTuning {
  const name = node.metadata?.name ?? "";
  return {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NodeNetworkTuning",
    // Owned by its Node, so the garbage collector removes it with the node.
    metadata: {
      name,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" }],
    },
    spec,
  };
}

function nodeView(node: V1Node, nnt: NodeTuning | undefined): NodeView {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
  const view: NodeView = {
    name: node.metadata?.name ?? "",
    ready,
    labels: node.metadata?.labels ?? {},
  };
  if (nnt) view.nnt = nnt;
  return view;
}

function failureMessage(nnt: NodeNetworkTuning | undefined): string {
  return (
    nnt?.status?.conditions?.find((c) => c.type === "Degraded" && c.status === "True")?.message ??
    "failed"
  );
}

/** Specs compare without key order: what the API server returns is reordered. */
function sameSpec(a: NodeNetworkTuningSpec, b: NodeNetworkTuningSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([, inner]) => inner !== undefined)
            .sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}
