import { findCondition } from "../../../api/v1alpha1/contract.ts";
import { isSecuritySensitiveSysctl } from "../../../api/helpers/sysctl.ts";
import type { Condition } from "../../../api/v1alpha1/meta.ts";
import type { NetworkTuning, NetworkTuningStatus } from "../../../api/v1alpha1/network-tuning.ts";
import {
  setConditions,
  type ConditionInput as AnyConditionInput,
} from "../../../common/conditions.ts";
import {
  TuningConditionType as Type,
  TuningReason as Reason,
  type TuningConditionTypeName,
  type TuningReasonName,
} from "../../../api/v1alpha1/reasons.ts";
import type { TuningProgress } from "../rollout/rollout.ts";
import { degraded } from "./degraded-rules.ts";
import { conflictMessage, type StatusInput } from "./status-input.ts";

export type { StatusInput } from "./status-input.ts";

type ConditionInput = AnyConditionInput<TuningConditionTypeName, TuningReasonName>;

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
    ...sensitiveSysctls(tuning),
    ...input.advice,
    ...input.autoRaised,
    conditions: setConditions(
      tuning.status?.conditions,
      tuningConditions(input),
      input.now,
      generation,
    ),
  };
}

/** The security-sensitive sysctls the tuning sets, so that they show in its status. */
function sensitiveSysctls(
  tuning: NetworkTuning,
): Pick<NetworkTuningStatus, "securitySensitiveSysctls"> {
  const keys = Object.keys(tuning.spec.sysctls ?? {})
    .filter(isSecuritySensitiveSysctl)
    .sort();
  return keys.length > 0 ? { securitySensitiveSysctls: keys } : {};
}

function tuningConditions(input: StatusInput): ConditionInput[] {
  const { progress, failureMessages, conflicts, tuning } = input;
  const firstFailure = progress.failedNodes[0];
  const failureText =
    firstFailure === undefined
      ? ""
      : `; ${firstFailure}: ${failureMessages.get(firstFailure) ?? "failed"}`;
  const summary = `${progress.applied}/${progress.matched} nodes applied`;
  const conflictText = conflicts.length === 0 ? "" : `; ${conflictMessage(conflicts, tuning)}`;
  const notMerged = notMergedMessage(input.mergeProblems ?? []);
  if (input.unusable) {
    const condition = { reason: Reason.InvalidSpec, message: input.unusable };
    return [
      { type: Type.Ready, status: "False", ...condition },
      { type: Type.Progressing, status: "False", ...condition },
      { type: Type.Degraded, status: "True", ...condition },
    ];
  }
  const blocked = agentsBlocked(input);
  if (blocked)
    return [blocked.ready, progressing(progress, input.halted, summary), blocked.degraded];
  return [
    ready(progress, `${summary}${failureText}${notMerged ? `; ${notMerged}` : ""}${conflictText}`),
    progressing(progress, input.halted, summary),
    degraded({ ...input, failureText, notMerged }),
  ];
}

/** Pending nodes whose agents cannot even start: say why, rather than RollingOut forever. */
function agentsBlocked({
  progress,
  agentProblem,
}: StatusInput): { ready: ConditionInput; degraded: ConditionInput } | undefined {
  if (!agentProblem || progress.pending === 0) return undefined;
  const message = `${progress.applied}/${progress.matched} nodes applied; ${agentProblem}`;
  const reason = Reason.AgentsNotRunning;
  return {
    ready: { type: Type.Ready, status: "False", reason, message },
    degraded: { type: Type.Degraded, status: "True", reason, message: agentProblem },
  };
}

function ready(progress: TuningProgress, message: string): ConditionInput {
  if (progress.matched === 0)
    return {
      type: Type.Ready,
      status: "True",
      reason: Reason.NoMatchingNodes,
      message: "no node matches the selector",
    };
  if (progress.matched === progress.applied)
    return { type: Type.Ready, status: "True", reason: Reason.Applied, message };
  return {
    type: Type.Ready,
    status: "False",
    reason: progress.failed > 0 ? Reason.Failed : Reason.RollingOut,
    message,
  };
}

function progressing(progress: TuningProgress, halted: boolean, summary: string): ConditionInput {
  if (halted) {
    return {
      type: Type.Progressing,
      status: "False",
      reason: Reason.RolloutHalted,
      message: `failures reached maxUnavailable (${progress.budget}): ${progress.failedNodes.join(", ")}`,
    };
  }
  if (progress.pending > 0)
    return {
      type: Type.Progressing,
      status: "True",
      reason: Reason.RollingOut,
      message: `${summary}; ${progress.pending} pending`,
    };
  return { type: Type.Progressing, status: "False", reason: Reason.Complete, message: summary };
}

function notMergedMessage(problems: readonly string[]): string {
  if (problems.length === 0) return "";
  return `${problems[0] ?? ""}${problems.length > 1 ? `; and ${problems.length - 1} more` : ""}`;
}

/** A condition's status, for Event decisions on transitions. */
export function conditionStatus(
  conditions: readonly Condition[] | undefined,
  type: TuningConditionTypeName,
): string | undefined {
  return findCondition({ conditions }, type)?.status;
}
