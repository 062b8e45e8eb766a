import type { EthtoolQuery, InterfaceFacts, NodeFacts } from "../facts/gather.ts";
import { checkTarget, RefusedTargetError } from "../model/targets.ts";
import { SettingReason, type SettingReasonName } from "../../../api/v1alpha1/reasons.ts";
import { verdict, type PlannedSetting } from "../tuners/types.ts";

/**
 * The planned settings the host's own answers rule out, each turned into a
 * Failed verdict of its own so that the rest of the plan goes ahead: a target
 * the allowlist refuses (an interface name NetTune cannot address, such as
 * "x@y"), or an ethtool group whose answer could not be read.
 */
export function withHostProblems(planned: PlannedSetting[], facts: NodeFacts): PlannedSetting[] {
  const unreadable = new Map<string, string>();
  for (const iface of facts.interfaces)
    for (const [query, problem] of Object.entries(iface.unreadable ?? {}))
      unreadable.set(`${iface.name}/${settingPrefix[query as EthtoolQuery]}`, problem);
  return planned.map((setting) => {
    // Planned from an answer that could not be read, the setting may even look unsupported.
    const [iface, group] = setting.name.split("/");
    const problem = unreadable.get(`${iface ?? ""}/${group?.split(".")[0] ?? ""}`);
    if (problem !== undefined) return failed(setting, SettingReason.UnreadableHostValue, problem);
    if (!setting.target) return setting;
    try {
      checkTarget(setting.target);
      return setting;
    } catch (cause) {
      if (!(cause instanceof RefusedTargetError)) throw cause;
      return failed(setting, SettingReason.Refused, cause.message);
    }
  });
}

// How setting names start for the settings each ethtool query informs ("eth0/offloads.gro").
const settingPrefix: Record<EthtoolQuery, string> = {
  channels: "channels",
  rings: "rings",
  coalesce: "coalesce",
  features: "offloads",
};

/** With no readable CPU topology, the CPU-placed settings of an interface fail as a whole. */
export function cpuSettingsFailed(
  iface: InterfaceFacts,
  settings: { rps?: unknown; xps?: unknown; irqAffinity?: unknown },
  why: string,
  source?: string,
): PlannedSetting[] {
  return (["rps", "xps", "irqAffinity"] as const)
    .filter((key) => settings[key] !== undefined)
    .map((key) =>
      verdict(`${iface.name}/${key}`, "", "Failed", SettingReason.UnreadableHostValue, why, source),
    );
}

function failed(
  setting: PlannedSetting,
  reason: SettingReasonName,
  message: string,
): PlannedSetting {
  const { target: _target, ...rest } = setting;
  return { ...rest, verdict: { state: "Failed", reason, message } };
}
