import { Annotation, revertFinalizer } from "../../../api/v1alpha1/identity.ts";
import { findCondition } from "../../../api/v1alpha1/contract.ts";
import { canonicalJSON } from "../../../common/canonical-json.ts";
import { TuningConditionType, TuningReason as Reason } from "../../../api/v1alpha1/reasons.ts";
import { setConditions } from "../../../common/conditions.ts";
import {
  type ClusterView,
  failureMessage,
  type Tuning,
  unusable,
} from "../cluster/cluster-view.ts";
import type { Informers } from "../cluster/kube.ts";
import type { OperatorWrites } from "../cluster/writes.ts";
import {
  abandonedMessage,
  revertedMessage,
  revertFailedMessage,
  revertingMessage,
  type RevertProgress,
} from "./revert-tracker.ts";
import { RolloutLedger } from "../rollout/rollout.ts";
import { tuningStatus } from "./status.ts";
import { adviceSummary } from "./advice-summary.ts";
import { autoRaiseSummary } from "./auto-raise-summary.ts";
import { agentProblemFor } from "../agents/agent-pods.ts";
import { TransitionEvents } from "./transition-events.ts";
import { nodeKey, requeue, type Requeue } from "../work-keys.ts";

export const finalizer = revertFinalizer;
/**
 * Set to "true" on a deleted tuning whose nodes cannot restore their values,
 * it lets the deletion finish and leaves those values in place.
 */
export const abandonRevertAnnotation = Annotation.AbandonRevert;

export interface TuningReconcilerDeps {
  informers: Informers;
  writes: OperatorWrites;
  /** The cluster, and what the other reconcilers found there (conflicts, agent problems). */
  view: ClusterView;
  now: () => Date;
}

/**
 * One tuning's status, Events and revert finalizer: the finalizer is added
 * first; status is aggregated from the nodes it matches and written only
 * when it changed; a deleted tuning is held until its nodes have reverted.
 */
export class TuningReconciler {
  private readonly deps: TuningReconcilerDeps;
  private readonly transitions: TransitionEvents;

  constructor(deps: TuningReconcilerDeps) {
    this.deps = deps;
    this.transitions = new TransitionEvents(deps.writes);
  }

