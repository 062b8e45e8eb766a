import { canonicalJSON } from "../../common/canonical-json.ts";
import type { Logger } from "../../common/logger.ts";
import type { ClusterView } from "./cluster-view.ts";
import { agentDaemonSet, type AgentSettings } from "./daemonset.ts";
import type { AgentPodsReader, Informers } from "./kube.ts";
import type { OperatorWrites } from "./writes.ts";
import type { WorkSink } from "./tuning-reconciler.ts";
import { tuningKey } from "./work-keys.ts";
import type { AgentProblem } from "./agent-pods.ts";

export interface AgentsReconcilerDeps {
  informers: Informers;
  writes: OperatorWrites;
  view: ClusterView;
  queue: WorkSink;
  agent: AgentSettings;
  log: Logger;
  /** Reads why agent pods are missing; without it, the operator does not look. */
  agentPods?: AgentPodsReader;
  /** How often the agent pods are checked: while some are missing, and when all run. */
  agentCheckMs?: { missing: number; settled: number };
}

/**
 * The agent DaemonSet, placed on the nodes any tuning selects, with a watch
 * on whether its pods could be created (their absence is told on each tuning).
 */
export class AgentsReconciler {
  private readonly deps: AgentsReconcilerDeps;
  private problem: AgentProblem | undefined;

  constructor(deps: AgentsReconcilerDeps) {
    this.deps = deps;
  }

  /** Why the agent pods are missing, if they are. */
  agentProblem(): AgentProblem | undefined {
    return this.problem;
  }

  async syncDaemonSet(): Promise<void> {
    // Deleted tunings still holding their finalizer keep their nodes' agents until reverted.
    const outcome = await this.deps.writes.applyDaemonSet(
      agentDaemonSet(this.deps.agent, this.deps.view.tunings()),
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
    if (canonicalJSON(problem) !== canonicalJSON(this.problem)) {
      this.problem = problem;
      if (problem) this.deps.log.warn(problem.message);
      for (const tuning of this.deps.informers.tunings.list())
        this.deps.queue.add(tuningKey(tuning.metadata.name ?? ""));
    }
    const every = this.deps.agentCheckMs ?? { missing: 5_000, settled: 30_000 };
    this.deps.queue.addAfter("daemonset", problem ? every.missing : every.settled);
  }
}
