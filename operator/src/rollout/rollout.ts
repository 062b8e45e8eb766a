import { resolveMaxUnavailable } from "../../../api/helpers/int-or-percent.ts";
import { nodeVerdict } from "../../../api/v1alpha1/contract.ts";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../../api/v1alpha1/node-network-tuning.ts";

export type NodeProgress = "pending" | "inFlight" | "applied" | "failed";

export interface NodeView {
  name: string;
  ready: boolean;
  labels: Record<string, string>;
  nnt?: NodeNetworkTuning;
}

/** Where a node stands with a tuning's current generation, from its NodeNetworkTuning. */
export function progressOf(tuning: NetworkTuning, node: NodeView): NodeProgress {
  const nnt = node.nnt;
  const released = nnt?.spec.sources?.some(
    (s) => s.name === tuning.metadata.name && s.generation === tuning.metadata.generation,
  );
  if (!nnt || !released) return "pending";
  const verdict = nodeVerdict(nnt);
  return verdict === "applying" || verdict === "reported" ? "inFlight" : verdict;
}

/**
 * Whether the node's agent is applying some generation of the tuning now: it
 * holds one in its spec and has not reported that spec yet. Such a node is
 * being disrupted whichever generation it holds, so it takes from the budget.
 */
function applying(tuning: NetworkTuning, node: NodeView): boolean {
  const nnt = node.nnt;
  if (!nnt?.spec.sources?.some((s) => s.name === tuning.metadata.name)) return false;
  return nodeVerdict(nnt) === "applying";
}

/** The tuning's generation the node last received; -1 for none. Lower is further behind. */
function releasedGeneration(tuning: NetworkTuning, node: NodeView): number {
  return node.nnt?.spec.sources?.find((s) => s.name === tuning.metadata.name)?.generation ?? -1;
}

export interface TuningProgress {
  matched: number;
  applied: number;
  failed: number;
  pending: number;
  /** Ready nodes applying any generation of it, not yet reported: what the budget limits. */
  inFlight: number;
  budget: number;
  failedNodes: string[];
  /** Ready nodes waiting for the current generation, furthest behind first: served in this order. */
  queue: string[];
}

/** One tuning's progress over its matched nodes, and which Ready nodes are applying it now. */
function progressOver(
  tuning: NetworkTuning,
  nodes: readonly NodeView[],
): { progress: TuningProgress; busy: Set<string> } {
  const progress: TuningProgress = {
    matched: nodes.length,
    applied: 0,
    failed: 0,
    pending: 0,
    inFlight: 0,
    budget: resolveMaxUnavailable(tuning.spec.rollout?.maxUnavailable, nodes.length),
    failedNodes: [],
    queue: [],
  };
  const waiting: NodeView[] = [];
  const busy = new Set<string>();
  for (const node of nodes) {
    const state = progressOf(tuning, node);
    if (state === "applied") progress.applied++;
    else if (state === "failed") progress.failedNodes.push(node.name);
    else progress.pending++;
    if (!node.ready) continue;
    if (state === "inFlight" || applying(tuning, node)) busy.add(node.name);
    else if (state === "pending") waiting.push(node);
  }
  progress.failed = progress.failedNodes.length;
  progress.inFlight = busy.size;
  progress.queue = waiting
    .sort(
      (a, b) =>
        releasedGeneration(tuning, a) - releasedGeneration(tuning, b) ||
        a.name.localeCompare(b.name),
    )
    .map((node) => node.name);
  return { progress, busy };
}

/**
 * The rollout budget of every tuning, kept while one reconcile pass releases
 * nodes: a node gets a tuning's new generation only while that tuning's
 * Ready nodes in flight plus its failures stay under maxUnavailable.
 * NotReady nodes are released without using the budget.
 */
export class RolloutLedger {
  private readonly progress = new Map<string, TuningProgress>();
  private readonly tunings = new Map<string, NetworkTuning>();
  /** Ready nodes applying some generation of each tuning: already counted in its budget. */
  private readonly busy = new Map<string, Set<string>>();

  constructor(
    tunings: readonly NetworkTuning[],
    matchedNodes: (tuning: NetworkTuning) => NodeView[],
  ) {
    for (const tuning of tunings) {
      const name = tuning.metadata.name ?? "";
      const { progress, busy } = progressOver(tuning, matchedNodes(tuning));
      this.progress.set(name, progress);
      this.tunings.set(name, tuning);
      this.busy.set(name, busy);
    }
  }

  of(name: string): TuningProgress | undefined {
    return this.progress.get(name);
  }

  /** Failures have used the whole budget: no more nodes get this generation. */
  halted(name: string): boolean {
    const entry = this.progress.get(name);
    return entry !== undefined && entry.failed > 0 && entry.failed >= entry.budget;
  }

  /**
   * Whether the node may receive these tunings' new generations now; if so, the
   * budget is taken. Within a budget, the nodes furthest behind go first: a node
   * gets a slot only while fewer nodes ahead of it in the queue wait than slots
   * are free, so no node starves while the spec keeps changing.
   */
  tryRelease(node: NodeView, tuningNames: readonly string[]): boolean {
    if (!node.ready) return true;
    const blocked = tuningNames.some((name) => {
      const entry = this.progress.get(name);
      if (entry === undefined) return false;
      // A node still applying an older generation finishes first, then queues by how far
      // behind it is: were it handed each new generation at once, under continuous changes
      // it would never finish and the nodes behind it would starve.
      if (this.busy.get(name)?.has(node.name)) return true;
      const free = entry.budget - entry.inFlight - entry.failed;
      const ahead = entry.queue.indexOf(node.name);
      return this.halted(name) || free <= 0 || ahead >= free;
    });
    if (blocked) return false;
    for (const name of tuningNames) {
      const entry = this.progress.get(name);
      if (!entry) continue;
      entry.inFlight++;
      this.busy.get(name)?.add(node.name);
      entry.queue = entry.queue.filter((queued) => queued !== node.name);
    }
    return true;
  }

  /** The nodes that may be released once a slot frees: the first of each limited tuning's queue. */
  nextInLine(): string[] {
    const next = new Set<string>();
    for (const entry of this.progress.values())
      if (entry.budget < entry.matched)
        for (const name of entry.queue.slice(0, entry.budget)) next.add(name);
    return [...next];
  }
}
