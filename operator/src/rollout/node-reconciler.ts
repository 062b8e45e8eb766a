import { resolveMaxUnavailable } from "../../../api/helpers/int-or-percent.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import {
  newNodeTuning,
  nodeView,
  sameSpec,
  type ClusterView,
  type NodeTuning,
  type Tuning,
} from "../cluster/cluster-view.ts";
import type { Informers } from "../cluster/kube.ts";
import type { OperatorWrites } from "../cluster/writes.ts";
import { mergeForNode, type MergedNode } from "./merge.ts";
import { apiServerWords, statusOf } from "../cluster/api-calls.ts";
import { progressOf, RolloutLedger, type NodeView } from "./rollout.ts";
import { selectorMatches } from "../cluster/selector.ts";
import { decideAutoRaises } from "./auto-raise.ts";
import { nodeKey, requeue, tuningKey, type Requeue } from "../work-keys.ts";

interface NodeRelease {
  name: string;
  desired: NodeNetworkTuning;
  exists: boolean;
  tunings: Tuning[];
}

// An auto-tuning step the budget holds back is looked at again after this long.
const budgetRetryMs = 5000;

export interface NodeReconcilerDeps {
  informers: Informers;
  writes: OperatorWrites;
  view: ClusterView;
  now: () => Date;
}

/**
 * Writes each node's merged NodeNetworkTuning when it changed, within the
 * rollout budgets of the tunings whose new generation it carries. What it
 * finds on the way (conflicts, tunings that cannot reach the node) goes to the
 * view's findings; the statuses it touches come back as requeues.
 */
export class NodeReconciler {
  private readonly informers: Informers;
  private readonly writes: OperatorWrites;
  private readonly cluster: ClusterView;
  private readonly now: () => Date;
  private releasing: Promise<void> = Promise.resolve();

  constructor(deps: NodeReconcilerDeps) {
    this.informers = deps.informers;
    this.writes = deps.writes;
    this.cluster = deps.view;
    this.now = deps.now;
  }

  async sync(name: string): Promise<Requeue[]> {
    // Workers decide releases one at a time (two deciding at once could both spend the last
    // budget) and write in parallel: the decision records the write it is about to make.
    const previous = this.releasing;
    let done = (): void => undefined;
    this.releasing = new Promise((resolve) => (done = resolve));
    await previous;
    let decision: NodeDecision;
    try {
      decision = this.decideNode(name);
    } finally {
      done();
    }
    const { release, retryAfterMs } = decision;
    const written = release ? await this.writeNode(release) : undefined;
    const found = decision.found || (written?.found ?? false);
    // Found problems and conflicts are told on every tuning; a write, on the tunings it carries.
    const told = found ? this.cluster.tunings() : (written?.tunings ?? []);
    return [
      ...told.map((t) => requeue.coalesced(tuningKey(t.metadata.name ?? ""))),
      ...(retryAfterMs === undefined ? [] : [requeue.after(nodeKey(name), retryAfterMs)]),
    ];
  }

