import { canonicalJSON } from "../../../common/canonical-json.ts";
import type { AgentProblem } from "../agents/agent-pods.ts";
import type { Conflict } from "../rollout/merge.ts";
import { MergeProblems } from "../rollout/merge-problems.ts";

/**
 * What the reconcilers found that tuning statuses tell: merge conflicts and
 * tunings that cannot reach their nodes (the node reconciler), missing agent
 * pods (the agents reconciler), a DNS webhook that cannot serve (its
 * certificate keeper). Kept in memory only: a new leader finds it all again
 * as its first pass reconciles every node and the DaemonSet. Each change
 * says whether it changed anything, so that the statuses are told.
 */
export class Findings {
  /**
   * The conflicts found when each node's tunings were last merged. Tuning
   * status reads them here: merging every matched node again for every status
   * write cost time that grew with the fleet times the rollout's length.
   */
  private readonly conflictsByNode = new Map<string, Conflict[]>();
  /** Tunings that match nodes they cannot reach, and why. */
  readonly mergeProblems = new MergeProblems();
  private agents: AgentProblem | undefined;
  private webhook: string | undefined;

  /** Keeps a node's conflicts (none: the node is gone); whether they changed. */
  setConflicts(node: string, conflicts: Conflict[] | undefined): boolean {
    const before = this.conflictsByNode.get(node) ?? [];
    const after = conflicts ?? [];
    if (after.length === 0) this.conflictsByNode.delete(node);
    else this.conflictsByNode.set(node, after);
    return JSON.stringify(before) !== JSON.stringify(after);
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

  /** Why the agent pods are missing, if they are. */
  agentProblem(): AgentProblem | undefined {
    return this.agents;
  }

  setAgentProblem(problem: AgentProblem | undefined): boolean {
    if (canonicalJSON(problem) === canonicalJSON(this.agents)) return false;
    this.agents = problem;
    return true;
  }

  /** Why the DNS webhook cannot serve, if it cannot. */
  webhookProblem(): string | undefined {
    return this.webhook;
  }

  setWebhookProblem(problem: string | undefined): boolean {
    if (problem === this.webhook) return false;
    this.webhook = problem;
    return true;
  }
}
