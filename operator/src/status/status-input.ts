import type { NetworkTuning, NetworkTuningStatus } from "../../../api/v1alpha1/network-tuning.ts";
import type { Conflict } from "../rollout/merge.ts";
import type { TuningProgress } from "../rollout/rollout.ts";

/** What a tuning's status is made from: its progress over its nodes and what was found there. */
export interface StatusInput {
  tuning: NetworkTuning;
  progress: TuningProgress;
  halted: boolean;
  /** Failing node → its agent's message. */
  failureMessages: Map<string, string>;
  conflicts: Conflict[];
  /** Why the agent DaemonSet cannot create its pods, or why some on matched nodes cannot start. */
  agentProblem?: string | undefined;
  /** Why agent pods on some matched nodes cannot start, when they cannot (agent-pods.ts). */
  agentsDown?: string | undefined;
  /** Why the DNS webhook cannot serve, when it cannot; said only on tunings with dns.pods. */
  webhookProblem?: string | undefined;
  /** What keeps the tuning from matched nodes, one line per node (merge-problems.ts). */
  mergeProblems?: string[];
  /** Why the operator cannot act on this tuning at all (see cluster-view unusable()). */
  unusable?: string | undefined;
  /** What the matched nodes' counters advise, counted (advice-summary.ts). */
  advice?: Pick<NetworkTuningStatus, "advisedNodes" | "advice">;
  /** Which matched nodes run values its autoTune raised (auto-raise-summary.ts). */
  autoRaised?: Pick<NetworkTuningStatus, "autoRaisedNodes" | "autoRaised">;
  now: Date;
}

export function conflictMessage(conflicts: Conflict[], tuning: NetworkTuning): string {
  const first = conflicts[0];
  if (!first) return "";
  const other = first.winner === tuning.metadata.name ? first.loser : first.winner;
  return `Conflict with ${other} on ${first.field} (equal priority; ${first.winner} wins by name)${conflicts.length > 1 ? ` and ${conflicts.length - 1} more` : ""}`;
}