  /** The node's new NodeNetworkTuning, if it needs one and the budgets allow it now. */
  private decideNode(name: string): NodeDecision {
    const findings = this.cluster.findings;
    const node = this.informers.nodes.get(name);
    if (!node) {
      const conflicts = findings.setConflicts(name, undefined);
      // Its NodeNetworkTuning goes with it (owner reference).
      return { found: findings.mergeProblems.forgetNode(name) || conflicts };
    }
    const current = this.cluster.nodeTuning(name);
    const view = nodeView(node, current);
    const matching = this.cluster
      .liveTunings()
      .filter((t) => selectorMatches(t.spec.nodeSelector, view.labels));
    const merged = mergeForNode(matching);
    const conflicts = findings.setConflicts(name, merged.conflicts);
    const found = findings.mergeProblems.setLeftOut(name, merged.leftOut) || conflicts;
    const { spec, retryAfterMs } = this.withAutoRaises(view, matching, merged, current);
    const next = { found, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
    if (current ? sameSpec(current.spec, spec) : matching.length === 0) return next;
    // Refused once, the same object would be refused again: it waits for a change.
    if (findings.mergeProblems.wasRefused(name, spec)) return next;
    if (!this.mayRelease(view, matching)) return next;
    const desired: NodeNetworkTuning = current ? { ...current, spec } : newNodeTuning(node, spec);
    const generation = (current?.metadata.generation ?? 0) + 1;
    const provisional = { ...desired, metadata: { ...desired.metadata, generation } };
    this.cluster.startWrite(name, provisional as NodeTuning);
    return {
      ...next,
      release: { name, desired, exists: current !== undefined, tunings: matching },
    };
  }

  /** Writes the node's object; whether that changed what the findings say. */
  private async writeNode({ name, desired, exists, tunings }: NodeRelease): Promise<NodeWrite> {
    const problems = this.cluster.findings.mergeProblems;
    let written: NodeNetworkTuning | undefined;
    let found: boolean;
    try {
      written = exists
        ? await this.writes.replaceNodeTuning(desired)
        : await this.writes.createNodeTuning(desired);
      found = problems.written(name);
    } catch (error) {
      // Invalid (a limit of the schema) or too large: retrying the same object cannot help.
      if (statusOf(error) !== 422 && statusOf(error) !== 413) throw error;
      const names = tunings.map((t) => t.metadata.name ?? "");
      found = problems.refused(name, desired.spec, apiServerWords(error), names);
    } finally {
      this.cluster.endWrite(
        name,
        written as NodeTuning | undefined,
        exists ? desired.metadata.resourceVersion : undefined,
      );
    }
    return { tunings, found };
  }

  /** New generations wait for their tunings' rollout budgets; removals (unmatch, deletion) do not. */
  private mayRelease(view: NodeView, matching: Tuning[]): boolean {
    const pending = matching.filter((t) => progressOf(t, view) === "pending");
    if (pending.length === 0) return true;
    // A budget as large as the matched nodes never blocks: no need to count the nodes in flight,
    // which costs a pass over every node for every release.
    if (pending.every((t) => this.budgetCoversAll(t))) return true;
    return this.takeSlot(
      view,
      matching,
      pending.map((t) => t.metadata.name ?? ""),
    );
  }

  /** Whether the node takes a slot of each of these tunings' budgets now (a ledger of the fleet). */
  private takeSlot(view: NodeView, matching: Tuning[], tunings: string[]): boolean {
    const views = this.cluster.nodeViews();
    const ledger = new RolloutLedger(matching, (t) => this.cluster.matchedNodes(t, views));
    return ledger.tryRelease(view, tunings);
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
  ): { spec: NodeNetworkTuningSpec; retryAfterMs?: number } {
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
    const spec = raised.length > 0 ? { ...merged.spec, autoRaised: raised } : merged.spec;
    return waits.length === 0 ? { spec } : { spec, retryAfterMs: Math.min(...waits) };
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
    return limited.length === 0 || this.takeSlot(view, matching, limited);
  }

  /**
   * The nodes first in line for a slot of a budget-limited tuning: looked for when
   * a node reports, since that may free a slot that only they may take.
   */
  syncNextInLine(): Requeue[] {
    const limited = this.cluster.liveTunings().filter((t) => !this.budgetCoversAll(t));
    if (limited.length === 0) return [];
    const views = this.cluster.nodeViews();
    const ledger = new RolloutLedger(limited, (t) => this.cluster.matchedNodes(t, views));
    return ledger.nextInLine().map((node) => requeue.now(nodeKey(node)));
  }

  private budgetCoversAll(tuning: Tuning): boolean {
    const matched = this.cluster.matchedCount(tuning);
    return resolveMaxUnavailable(tuning.spec.rollout?.maxUnavailable, matched) >= matched;
  }
}

interface NodeDecision {
  release?: NodeRelease;
  /** Whether the findings changed: every tuning's status is told. */
  found: boolean;
  /** When to look again: an auto-tuning step waiting out its cool-down or a budget slot. */
  retryAfterMs?: number;
}

interface NodeWrite {
  tunings: Tuning[];
  found: boolean;
}