  async sync(name: string): Promise<Requeue[]> {
    const tuning = this.deps.informers.tunings.get(name);
    if (!tuning) return [];
    if (tuning.metadata.deletionTimestamp) return this.finishDeletion(tuning);
    const finalizers = tuning.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) {
      await this.deps.writes.setTuningFinalizers(
        name,
        [...finalizers, finalizer],
        tuning.metadata.resourceVersion ?? "",
      );
      return []; // the update comes back through the informer
    }
    const views = this.deps.view.nodeViews();
    const matched = this.deps.view.matchedNodes(tuning, views);
    const ledger = new RolloutLedger([tuning], () => matched);
    const progress = ledger.of(name);
    if (!progress) return [];
    const findings = this.deps.view.findings;
    const failureMessages = new Map(matched.map((view) => [view.name, failureMessage(view.nnt)]));
    const names = matched.map((view) => view.name);
    const conflicts = findings.conflictsAmong(names, name);
    const agents = findings.agentProblem();
    const status = tuningStatus({
      tuning,
      progress,
      halted: ledger.halted(name),
      failureMessages,
      conflicts,
      mergeProblems: findings.mergeProblems.of(names, name),
      agentProblem: agentProblemFor(agents, names),
      agentsDown: agents?.nodes ? agentProblemFor(agents, names) : undefined,
      webhookProblem: findings.webhookProblem(),
      unusable: unusable(tuning),
      advice: adviceSummary(
        matched.map((view) => ({ name: view.name, advice: view.nnt?.status?.advice })),
      ),
      autoRaised: autoRaiseSummary(
        name,
        tuning.spec.autoTune,
        matched.map((view) => ({
          name: view.name,
          raised: view.nnt?.spec.autoRaised,
          advice: view.nnt?.status?.advice,
        })),
      ),
      now: this.deps.now(),
    });
    if (canonicalJSON(status) === canonicalJSON(tuning.status)) return [];
    await this.deps.writes.patchTuningStatus(
      name,
      status,
      tuning.metadata.resourceVersion ?? "",
      tuning.status,
    );
    await this.transitions.record(
      tuning,
      status.conditions,
      conflicts,
      progress.failedNodes,
      failureMessages,
    );
    return [];
  }

  /**
   * The finalizer holds a deleted tuning until every node it touched has
   * dropped it from its spec and reported that generation (or is gone).
   */
  private async finishDeletion(tuning: Tuning): Promise<Requeue[]> {
    if (!(tuning.metadata.finalizers ?? []).includes(finalizer)) return [];
    const { view } = this.deps;
    const selected = new Set(view.matchedNodes(tuning, view.nodeViews()).map((node) => node.name));
    const progress = view.reverts.progress(
      tuning,
      view.allNodeTunings(),
      (node) => this.deps.informers.nodes.get(node) !== undefined,
      selected,
    );
    if (progress.waiting.length > 0) {
      if (view.reverts.announce(tuning))
        await this.deps.writes.event(
          tuning,
          "Normal",
          Reason.Reverting,
          revertingMessage(progress),
        );
      return progress.waiting.map((node) => requeue.now(nodeKey(node)));
    }
    const abandoned = tuning.metadata.annotations?.[abandonRevertAnnotation] === "true";
    if (progress.failed.length > 0 && !abandoned) {
      await this.holdForFailedRevert(tuning, progress);
      return [];
    }
    await this.release(tuning, progress);
    // The agents of nodes only this tuning selected may go.
    return [requeue.now("daemonset")];
  }

  /**
   * Lets the deleted tuning go, saying truthfully what its nodes did: the
   * Event follows the write, so a release that did not happen is never told.
   */
  private async release(tuning: Tuning, progress: RevertProgress): Promise<void> {
    const name = tuning.metadata.name ?? "";
    const finalizers = (tuning.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const [type, reason, message] =
      progress.failed.length > 0
        ? (["Warning", Reason.RevertAbandoned, abandonedMessage(progress)] as const)
        : (["Normal", Reason.Reverted, revertedMessage(progress)] as const);
    await this.deps.writes.setTuningFinalizers(
      name,
      finalizers,
      tuning.metadata.resourceVersion ?? "",
    );
    await this.deps.writes.event(tuning, type, reason, message);
    this.deps.view.reverts.forget(tuning);
  }

  /**
   * Keeps a deletion whose nodes could not restore every value: Degraded says
   * which and why, and a Warning Event tells it once per change of what failed.
   * What is kept lives in the tuning's status, so a new leader sees the same.
   */
  private async holdForFailedRevert(tuning: Tuning, progress: RevertProgress): Promise<void> {
    const message = revertFailedMessage(progress);
    const conditions = tuning.status?.conditions ?? [];
    const degraded = findCondition({ conditions }, TuningConditionType.Degraded);
    if (degraded?.reason === Reason.RevertFailed && degraded.message === message) return;
    const inputs = conditions
      .filter((c) => c.type !== TuningConditionType.Degraded)
      .map(({ type, status, reason, message: text }) => ({ type, status, reason, message: text }));
    inputs.push({
      type: TuningConditionType.Degraded,
      status: "True",
      reason: Reason.RevertFailed,
      message,
    });
    const status = {
      ...tuning.status,
      conditions: setConditions(
        conditions,
        inputs,
        this.deps.now(),
        tuning.metadata.generation ?? 0,
      ),
    };
    await this.deps.writes.patchTuningStatus(
      tuning.metadata.name ?? "",
      status,
      tuning.metadata.resourceVersion ?? "",
    );
    await this.deps.writes.event(tuning, "Warning", Reason.RevertFailed, message);
  }
}
