// Which of a tuning's nodes run a value its autoTune raised: one entry per
// setting with the node count, how many sit at the ceiling with the symptom
// still there, and the highest value, for the tuning's status and its Raised
// column. Each node's own raises, with their evidence, are in its
// NodeNetworkTuning's spec.
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import {
  autoTuneCeilingOf,
  type AutoRaise,
  type AutoRaiseSummary,
} from "../../../api/v1alpha1/auto-tune.ts";
import type { NetworkTuningStatus } from "../../../api/v1alpha1/network-tuning.ts";
import type { AutoTuneSettings } from "../../../api/v1alpha1/auto-tune.ts";
import { keyOf } from "../rollout/auto-raise.ts";

const maxEntries = 8;
const namesPerEntry = 5;

interface NodeRaises {
  name: string;
  raised: readonly AutoRaise[] | undefined;
  advice: readonly Advice[] | undefined;
}

/** Whether the node holds `raise` at the tuning's ceiling and still advises more of it. */
function atCeiling(
  raise: AutoRaise,
  advice: readonly Advice[],
  autoTune: AutoTuneSettings | undefined,
): boolean {
  const key = autoTuneCeilingOf[raise.setting];
  const ceiling = key === undefined ? undefined : autoTune?.ceilings[key];
  if (ceiling === undefined || Number(raise.value) < ceiling) return false;
  return advice.some(
    (a) =>
      a.remedy !== undefined &&
      keyOf(a.remedy) === keyOf(raise) &&
      Number(a.remedy.value) > ceiling,
  );
}

interface Group {
  entry: AutoRaiseSummary;
  names: Set<string>;
}

/** Counts one node's raise of a setting into its group. */
function count(groups: Map<string, Group>, node: string, raise: AutoRaise, ceiling: boolean): void {
  const group = groups.get(raise.setting) ?? {
    entry: { setting: raise.setting, nodes: 0, atCeiling: 0, highest: raise.value },
    names: new Set<string>(),
  };
  if (!group.names.has(node)) {
    group.names.add(node);
    group.entry.nodes++;
  }
  if (ceiling) group.entry.atCeiling++;
  if (Number(raise.value) > Number(group.entry.highest)) group.entry.highest = raise.value;
  groups.set(raise.setting, group);
}

export function autoRaiseSummary(
  tuning: string,
  autoTune: AutoTuneSettings | undefined,
  nodes: readonly NodeRaises[],
): Pick<NetworkTuningStatus, "autoRaisedNodes" | "autoRaised"> {
  const groups = new Map<string, Group>();
  let raisedNodes = 0;
  for (const { name, raised, advice } of nodes) {
    const own = (raised ?? []).filter((raise) => raise.source === tuning);
    if (own.length > 0) raisedNodes++;
    for (const raise of own) count(groups, name, raise, atCeiling(raise, advice ?? [], autoTune));
  }
  if (autoTune === undefined && raisedNodes === 0) return {};
  const autoRaised = [...groups.values()]
    .map(({ entry, names }) => ({ ...entry, nodeNames: [...names].sort().slice(0, namesPerEntry) }))
    .sort((a, b) => b.nodes - a.nodes || a.setting.localeCompare(b.setting))
    .slice(0, maxEntries);
  return autoRaised.length > 0
    ? { autoRaisedNodes: raisedNodes, autoRaised }
    : { autoRaisedNodes: 0 };
}
