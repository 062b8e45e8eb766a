import {
  TuningConditionType as Type,
  TuningReason as Reason,
  type TuningConditionTypeName,
  type TuningReasonName,
} from "../../../api/v1alpha1/reasons.ts";
import type { ConditionInput as AnyConditionInput } from "../../../common/conditions.ts";
import { conflictMessage, type StatusInput } from "./status-input.ts";

type ConditionInput = AnyConditionInput<TuningConditionTypeName, TuningReasonName>;

/** What the Degraded rules read: the status input, with its failure and merge texts. */
export interface DegradedInput extends StatusInput {
  /** "; <first failing node>: <its message>", or empty. */
  failureText: string;
  /** What keeps the tuning from some matched nodes, or empty. */
  notMerged: string;
}

interface DegradedRule {
  name: string;
  rule: (input: DegradedInput) => Omit<ConditionInput, "type"> | undefined;
}

/**
 * The Degraded condition, as an ordered chain of named rules: the first that
 * speaks decides; none speaking is AsExpected.
 */
export const degradedRules: readonly DegradedRule[] = [
  {
    name: "nodes failed",
    rule: ({ progress, halted, failureText }) =>
      progress.failed > 0
        ? {
            status: "True",
            reason: halted ? Reason.RolloutHalted : Reason.Failed,
            message: `${progress.failed} failed${failureText}`,
          }
        : undefined,
  },
  {
    name: "not merged",
    rule: ({ notMerged }) =>
      notMerged === ""
        ? undefined
        : { status: "True", reason: Reason.NotMerged, message: notMerged },
  },
  {
    // Nodes that applied this generation keep their values, but no agent corrects drift or
    // reverts there while its pod cannot start (a bad image, a crash after an upgrade).
    name: "agents down",
    rule: ({ agentsDown }) =>
      agentsDown
        ? { status: "True", reason: Reason.AgentsNotRunning, message: agentsDown }
        : undefined,
  },
  {
    name: "DNS webhook unavailable",
    rule: ({ webhookProblem, tuning }) =>
      webhookProblem && tuning.spec.dns?.pods !== undefined
        ? { status: "True", reason: Reason.DNSWebhookUnavailable, message: webhookProblem }
        : undefined,
  },
  {
    name: "conflict",
    rule: ({ conflicts, tuning }) =>
      conflicts.length > 0
        ? { status: "False", reason: Reason.Conflict, message: conflictMessage(conflicts, tuning) }
        : undefined,
  },
];

/** The first rule that speaks, named, or AsExpected. */
export function degradedVerdict(input: DegradedInput): { rule: string; condition: ConditionInput } {
  for (const { name, rule } of degradedRules) {
    const spoken = rule(input);
    if (spoken) return { rule: name, condition: { type: Type.Degraded, ...spoken } };
  }
  const condition: ConditionInput = {
    type: Type.Degraded,
    status: "False",
    reason: Reason.AsExpected,
    message: "",
  };
  return { rule: "as expected", condition };
}

export function degraded(input: DegradedInput): ConditionInput {
  return degradedVerdict(input).condition;
}
