import { resolveMaxUnavailable } from "../../api/helpers/int-or-percent.ts";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";

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
  if (nnt.status?.observedGeneration !== nnt.metadata.generation) return "inFlight";
  return reported(nnt);
}

/** What the agent reported for the generation it observed. */
function reported(nnt: NodeNetworkTuning): NodeProgress {
  const conditions = nnt.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Degraded" && c.status === "True")) return "failed";
  const applied = conditions.find((c) => c.type === "Applied");
  return applied?.status === "True" || applied?.reason === "AuditOnly" ? "applied" : "inFlight";
}

export interface TuningProgress {
  matched: number;
  applied: number;
  failed: number;
  pending: number;
  /** Released to Ready nodes and not yet reported: what the budget limits. */
  inFlight: number;
  budget: number;
  failedNodes: string[];
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

  constructor(
    tunings: readonly NetworkTuning[],
    matchedNodes: (tuning: NetworkTuning) => NodeView[],
  ) {
    for (const tuning of tunings) {
      const name = tuning.metadata.name ?? "";
      const nodes = matchedNodes(tuning);
      const entry: TuningProgress = {
        matched: nodes.length,
        applied: 0,
        failed: 0,
        pending: 0,
        inFlight: 0,
        budget: resolveMaxUnavailable(tuning.spec.rollout?.maxUnavailable, nodes.length),
        failedNodes: [],
      };
      for (const node of nodes) {
        const state = progressOf(tuning, node);
        if (state === "applied") entry.applied++;
        else if (state === "failed") {
          entry.failed++;
          entry.failedNodes.push(node.name);
        } else entry.pending++;
        if (state === "inFlight" && node.ready) entry.inFlight++;
      }
      this.progress.set(name, entry);
      this.tunings.set(name, tuning);
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

  /** Whether the node may receive these tunings' new generations now; if so, the budget is taken. */
  tryRelease(node: NodeView, tuningNames: readonly string[]): boolean {
    if (!node.ready) return true;
    const blocked = tuningNames.some((name) => {
      const entry = this.progress.get(name);
      return (
        entry !== undefined && (this.halted(name) || entry.inFlight + entry.failed >= entry.budget)
      );
    });
    if (blocked) return false;
    for (const name of tuningNames) {
      const entry = this.progress.get(name);
      if (entry) entry.inFlight++;
    }
    return true;
  }
}
