import type {
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { canonicalJSON } from "../../../common/canonical-json.ts";
import { setConditions } from "../../../common/conditions.ts";
import { conditionsFor } from "./node-conditions.ts";
import type { RunOutcome } from "./run-outcome.ts";

export type { RunOutcome } from "./run-outcome.ts";

/** The status the agent wants on its NodeNetworkTuning; a pure function of the run. */
export function nodeStatus(
  previous: NodeNetworkTuningStatus | undefined,
  outcome: RunOutcome,
  now: Date,
): NodeNetworkTuningStatus {
  const settings = [...outcome.results, ...outcome.reverted].map(steadyForm);
  return {
    observedGeneration: outcome.generation,
    conditions: setConditions(
      previous?.conditions,
      conditionsFor(outcome, previous),
      now,
      outcome.generation,
    ),
    settings,
    inventory: outcome.inventory,
    ...(outcome.advice ? { advice: outcome.advice } : {}),
  };
}

/**
 * "Written" and "AlreadySet" both mean the node holds the value; status
 * keeps neither, so that a check that wrote and one that found it right
 * read the same and cost no status write.
 */
function steadyForm(result: SettingResult): SettingResult {
  if (result.reason !== SettingReason.Written && result.reason !== SettingReason.AlreadySet)
    return result;
  const { reason, ...rest } = result;
  return rest;
}

/**
 * Whether two statuses say the same. The live conntrack entry count is left
 * out: it changes all the time, and writing it would cost a write per check.
 */
export function sameStatus(
  a: NodeNetworkTuningStatus | undefined,
  b: NodeNetworkTuningStatus | undefined,
): boolean {
  return canonicalJSON(stable(a)) === canonicalJSON(stable(b));
}

function stable(status: NodeNetworkTuningStatus | undefined): unknown {
  if (!status) return undefined;
  const conntrack = status.inventory?.conntrack;
  const inventory = status.inventory && {
    ...status.inventory,
    conntrack: conntrack && { ...conntrack, count: undefined },
  };
  return { ...status, inventory };
}
