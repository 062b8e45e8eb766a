// What a status means, in one place for the side that writes it and the side
// that reads it: conditions are found by their typed names, and nodeVerdict()
// is the only reading of a node's report (docs/adr/0018-one-reading-of-a-node-report.md). The agent's own
// nodeStatus() output is checked against it for every outcome
// (test/contract/node-verdict.test.ts).
import type { Condition } from "./meta.ts";
import { Remedy } from "./advice.ts";
import { remedySysctl } from "./auto-tune.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
  NodeNetworkTuningStatus,
  SettingResult,
} from "./node-network-tuning.ts";
import {
  NodeConditionReason,
  NodeConditionType,
  type KubeletNodeCondition,
  type NodeConditionTypeName,
  type TuningConditionTypeName,
} from "./reasons.ts";

/** Every condition type NetTune reads: its own two kinds', and the kubelet's Ready on a Node. */
export type ConditionTypeName =
  | NodeConditionTypeName
  | TuningConditionTypeName
  | (typeof KubeletNodeCondition)[keyof typeof KubeletNodeCondition];

/** Anything with conditions, whether ours or a Kubernetes object's (a Node's). */
interface WithConditions<C> {
  conditions?: readonly C[] | undefined;
}

/** The condition of `type`, if the status has one. */
export function findCondition<C extends { type: string }>(
  status: WithConditions<C> | undefined,
  type: ConditionTypeName,
): C | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** Whether the status has the condition `type` and it is True. */
export function isTrue<C extends { type: string; status?: string }>(
  status: WithConditions<C> | undefined,
  type: ConditionTypeName,
): boolean {
  return findCondition(status, type)?.status === "True";
}

/**
 * What a node's report says about the spec it holds now:
 * - `applying`: the agent has not reported this generation yet;
 * - `failed`: it reported and something failed (Degraded=True), which takes
 *   from the rollout budget;
 * - `applied`: it holds every setting (Applied=True), or it only audits
 *   (AuditOnly: nothing is written, which is what Audit asks);
 * - `reported`: it reported this generation without either, which a rollout
 *   waits on as it waits on `applying`.
 */
export type NodeVerdict = "applying" | "failed" | "applied" | "reported";

type NodeReport = Pick<NodeNetworkTuning, "metadata" | "status">;

/** The verdict's rules, in order: the first that holds decides; none holding is `reported`. */
export const nodeVerdictRules: readonly {
  name: string;
  verdict: NodeVerdict;
  holds: (nnt: NodeReport) => boolean;
}[] = [
  {
    name: "this generation not reported yet",
    verdict: "applying",
    holds: (nnt) => nnt.status?.observedGeneration !== nnt.metadata.generation,
  },
  {
    name: "degraded",
    verdict: "failed",
    holds: (nnt) => isTrue(nnt.status, NodeConditionType.Degraded),
  },
  {
    name: "every setting applied, or only audited",
    verdict: "applied",
    holds: appliedOrAudited,
  },
];

function appliedOrAudited(nnt: NodeReport): boolean {
  const applied = findCondition(nnt.status, NodeConditionType.Applied);
  return applied?.status === "True" || applied?.reason === NodeConditionReason.AuditOnly;
}

export function nodeVerdict(nnt: NodeReport): NodeVerdict {
  return nodeVerdictRules.find((rule) => rule.holds(nnt))?.verdict ?? "reported";
}

/** The agent's message for a failing node, as its Degraded condition says it. */
export function degradedMessage(status: WithConditions<Condition> | undefined): string | undefined {
  const degraded = findCondition(status, NodeConditionType.Degraded);
  return degraded?.status === "True" ? degraded.message : undefined;
}

/**
 * Every per-setting result of a node report, whichever agent wrote it: each
 * entry of the applied map as an Applied result with that desired value, then
 * the settings list, each as written. A name may come twice, as the agent
 * reported it twice (the map holds a name once; the agent lists the second
 * in settings). An older agent replaces the whole status, map included.
 */
export function settingResults(
  status: Pick<NodeNetworkTuningStatus, "applied" | "settings"> | undefined,
): SettingResult[] {
  const applied = Object.entries(status?.applied ?? {}).map(([name, desired]): SettingResult => ({
    name,
    desired,
    state: "Applied",
  }));
  return [...applied, ...(status?.settings ?? [])];
}

/**
 * Whether the merged settings set a remedy's value themselves: an explicit
 * value always wins over autoTune. The operator grants no step for it and drops
 * a raise held before; the agent applies no raise for it.
 */
export function explicitlySet(
  spec: NodeNetworkTuningSpec,
  setting: string,
  iface?: string,
): boolean {
  if (setting === Remedy.ConntrackMax)
    return spec.conntrack?.max !== undefined || spec.conntrack?.maxPerCore !== undefined;
  const sysctl = remedySysctl[setting as keyof typeof remedySysctl];
  if (sysctl !== undefined) return spec.sysctls?.[sysctl] !== undefined;
  if (setting === Remedy.RingsRx)
    return (spec.interfaces ?? []).some(
      (entry) =>
        entry.rings?.rx !== undefined &&
        iface !== undefined &&
        entry.match.names?.includes(iface) === true,
    );
  return false;
}
