import { Annotation, revertFinalizer } from "../../api/v1alpha1/identity.ts";
import { canonicalJSON } from "../../common/canonical-json.ts";
import { TuningConditionType, TuningReason as Reason } from "../../api/v1alpha1/reasons.ts";
import { setConditions } from "../../common/conditions.ts";
import {
  type ClusterView,
  failureMessage,
  type NodeTuning,
  type Tuning,
  unusable,
} from "./cluster-view.ts";
import type { Informers } from "./kube.ts";
import type { OperatorWrites } from "./writes.ts";
import type { Conflict } from "./merge.ts";
import type { NodeReleaser } from "./node-releaser.ts";
import {
  abandonedMessage,
  RevertTracker,
  revertedMessage,
  revertFailedMessage,
  revertingMessage,
  type RevertProgress,
} from "./revert-tracker.ts";
import { RolloutLedger, type NodeView } from "./rollout.ts";
import { tuningStatus } from "./status.ts";
import { adviceSummary } from "./advice-summary.ts";
import { autoRaiseSummary } from "./auto-raise-summary.ts";
import { agentProblemFor, type AgentProblem } from "./agent-pods.ts";
import { TransitionEvents } from "./transition-events.ts";
import { nodeKey, type WorkKey } from "./work-keys.ts";

export const finalizer = revertFinalizer;
/**
 * Set to "true" on a deleted tuning whose nodes cannot restore their values,
 * it lets the deletion finish and leaves those values in place.
 */
export const abandonRevertAnnotation = Annotation.AbandonRevert;

/** Where reconcilers put follow-up work. */
export interface WorkSink {
  add(key: WorkKey): void;
  addAfter(key: WorkKey, delayMs: number): void;
}

export interface TuningReconcilerDeps {
  informers: Informers;
  writes: OperatorWrites;
  view: ClusterView;
  releaser: NodeReleaser;
  queue: WorkSink;
  now: () => Date;
  /** Why agent pods are missing, if they are (the DaemonSet reconciler finds out). */
  agentProblem: () => AgentProblem | undefined;
  /** Why the DNS webhook cannot serve, if it cannot (its certificate keeper finds out). */
  webhookProblem: () => string | undefined;
}

/**
 * One tuning's status, Events and revert finalizer: the finalizer is added
 * first; status is aggregated from the nodes it matches and written only
 * when it changed; a deleted tuning is held until its nodes have reverted.
 */
export class TuningReconciler {
  private readonly deps: TuningReconcilerDeps;
  private readonly transitions: TransitionEvents;
  readonly reverts = new RevertTracker();

  constructor(deps: TuningReconcilerDeps) {
    this.deps = deps;
    this.transitions = new TransitionEvents(deps.writes);
  }

  /** Notes a deleted tuning's nodes as its deletion arrives, before any node merges without it. */
  rememberDeletion(tuning: Tuning, first: boolean): void {
    if (tuning.metadata.deletionTimestamp) this.reverts.remember(tuning, this.nodeTunings(), first);
  }

  async sync(name: string): Promise<void> {
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
    const views = this.deps.view.nodeViews();
    const matched = this.deps.view.matchedNodes(tuning, views);
    const ledger = new RolloutLedger([tuning], () => matched);
    const progress = ledger.of(name);
    if (!progress) return;
    const failureMessages = new Map(matched.map((view) => [view.name, failureMessage(view.nnt)]));
    const conflicts = this.conflictsOf(tuning, matched);
    const agents = this.deps.agentProblem();
    const names = matched.map((view) => view.name);
    const status = tuningStatus({
      tuning,
      progress,
      halted: ledger.halted(name),
      failureMessages,
      conflicts,
      mergeProblems: this.deps.releaser.mergeProblems.of(
        matched.map((view) => view.name),
        name,
      ),
      agentProblem: agentProblemFor(agents, names),
      agentsDown: agents?.nodes ? agentProblemFor(agents, names) : undefined,
      webhookProblem: this.deps.webhookProblem(),
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
    if (canonicalJSON(status) === canonicalJSON(tuning.status)) return;
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
  }

  private conflictsOf(tuning: Tuning, matched: NodeView[]): Conflict[] {
    return this.deps.releaser.conflictsAmong(
      matched.map((view) => view.name),
      tuning.metadata.name ?? "",
    );
  }

  /**
   * The finalizer holds a deleted tuning until every node it touched has
   * dropped it from its spec and reported that generation (or is gone).
   */
  private async finishDeletion(tuning: Tuning): Promise<void> {
    if (!(tuning.metadata.finalizers ?? []).includes(finalizer)) return;
    const views = this.deps.view.nodeViews();
    const selected = new Set(this.deps.view.matchedNodes(tuning, views).map((view) => view.name));
    const progress = this.reverts.progress(
      tuning,
      this.nodeTunings(),
      (node) => this.deps.informers.nodes.get(node) !== undefined,
      selected,
    );
    if (progress.waiting.length > 0) {
      if (this.reverts.announce(tuning))
        await this.deps.writes.event(
          tuning,
          "Normal",
          Reason.Reverting,
          revertingMessage(progress),
        );
      for (const node of progress.waiting) this.deps.queue.add(nodeKey(node));
      return;
    }
    const abandoned = tuning.metadata.annotations?.[abandonRevertAnnotation] === "true";
    if (progress.failed.length > 0 && !abandoned) return this.holdForFailedRevert(tuning, progress);
    await this.release(tuning, progress);
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
    this.reverts.forget(tuning);
    this.deps.queue.add("daemonset");
  }

  /**
   * Keeps a deletion whose nodes could not restore every value: Degraded says
   * which and why, and a Warning Event tells it once per change of what failed.
   * What is kept lives in the tuning's status, so a new leader sees the same.
   */
  private async holdForFailedRevert(tuning: Tuning, progress: RevertProgress): Promise<void> {
    const message = revertFailedMessage(progress);
    const conditions = tuning.status?.conditions ?? [];
    const degraded = conditions.find((c) => c.type === TuningConditionType.Degraded);
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

  /** Every NodeNetworkTuning as this operator knows it, its own writes in flight included. */
  private nodeTunings(): NodeTuning[] {
    return this.deps.informers.nodeTunings
      .list()
      .map((cached) => this.deps.view.nodeTuning(cached.metadata.name ?? "") ?? cached);
  }
}
