import type { Condition } from "../../../api/v1alpha1/meta.ts";
import type { Tuning } from "../cluster/cluster-view.ts";
import type {} from "../cluster/kube.ts";
import type { OperatorWrites } from "../cluster/writes.ts";
import type { Conflict } from "../rollout/merge.ts";
import { findCondition } from "../../../api/v1alpha1/contract.ts";
import {
  TuningConditionType as Type,
  TuningReason as Reason,
  type TuningConditionTypeName,
} from "../../../api/v1alpha1/reasons.ts";
import { conditionStatus } from "./status.ts";
import { conflictMessage } from "./status-input.ts";

/** Events on a tuning's transitions: Applied, Failed, RolloutHalted, a new Conflict. */
export class TransitionEvents {
  private readonly writes: OperatorWrites;
  private readonly reportedConflicts = new Map<string, string>();

  constructor(writes: OperatorWrites) {
    this.writes = writes;
  }

  /** Events on transitions only: a condition that flips, a conflict not reported before. */
  async record(
    tuning: Tuning,
    next: Condition[] | undefined,
    conflicts: Conflict[],
    failedNodes: string[],
    failureMessages: Map<string, string>,
  ): Promise<void> {
    const before = tuning.status?.conditions;
    const message = (type: TuningConditionTypeName): string =>
      findCondition({ conditions: next }, type)?.message ?? "";
    const reason = (
      conditions: Condition[] | undefined,
      type: TuningConditionTypeName,
    ): string | undefined => findCondition({ conditions }, type)?.reason;
    const flipped = (type: TuningConditionTypeName, to: string): boolean =>
      conditionStatus(next, type) === to && conditionStatus(before, type) !== to;
    if (flipped(Type.Ready, "True"))
      await this.writes.event(tuning, "Normal", Reason.Applied, message(Type.Ready));
    const degradedBy = reason(next, Type.Degraded);
    if (
      flipped(Type.Degraded, "True") &&
      (degradedBy === Reason.AgentsNotRunning || degradedBy === Reason.NotMerged)
    ) {
      await this.writes.event(tuning, "Warning", degradedBy, message(Type.Degraded));
    } else if (flipped(Type.Degraded, "True")) {
      const detail = failedNodes
        .slice(0, 5)
        .map((n) => `${n}: ${failureMessages.get(n) ?? "failed"}`)
        .join("; ");
      await this.writes.event(
        tuning,
        "Warning",
        Reason.Failed,
        `${failedNodes.length} node(s) failed: ${detail}`,
      );
    }
    if (
      reason(next, Type.Progressing) === Reason.RolloutHalted &&
      reason(before, Type.Progressing) !== Reason.RolloutHalted
    ) {
      await this.writes.event(tuning, "Warning", Reason.RolloutHalted, message(Type.Progressing));
    }
    await this.conflictEvent(tuning, conflicts);
  }

  private async conflictEvent(tuning: Tuning, conflicts: Conflict[]): Promise<void> {
    const text = conflictMessage(conflicts, tuning);
    const name = tuning.metadata.name ?? "";
    if (!text || this.reportedConflicts.get(name) === text) return;
    this.reportedConflicts.set(name, text);
    await this.writes.event(tuning, "Warning", Reason.Conflict, text);
  }
}
