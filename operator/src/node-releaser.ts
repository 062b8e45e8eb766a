import { resolveMaxUnavailable } from "../../api/helpers/int-or-percent.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
} from "../../api/v1alpha1/node-network-tuning.ts";
import {
  newNodeTuning,
  nodeView,
  sameSpec,
  type ClusterView,
  type NodeTuning,
  type Tuning,
} from "./cluster-view.ts";
import type { Informers } from "./kube.ts";
import type { OperatorWrites } from "./writes.ts";
import { mergeForNode, type Conflict, type MergedNode } from "./merge.ts";
import { MergeProblems } from "./merge-problems.ts";
import { apiServerWords, statusOf } from "./api-calls.ts";
import { progressOf, RolloutLedger, type NodeView } from "./rollout.ts";
import { selectorMatches } from "./selector.ts";
import { decideAutoRaises } from "./auto-raise.ts";

interface NodeRelease {
  name: string;
  desired: NodeNetworkTuning;
  exists: boolean;
  tunings: Tuning[];
}

/** When to look at a node again: an auto-tuning step waiting out its cool-down or a budget slot. */
export interface NodeSync {
  requeueAfterMs?: number;
}

// An auto-tuning step the budget holds back is looked at again after this long.
const budgetRetryMs = 5000;

/**
 * Writes each node's merged NodeNetworkTuning when it changed, within the
 * rollout budgets of the tunings whose new generation it carries.
 */
export class NodeReleaser {
  private readonly informers: Informers;
  private readonly writes: OperatorWrites;
  private readonly cluster: ClusterView;
  private readonly onWritten: (tunings: Tuning[]) => void;
  private readonly onConflicts: () => void;
  private releasing: Promise<void> = Promise.resolve();
  /**
   * The conflicts found when each node's tunings were last merged. Tuning
   * status reads them here: merging every matched node again for every status
   * write cost time that grew with the fleet times the rollout's length.
   */
  private readonly conflictsByNode = new Map<string, Conflict[]>();
  /** Tunings that match nodes they cannot reach, and why; tuning statuses read them. */
  readonly mergeProblems: MergeProblems;
  /** Matched node counts by tuning name and generation, between node and tuning events. */
  private readonly matchedCounts = new Map<string, number>();
  private readonly now: () => Date;

  constructor(
    informers: Informers,
    writes: OperatorWrites,
    cluster: ClusterView,
    onWritten: (tunings: Tuning[]) => void,
    onConflicts: () => void = () => undefined,
    now: () => Date = () => new Date(),
  ) {
    this.now = now;
    this.informers = informers;
    this.writes = writes;
    this.cluster = cluster;
    this.onWritten = onWritten;
    this.onConflicts = onConflicts;
    this.mergeProblems = new MergeProblems(onConflicts);
  }

  /** The conflicts involving `tuning` on `nodes`, each once, as their last merges found them. */
  conflictsAmong(nodes: string[], tuning: string): Conflict[] {
    const seen = new Map<string, Conflict>();
    for (const node of nodes)
      for (const conflict of this.conflictsByNode.get(node) ?? [])
        if (conflict.winner === tuning || conflict.loser === tuning)
          seen.set(`${conflict.field}\u0000${conflict.winner}\u0000${conflict.loser}`, conflict);
    return [...seen.values()];
  }

  /** Keeps a node's conflicts; tuning statuses are told when they change. */
  private recordConflicts(node: string, conflicts: Conflict[] | undefined): void {
    const before = this.conflictsByNode.get(node) ?? [];
    const after = conflicts ?? [];
    if (after.length === 0) this.conflictsByNode.delete(node);
    else this.conflictsByNode.set(node, after);
    if (JSON.stringify(before) !== JSON.stringify(after)) this.onConflicts();
  }

  /** Which nodes a tuning matches changes only with nodes and tunings. */
  forgetMatches(): void {
    this.matchedCounts.clear();
  }

  async sync(name: string): Promise<NodeSync> {
    // Workers decide releases one at a time (two deciding at once could both spend the last
    // budget) and write in parallel: the decision records the write it is about to make.
    const previous = this.releasing;
    let done = (): void => undefined;
    this.releasing = new Promise((resolve) => (done = resolve));
    await previous;
    let decision: { release?: NodeRelease; next: NodeSync };
    try {
      decision = this.decideNode(name);
    } finally {
      done();
    }
    if (decision.release) await this.writeNode(decision.release);
    return decision.next;
  }

  /** The node's new NodeNetworkTuning, if it needs one and the budgets allow it now. */
  private decideNode(name: string): { release?: NodeRelease; next: NodeSync } {
    const node = this.informers.nodes.get(name);
    if (!node) {
      this.recordConflicts(name, undefined);
      this.mergeProblems.forgetNode(name);
      return { next: {} }; // its NodeNetworkTuning goes with it (owner reference)
    }
    const current = this.cluster.nodeTuning(name);
    const view = nodeView(node, current);
    const matching = this.cluster
      .liveTunings()
      .filter((t) => selectorMatches(t.spec.nodeSelector, view.labels));
    const merged = mergeForNode(matching);
    this.recordConflicts(name, merged.conflicts);
    this.mergeProblems.setLeftOut(name, merged.leftOut);
    const { spec, next } = this.withAutoRaises(view, matching, merged, current);
    if (current ? sameSpec(current.spec, spec) : matching.length === 0) return { next };
    // Refused once, the same object would be refused again: it waits for a change.
    if (this.mergeProblems.wasRefused(name, spec)) return { next };
    if (!this.mayRelease(view, matching)) return { next };
    const desired: NodeNetworkTuning = current ? { ...current, spec } : newNodeTuning(node, spec);
    const generation = (current?.metadata.generation ?? 0) + 1;
    const provisional = { ...desired, metadata: { ...desired.metadata, generation } };
    this.cluster.startWrite(name, provisional as NodeTuning);
    return { release: { name, desired, exists: current !== undefined, tunings: matching }, next };
  }

