import { sameValue } from "../host/actuator.ts";
import { targetKey } from "../model/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";

/** Settings of one spec that would write different values to one kernel file. */
export interface SharedTarget {
  settings: PlannedSetting[];
  problem: string;
}

/**
 * Two settings that resolve to one target with different values (a sysctl
 * key that is also a dedicated field, such as net.core.rps_sock_flow_entries
 * beside rps.flowEntries): the second write would undo the first while both
 * report Applied, so the plan refuses them before any write.
 */
export function sharedTargets(planned: readonly PlannedSetting[]): SharedTarget[] {
  const byKey = new Map<string, PlannedSetting[]>();
  for (const setting of planned) {
    if (setting.target === undefined || setting.verdict !== undefined) continue;
    const key = targetKey(setting.target);
    byKey.set(key, [...(byKey.get(key) ?? []), setting]);
  }
  const shared: SharedTarget[] = [];
  for (const [key, settings] of byKey) {
    const [first, ...rest] = settings;
    if (first?.target === undefined) continue;
    const target = first.target;
    if (rest.every((other) => agree(target, first.desired, other.desired))) continue;
    const named = settings.map((s) => `${s.name}=${s.desired}`).join(" and ");
    shared.push({ settings, problem: `${named} both write ${key}` });
  }
  return shared;
}

function agree(target: NonNullable<PlannedSetting["target"]>, a: string, b: string): boolean {
  try {
    return sameValue(target, a, b);
  } catch {
    return a === b;
  }
}
