import { findCondition, isTrue } from "../../../api/v1alpha1/contract.ts";
import type {
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import {
  AgentEventAction as Action,
  AgentEventReason as Reason,
  NodeConditionReason,
  NodeConditionType,
  SettingReason,
  type AgentEventActionName,
  type AgentEventReasonName,
} from "../../../api/v1alpha1/reasons.ts";
import type { SettingChange } from "../engine/apply.ts";
import type { RunOutcome } from "./node-status.ts";

/** One thing the agent did on its node, as an Event will tell it. */
export interface AgentEvent {
  type: "Normal" | "Warning";
  reason: AgentEventReasonName;
  action: AgentEventActionName;
  note: string;
}

/** A rule over one check: the Event it calls for, or none. */
type EventRule = (
  outcome: RunOutcome,
  previous: NodeNetworkTuningStatus | undefined,
) => AgentEvent | undefined;

// How many settings an Event's note names before it says "and N more".
const listed = 5;

/**
 * What the agent tells about one check, in a fixed order: writes that were
 * undone first, then failures, corrections, restores, and last the
 * generation now held. Each rule decides alone; none depends on another.
 */
export function agentEvents(
  outcome: RunOutcome,
  previous: NodeNetworkTuningStatus | undefined,
): AgentEvent[] {
  return eventRules.flatMap((rule) => rule(outcome, previous) ?? []);
}

/** Every change undone because the API server went out of reach is told, each time. */
const rolledBack: EventRule = (outcome) => {
  const undone = outcome.results.filter((r) => r.reason === SettingReason.RolledBack);
  if (undone.length === 0) return undefined;
  return {
    type: "Warning",
    reason: Reason.RolledBack,
    action: Action.Rollback,
    note: `rolled back ${count(undone.length)}: ${enumerate(undone.map(describeFailure))}`,
  };
};

/** Untrusted state is told when it starts and when its cause changes, not at every check. */
const stateUntrusted: EventRule = (outcome, previous) => {
  if (outcome.stateRefused === undefined) return undefined;
  const before = findCondition(previous, NodeConditionType.Degraded);
  if (before?.reason === outcome.stateRefused.reason && !newGeneration(outcome, previous))
    return undefined;
  return warning(Reason.StateUntrusted, Action.Apply, outcome.stateRefused.message);
};

/** Failures are told when they are new: a new generation, or another set of failing settings. */
const settingsFailed: EventRule = (outcome, previous) => {
  if (outcome.invalid !== undefined)
    return newGeneration(outcome, previous)
      ? warning(Reason.SettingsFailed, Action.Apply, outcome.invalid)
      : undefined;
  const failed = outcome.results.filter(
    (r) => r.state === "Failed" && r.reason !== SettingReason.RolledBack,
  );
  if (failed.length === 0) return undefined;
  const before = new Set((previous?.settings ?? []).filter(isFailed).map(failureKey));
  const unchanged =
    !newGeneration(outcome, previous) &&
    failed.length === before.size &&
    failed.every((r) => before.has(failureKey(r)));
  if (unchanged) return undefined;
  return warning(
    Reason.SettingsFailed,
    Action.Apply,
    `${count(failed.length)} of ${outcome.results.length} failed: ${enumerate(failed.map(describeFailure))}`,
  );
};

/** Each correction is told with the value found and the value set again. */
const driftCorrected: EventRule = (outcome) => {
  if (outcome.driftCorrected.length === 0) return undefined;
  return {
    type: "Normal",
    reason: Reason.DriftCorrected,
    action: Action.CorrectDrift,
    note: `set again ${count(outcome.driftCorrected.length)}: ${enumerate(outcome.driftCorrected.map((c) => describeChange(c, outcome)))}`,
  };
};

/** Each auto-tuning step is told with from and to, the symptom and the counter that asked for it. */
const autoRaised: EventRule = (outcome) => {
  const steps = outcome.autoRaised ?? [];
  if (steps.length === 0) return undefined;
  const told = steps.map(({ change, raise }) => {
    const { counter, delta, windowSeconds } = raise.evidence;
    return `${change.name} ${change.from} → ${change.to} under ${raise.source}'s autoTune: ${raise.symptom} (${counter} +${delta} in ${windowSeconds}s)`;
  });
  return {
    type: "Normal",
    reason: Reason.AutoRaised,
    action: Action.AutoTune,
    note: `raised ${count(steps.length)}: ${enumerate(told)}`,
  };
};

/** Restores that failed are told when they start failing, or a new generation still fails them. */
const revertFailed: EventRule = (outcome, previous) => {
  const before = findCondition(previous, NodeConditionType.Degraded);
  if (before?.reason === NodeConditionReason.RevertFailed && !newGeneration(outcome, previous))
    return undefined;
  return revertFailedEvent(outcome.reverted);
};

const reverted: EventRule = (outcome) =>
  revertedEvent(outcome.reverted, "the spec no longer asks for");

/** A generation is told applied once: when it first holds every setting. */
const applied: EventRule = (outcome, previous) => {
  if (outcome.mode !== "Enforce" || outcome.invalid !== undefined || outcome.results.length === 0)
    return undefined;
  if (outcome.results.some((r) => r.state === "Failed")) return undefined;
  const wasApplied =
    !newGeneration(outcome, previous) && isTrue(previous, NodeConditionType.Applied);
  if (wasApplied) return undefined;
  const written = outcome.results.filter((r) => r.reason === SettingReason.Written).length;
  const held = outcome.results.filter((r) => r.state === "Applied").length;
  return {
    type: "Normal",
    reason: Reason.Applied,
    action: Action.Apply,
    note: `generation ${outcome.generation}: ${held}/${outcome.results.length} settings hold their values, ${written} written now`,
  };
};

const eventRules: EventRule[] = [
  stateUntrusted,
  rolledBack,
  settingsFailed,
  driftCorrected,
  autoRaised,
  reverted,
  revertFailed,
  applied,
];

/** The Event for restored settings, `why` saying what made the agent restore them. */
export function revertedEvent(restored: SettingResult[], why: string): AgentEvent | undefined {
  const done = restored.filter((r) => r.reason === SettingReason.RestoredOriginal);
  if (done.length === 0) return undefined;
  return {
    type: "Normal",
    reason: Reason.Reverted,
    action: Action.Revert,
    note: `restored ${count(done.length)} ${why}: ${enumerate(done.map((r) => `${r.name}=${r.observed ?? r.original ?? "?"}`))}`,
  };
}

/** The Event for originals that could not be restored: they stay recorded and are tried again. */
export function revertFailedEvent(results: SettingResult[]): AgentEvent | undefined {
  const failed = results.filter((r) => r.state === "Failed");
  if (failed.length === 0) return undefined;
  return warning(
    Reason.RevertFailed,
    Action.Revert,
    `could not restore ${count(failed.length)}, kept on record and tried again: ${enumerate(failed.map(describeFailure))}`,
  );
}

function warning(
  reason: AgentEventReasonName,
  action: AgentEventActionName,
  note: string,
): AgentEvent {
  return { type: "Warning", reason, action, note };
}

function newGeneration(
  outcome: RunOutcome,
  previous: NodeNetworkTuningStatus | undefined,
): boolean {
  return previous?.observedGeneration !== outcome.generation;
}

const isFailed = (r: SettingResult): boolean => r.state === "Failed";
const failureKey = (r: SettingResult): string => `${r.name} ${r.reason ?? ""}`;
const describeFailure = (r: SettingResult): string =>
  `${r.name} ${r.reason ?? "Failed"} (${r.message ?? ""})`;
/** A correction, with the program known to write the setting, since that is where to look. */
function describeChange(change: SettingChange, outcome: RunOutcome): string {
  const writer = outcome.otherWriters?.find((w) => w.setting === change.name);
  const by =
    writer?.value !== undefined
      ? ` (${writer.writer} writes ${writer.value} ${writer.when})`
      : writer
        ? ` (${writer.writer} manages it)`
        : "";
  return `${change.name} ${change.from} → ${change.to}${by}`;
}
const count = (n: number): string => (n === 1 ? "1 setting" : `${n} settings`);

function enumerate(items: string[]): string {
  const more = items.length - listed;
  return items.slice(0, listed).join("; ") + (more > 0 ? `; and ${more} more` : "");
}
