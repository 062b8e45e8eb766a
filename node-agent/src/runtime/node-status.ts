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

/**
 * The status the agent wants on its NodeNetworkTuning; a pure function of the
 * run. The inventory is not in it (it has an object of its own); an Applied
 * result with nothing more to say is a name and value in `applied`, and every
 * other one is in `settings` in its compact form (docs/adr/0014).
 */
export function nodeStatus(
  previous: NodeNetworkTuningStatus | undefined,
  outcome: RunOutcome,
  now: Date,
  onlySource?: string,
): NodeNetworkTuningStatus {
  return {
    observedGeneration: outcome.generation,
    conditions: setConditions(
      previous?.conditions,
      conditionsFor(outcome, previous),
      now,
      outcome.generation,
    ),
    ...reportedResults([...outcome.results, ...outcome.reverted], onlySource),
    ...(outcome.advice ? { advice: outcome.advice } : {}),
  };
}

/**
 * Results as the status carries them (also what bench/convergence.ts
 * measures): an Applied result with nothing more to say than its name and
 * value goes in the applied map, every other one in settings, compact; a
 * field with nothing in it is left out.
 */
export function reportedResults(
  results: readonly SettingResult[],
  onlySource?: string,
): Pick<NodeNetworkTuningStatus, "applied" | "settings"> {
  const applied = new Map<string, string>();
  const settings: SettingResult[] = [];
  for (const result of results) {
    const reported = reportedResult(result, onlySource);
    if (plainlyApplied(reported) && !applied.has(reported.name))
      applied.set(reported.name, reported.desired ?? "");
    else settings.push(reported);
  }
  return {
    ...(applied.size > 0 ? { applied: Object.fromEntries(applied) } : {}),
    ...(settings.length > 0 ? { settings } : {}),
  };
}

/** Applied, and nothing in the result but its name, state and desired value. */
function plainlyApplied(result: SettingResult): boolean {
  return (
    result.state === "Applied" &&
    Object.keys(result).every((key) => key === "name" || key === "state" || key === "desired")
  );
}

/** A result as the status carries it, compact. */
export function reportedResult(result: SettingResult, onlySource?: string): SettingResult {
  return compactForm(steadyForm(result), onlySource);
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
 * A result without what the reader has elsewhere: the value read back of an
 * Applied setting that reads back as desired, the original (the node's
 * originals store keeps it and the Reverted Event names it), the source
 * when the node has only that one, and an empty message. Each check then
 * writes fewer bytes, and a change of observed values alone writes nothing.
 */
function compactForm(result: SettingResult, onlySource: string | undefined): SettingResult {
  const { name, original: _original, observed, source, message, ...rest } = result;
  const keepObserved =
    observed !== undefined && !(result.state === "Applied" && observed === result.desired);
  return {
    name,
    ...(source !== undefined && source !== onlySource ? { source } : {}),
    ...rest,
    ...(keepObserved ? { observed } : {}),
    ...(message ? { message } : {}),
  };
}

/** The node's one source's name, when its spec has exactly one. */
export function onlySourceOf(
  spec: { sources?: { name: string }[] } | undefined,
): string | undefined {
  const sources = spec?.sources ?? [];
  return sources.length === 1 ? sources[0]?.name : undefined;
}

/**
 * Whether two statuses say the same. The report holds no live figure (the
 * conntrack entry count went with the inventory), so the JSON compares whole.
 */
export function sameStatus(
  a: NodeNetworkTuningStatus | undefined,
  b: NodeNetworkTuningStatus | undefined,
): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}