  private async writeNode({ name, desired, exists, tunings }: NodeRelease): Promise<void> {
    let written: NodeNetworkTuning | undefined;
    try {
      written = exists
        ? await this.writes.replaceNodeTuning(desired)
        : await this.writes.createNodeTuning(desired);
      this.mergeProblems.written(name);
    } catch (error) {
      // Invalid (a limit of the schema) or too large: retrying the same object cannot help.
      if (statusOf(error) !== 422 && statusOf(error) !== 413) throw error;
      const names = tunings.map((t) => t.metadata.name ?? "");
      this.mergeProblems.refused(name, desired.spec, apiServerWords(error), names);
    } finally {
      this.cluster.endWrite(
        name,
        written as NodeTuning | undefined,
        exists ? desired.metadata.resourceVersion : undefined,
      );
    }
    this.onWritten(tunings);
  }

  /** New generations wait for their tunings' rollout budgets; removals (unmatch, deletion) do not. */
  private mayRelease(view: NodeView, matching: Tuning[]): boolean {
    const pending = matching.filter((t) => progressOf(t, view) === "pending");
    if (pending.length === 0) return true;
    // A budget as large as the matched nodes never blocks: no need to count the nodes in flight,
    // which costs a pass over every node for every release.
    if (pending.every((t) => this.budgetCoversAll(t))) return true;
    const waiting = pending.map((t) => t.metadata.name ?? "");
    const views = this.cluster.nodeViews();
    return new RolloutLedger(matching, (t) => this.cluster.matchedNodes(t, views)).tryRelease(
      view,
      waiting,
    );
  }

  /**
   * The merged spec with the raises the node keeps and, where the rollout
   * budget has a slot, the next auto-tuning step; when to look again.
   */
  private withAutoRaises(
    view: NodeView,
    matching: Tuning[],
    merged: MergedNode,
    current: NodeTuning | undefined,
  ): { spec: NodeNetworkTuningSpec; next: NodeSync } {
    const auto = decideAutoRaises({
      spec: merged.spec,
      owners: merged.autoTuneOwners,
      held: current?.spec.autoRaised ?? [],
      advice: current?.status?.advice ?? [],
      now: this.now(),
    });
    const waits = auto.retryAfterMs === undefined ? [] : [auto.retryAfterMs];
    const sources = auto.granted.map((g) => g.source);
    // A step the rollout budget holds back now is left out of this write and asked for again.
    const allowed = auto.granted.length === 0 || this.mayStep(view, matching, sources);
    if (!allowed) waits.push(budgetRetryMs);
    const raised = allowed ? auto.raised : auto.raised.filter((r) => !auto.granted.includes(r));
    const next = waits.length === 0 ? {} : { requeueAfterMs: Math.min(...waits) };
    return { spec: raised.length > 0 ? { ...merged.spec, autoRaised: raised } : merged.spec, next };
  }

  /**
   * Whether an auto-tuning step may go to the node now: it takes a slot of the
   * rollout budget of each tuning that allowed it, as a new generation would.
   */
  private mayStep(view: NodeView, matching: Tuning[], sources: string[]): boolean {
    const limited = [...new Set(sources)].filter((source) => {
      const tuning = matching.find((t) => t.metadata.name === source);
      return tuning !== undefined && !this.budgetCoversAll(tuning);
    });
    if (limited.length === 0) return true;
    const views = this.cluster.nodeViews();
    return new RolloutLedger(matching, (t) => this.cluster.matchedNodes(t, views)).tryRelease(
      view,
      limited,
    );
  }

  /**
   * The nodes first in line for a slot of a budget-limited tuning: enqueued when
   * a node reports, since that may free a slot that only they may take.
   */
  nextInLine(): string[] {
    const limited = this.cluster.liveTunings().filter((t) => !this.budgetCoversAll(t));
    if (limited.length === 0) return [];
    const views = this.cluster.nodeViews();
    return new RolloutLedger(limited, (t) => this.cluster.matchedNodes(t, views)).nextInLine();
  }

  private budgetCoversAll(tuning: Tuning): boolean {
    const key = `${tuning.metadata.name ?? ""}/${String(tuning.metadata.generation ?? 0)}`;
    let matched = this.matchedCounts.get(key);
    if (matched === undefined) {
      matched = this.informers.nodes
        .list()
        .filter((node) =>
          selectorMatches(tuning.spec.nodeSelector, node.metadata?.labels ?? {}),
        ).length;
      this.matchedCounts.set(key, matched);
    }
    return resolveMaxUnavailable(tuning.spec.rollout?.maxUnavailable, matched) >= matched;
  }
}
