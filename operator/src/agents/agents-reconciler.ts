import type { Logger } from "../../../common/logger.ts";
import type { ClusterView } from "../cluster/cluster-view.ts";
import { agentDaemonSet, type AgentSettings } from "./daemonset.ts";
import type { AgentPodsReader, Informers } from "../cluster/kube.ts";
import type { OperatorWrites } from "../cluster/writes.ts";
import { requeue, tuningKey, type Requeue } from "../work-keys.ts";

export interface AgentsReconcilerDeps {
  informers: Informers;
  writes: OperatorWrites;
  view: ClusterView;
  agent: AgentSettings;
  log: Logger;
  /** Reads why agent pods are missing; without it, the operator does not look. */
  agentPods?: AgentPodsReader;
  /** How often the agent pods are checked: while some are missing, and when all run. */
  agentCheckMs?: { missing: number; settled: number };
}

/**
 * The agent DaemonSet, placed on the nodes any tuning selects, with a watch
 * on whether its pods could be created (their absence goes to the view's
 * findings, which each tuning's status tells).
 */
export class AgentsReconciler {
  private readonly deps: AgentsReconcilerDeps;

  constructor(deps: AgentsReconcilerDeps) {
    this.deps = deps;
  }

  async sync(): Promise<Requeue[]> {
    // Deleted tunings still holding their finalizer keep their nodes' agents until reverted.
    const outcome = await this.deps.writes.applyDaemonSet(
      agentDaemonSet(this.deps.agent, this.deps.view.tunings()),
    );
    if (outcome !== "unchanged") this.deps.log.info(`agent DaemonSet ${outcome}`);
    return this.checkAgentPods();
  }

  /**
   * The DaemonSet controller creates the pods; when it cannot (PodSecurity, quota),
   * only its Events say why. Polled, since the operator watches no pods.
   */
  private async checkAgentPods(): Promise<Requeue[]> {
    const reader = this.deps.agentPods;
    if (!reader) return [];
    const { namespace, name } = this.deps.agent;
    const problem = await reader.problem(namespace, name);
    const every = this.deps.agentCheckMs ?? { missing: 5_000, settled: 30_000 };
    const again = requeue.after("daemonset", problem ? every.missing : every.settled);
    if (!this.deps.view.findings.setAgentProblem(problem)) return [again];
    if (problem) this.deps.log.warn(problem.message);
    const tunings = this.deps.informers.tunings.list();
    return [...tunings.map((t) => requeue.now(tuningKey(t.metadata.name ?? ""))), again];
  }
}
