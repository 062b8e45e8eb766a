// What an agent reports, built from the API's vocabulary: the conditions a
// real agent writes for each kind of outcome (runtime/node-conditions.ts),
// with no invented type or reason.
import type { Condition } from "../../api/v1alpha1/meta.ts";
import type { NodeNetworkTuningStatus } from "../../api/v1alpha1/node-network-tuning.ts";
import {
  NodeConditionReason as Reason,
  NodeConditionType as Type,
} from "../../api/v1alpha1/reasons.ts";

const at = "2026-01-01T00:00:00Z";

function condition(
  type: Condition["type"],
  status: Condition["status"],
  reason: string,
  message = "",
): Condition {
  return { type, status, reason, message, lastTransitionTime: at };
}

/** How a check ended, as the agent's conditions say it. */
export type Outcome = "applied" | "degraded" | "auditOnly";

/**
 * The status an agent writes after a check of `generation`: Applied and
 * Degraded as its rules set them for the outcome; `message` is the failure.
 */
export function agentReport(
  generation: number,
  outcome: Outcome,
  message = "eth0 rings rx=4096: not supported by driver",
): NodeNetworkTuningStatus {
  const conditions = {
    applied: [
      condition(Type.Applied, "True", Reason.Applied),
      condition(Type.Degraded, "False", Reason.AsExpected),
    ],
    degraded: [
      condition(Type.Applied, "False", Reason.SettingsFailed, message),
      condition(Type.Degraded, "True", Reason.SettingsFailed, message),
    ],
    auditOnly: [
      condition(Type.Applied, "False", Reason.AuditOnly),
      condition(Type.Degraded, "False", Reason.AsExpected),
    ],
  }[outcome];
  return { observedGeneration: generation, conditions };
}

/** A report of an earlier generation than the node holds: the agent has not caught up. */
export function staleReport(generation: number): NodeNetworkTuningStatus {
  return { observedGeneration: generation, conditions: [] };
}
