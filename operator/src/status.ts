import type { Condition } from "../../api/v1alpha1/meta.ts";
import type { NetworkTuning, NetworkTuningStatus } from "../../api/v1alpha1/network-tuning.ts";
import { setConditions, type ConditionInput } from "../../common/conditions.ts";
import type { Conflict } from "./merge.ts";
import { TuningConditionType as Type, TuningReason as Reason } from "./reasons.ts";
import type { TuningProgress } from "./rollout.ts";

export interface StatusInput {
  tuning: NetworkTuning;
  progress: TuningProgress;
  halted: boolean;
  /** Failing node → its agent's message. */
  failureMessages: Map<string, string>;
  conflicts: Conflict[];
  now: Date;
}

/** The tuning's status: counts, the first failing nodes, and Ready/Progressing/Degraded that agree. */
export function tuningStatus(input: StatusInput): NetworkTuningStatus {
  const { tuning, progress } = input;
  const generation = tuning.metadata.generation ?? 0;
  const failingNodes = progress.failedNodes.slice(0, 10).map((name) => ({
    name,
    message: (input.failureMessages.get(name) ?? "failed").slice(0, 1024),
  }));
  return {
    observedGeneration: generation,
    matchedNodes: progress.matched,
    appliedNodes: progress.applied,
    pendingNodes: progress.pending,
    failedNodes: progress.failed,
    nodes: `${progress.applied}/${progress.matched}`,
    failingNodes,
    conditions: setConditions(
      tuning.status?.conditions,
      tuningConditions(input),
      input.now,
      generation,
    ),
  };
}

function tuningConditions({
  progress,
  halted,
  failureMessages,
  conflicts,
  tuning,
}: StatusInput): ConditionInput[] {
  const summary = `${progress.applied}/${progress.matched} nodes applied`;
  const firstFailure = progress.failedNodes[0];
  const failureText =
    firstFailure === undefined
      ? ""
      : `; ${firstFailure}: ${failureMessages.get(firstFailure) ?? "failed"}`;
  const conflictText = conflicts.length === 0 ? "" : `; ${conflictMessage(conflicts, tuning)}`;
  const done = progress.matched === progress.applied;
  const ready: ConditionInput =
    progress.matched === 0
      ? {
          type: Type.Ready,
          status: "True",
          reason: Reason.NoMatchingNodes,
          message: "no node matches the selector",
        }
      : {
          type: Type.Ready,
          status: done ? "True" : "False",
          reason: done ? Reason.Applied : progress.failed > 0 ? Reason.Failed : Reason.RollingOut,
          message: `${summary}${failureText}${conflictText}`,
        };
  const progressing: ConditionInput = halted
    ? {
        type: Type.Progressing,
        status: "False",
        reason: Reason.RolloutHalted,
        message: `failures reached maxUnavailable (${progress.budget}): ${progress.failedNodes.join(", ")}`,
      }
    : progress.pending > 0
      ? {
          type: Type.Progressing,
          status: "True",
          reason: Reason.RollingOut,
          message: `${summary}; ${progress.pending} pending`,
        }
      : { type: Type.Progressing, status: "False", reason: Reason.Complete, message: summary };
  const degraded: ConditionInput =
    progress.failed > 0
      ? {
          type: Type.Degraded,
          status: "True",
          reason: halted ? Reason.RolloutHalted : Reason.Failed,
          message: `${progress.failed} failed${failureText}`,
        }
      : conflicts.length > 0
        ? {
            type: Type.Degraded,
            status: "False",
            reason: Reason.Conflict,
            message: conflictMessage(conflicts, tuning),
          }
        : { type: Type.Degraded, status: "False", reason: Reason.AsExpected, message: "" };
  return [ready, progressing, degraded];
}

export function conflictMessage(conflicts: Conflict[], tuning: NetworkTuning): string {
  const first = conflicts[0];
  if (!first) return "";
  const other = first.winner === tuning.metadata.name ? first.loser : first.winner;
  return `Conflict with ${other} on ${first.field} (equal priority; ${first.winner} wins by name)${conflicts.length > 1 ? ` and ${conflicts.length - 1} more` : ""}`;
}

/** A condition's status, for Event decisions on transitions. */
export function conditionStatus(
  conditions: readonly Condition[] | undefined,
  type: string,
): string | undefined {
  return conditions?.find((c) => c.type === type)?.status;
}
