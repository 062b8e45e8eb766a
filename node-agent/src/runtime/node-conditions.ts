import { findCondition } from "../../../api/v1alpha1/contract.ts";
import type {
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import {
  NodeConditionReason as Reason,
  NodeConditionType as Type,
  isNodeConditionReason,
  SettingReason,
  type NodeConditionReasonName,
  type NodeConditionTypeName,
} from "../../../api/v1alpha1/reasons.ts";
import type { ConditionInput as AnyConditionInput } from "../../../common/conditions.ts";
import { conflicting, describeConflict } from "../engine/writer-conflicts.ts";

import type { RunOutcome } from "./run-outcome.ts";

type ConditionInput = AnyConditionInput<NodeConditionTypeName, NodeConditionReasonName>;

/** The node's conditions for a check's outcome, each decided by its own rules. */
export function conditionsFor(
  outcome: RunOutcome,
  previous: NodeNetworkTuningStatus | undefined,
): ConditionInput[] {
  const failed = outcome.results.filter((r) => r.state === "Failed");
  return [
    applied(outcome, failed),
    degraded(outcome, failed),
    drifted(outcome, previous),
    pressure(outcome),
    conflictingWriters(outcome),
  ];
}

type AppliedRule = (outcome: RunOutcome, failed: SettingResult[]) => ConditionInput | undefined;

/** The Applied condition: the first rule that speaks wins. */
const appliedRules: AppliedRule[] = [
  function stateRefused(outcome) {
    return outcome.stateRefused && { type: Type.Applied, status: "False", ...outcome.stateRefused };
  },
  function nothingAskedButUnrestored(outcome) {
    const unrestored = revertFailures(outcome);
    return outcome.results.length === 0 && unrestored !== undefined
      ? { type: Type.Applied, status: "False", reason: Reason.RevertFailed, message: unrestored }
      : undefined;
  },
  function invalidSpec(outcome) {
    return outcome.invalid === undefined
      ? undefined
      : {
          type: Type.Applied,
          status: "False",
          reason: Reason.InvalidSpec,
          message: outcome.invalid,
        };
  },
  function nothingToApply(outcome) {
    if (outcome.results.length > 0) return undefined;
    const message =
      outcome.reverted.length > 0 ? `restored ${outcome.reverted.length} settings` : "no settings";
    return { type: Type.Applied, status: "True", reason: Reason.NothingToApply, message };
  },
  function settingsFailed(outcome, failed) {
    if (failed.length === 0) return undefined;
    const first = failed[0]?.message ?? failed[0]?.name ?? "";
    return {
      type: Type.Applied,
      status: "False",
      reason: Reason.SettingsFailed,
      message: `${failed.length}/${outcome.results.length} settings failed: ${first}`,
    };
  },
];

function applied(outcome: RunOutcome, failed: SettingResult[]): ConditionInput {
  for (const rule of appliedRules) {
    const condition = rule(outcome, failed);
    if (condition) return condition;
  }
  return outcome.mode === "Audit" ? auditSummary(outcome.results) : appliedSummary(outcome.results);
}

function auditSummary(results: SettingResult[]): ConditionInput {
  const wouldChange = results.filter((r) => r.state === "WouldChange").length;
  return {
    type: Type.Applied,
    status: "False",
    reason: Reason.AuditOnly,
    message: `audit: ${wouldChange}/${results.length} settings would change`,
  };
}

function appliedSummary(results: SettingResult[]): ConditionInput {
  const done = results.filter((r) => r.state === "Applied").length;
  const notHeld = results.filter((r) => r.state === "Unsupported" || r.state === "Skipped");
  const detail =
    notHeld.length > 0
      ? `; ${notHeld.length} unsupported or skipped: ${notHeld[0]?.message ?? ""}`
      : "";
  return {
    type: Type.Applied,
    status: "True",
    reason: Reason.Applied,
    message: `${done}/${results.length} settings applied${detail}`,
  };
}

/** What could not be restored, for people; undefined when every restore succeeded. */
function revertFailures(outcome: RunOutcome): string | undefined {
  const failed = outcome.reverted.filter((r) => r.state === "Failed");
  if (failed.length === 0) return undefined;
  const named = failed
    .slice(0, 5)
    .map((r) => `${r.name}: ${r.message ?? r.reason ?? "failed"}`)
    .join("; ");
  return `could not restore ${failed.length} original value(s), kept on record and tried again: ${named}`;
}

function degraded(outcome: RunOutcome, failed: SettingResult[]): ConditionInput {
  if (outcome.stateRefused !== undefined)
    return { type: Type.Degraded, status: "True", ...outcome.stateRefused };
  // Values left behind outrank failed settings: the operator holds a deletion on this reason.
  const unrestored = revertFailures(outcome);
  if (unrestored !== undefined)
    return {
      type: Type.Degraded,
      status: "True",
      reason: Reason.RevertFailed,
      message: unrestored,
    };
  if (outcome.invalid !== undefined)
    return {
      type: Type.Degraded,
      status: "True",
      reason: Reason.InvalidSpec,
      message: outcome.invalid,
    };
  if (failed.length === 0)
    return { type: Type.Degraded, status: "False", reason: Reason.AsExpected, message: "" };
  const names = failed
    .slice(0, 5)
    .map((r) => r.message ?? r.name)
    .join("; ");
  return { type: Type.Degraded, status: "True", reason: Reason.SettingsFailed, message: names };
}

function drifted(
  outcome: RunOutcome,
  previous: NodeNetworkTuningStatus | undefined,
): ConditionInput {
  if (outcome.driftCorrected.length > 0) {
    const names = outcome.driftCorrected
      .slice(0, 5)
      .map((change) => change.name)
      .join(", ");
    return {
      type: Type.Drifted,
      status: "True",
      reason: Reason.DriftCorrected,
      message: `corrected ${outcome.driftCorrected.length}: ${names}`,
    };
  }
  // A correction stays visible until a later check finds nothing to correct.
  const before = findCondition(previous, Type.Drifted);
  if (
    before?.status === "True" &&
    outcome.results.length > 0 &&
    outcome.results.every((r) => r.reason !== SettingReason.Written)
  ) {
    return { type: Type.Drifted, status: "False", reason: Reason.NoDrift, message: "" };
  }
  return before && isNodeConditionReason(before.reason)
    ? { type: Type.Drifted, status: before.status, reason: before.reason, message: before.message }
    : { type: Type.Drifted, status: "False", reason: Reason.NoDrift, message: "" };
}

function pressure(outcome: RunOutcome): ConditionInput {
  const ratio = outcome.conntrackPressure?.ratio;
  if (ratio === undefined)
    return {
      type: Type.ConntrackPressure,
      status: "False",
      reason: Reason.BelowThreshold,
      message: "",
    };
  return {
    type: Type.ConntrackPressure,
    status: "True",
    reason: Reason.TableNearlyFull,
    message: `conntrack table at ${Math.round(ratio * 100)}% of its maximum`,
  };
}

function conflictingWriters(outcome: RunOutcome): ConditionInput {
  const fights = conflicting(outcome.otherWriters ?? []);
  if (fights.length === 0)
    return { type: Type.Conflicting, status: "False", reason: Reason.NoOtherWriters, message: "" };
  const told = fights.slice(0, 5).map(describeConflict).join("; ");
  return { type: Type.Conflicting, status: "True", reason: Reason.OtherWriters, message: told };
}
