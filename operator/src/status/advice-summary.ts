// What a tuning's matched nodes advise, counted: one entry per symptom and
// advised setting, most nodes first, for the tuning's status and its Advice
// column. Each node's own advice, with its evidence, stays in its
// NodeNetworkTuning.
import type { Advice, AdviceSummary } from "../../../api/v1alpha1/advice.ts";
import type { NetworkTuningStatus } from "../../../api/v1alpha1/network-tuning.ts";

const maxEntries = 16;
const namesPerEntry = 5;

export function adviceSummary(
  nodes: { name: string; advice: Advice[] | undefined }[],
): Pick<NetworkTuningStatus, "advisedNodes" | "advice"> {
  const groups = new Map<string, { entry: AdviceSummary; names: string[] }>();
  let advisedNodes = 0;
  for (const { name, advice } of nodes) {
    if (!advice || advice.length === 0) continue;
    advisedNodes++;
    for (const item of advice) {
      const setting = item.remedy?.setting;
      const key = `${item.symptom}\n${setting ?? ""}`;
      const group = groups.get(key) ?? {
        entry: { symptom: item.symptom, ...(setting ? { setting } : {}), nodes: 0 },
        names: [],
      };
      // A node that shows the same symptom on two interfaces counts once.
      if (group.names.at(-1) !== name) {
        group.entry.nodes++;
        group.names.push(name);
      }
      groups.set(key, group);
    }
  }
  const advice = [...groups.values()]
    .map(({ entry, names }) => ({
      ...entry,
      nodeNames: [...names].sort().slice(0, namesPerEntry),
    }))
    .sort(
      (a, b) =>
        b.nodes - a.nodes ||
        a.symptom.localeCompare(b.symptom) ||
        (a.setting ?? "").localeCompare(b.setting ?? ""),
    )
    .slice(0, maxEntries);
  return advice.length > 0 ? { advisedNodes, advice } : { advisedNodes };
}
