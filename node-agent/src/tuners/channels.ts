import type { ChannelsTuning, QueueCount } from "../../../api/v1alpha1/interfaces.ts";
import { numaLocalCPUs } from "../facts/cpu-topology.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { clampedStep, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

const params = ["combined", "rx", "tx"] as const;

/** Hardware queue counts: resolved against the pre-set maxima and clamped to them. */
export function planChannels(desired: ChannelsTuning, context: InterfaceContext): PlannedSetting[] {
  const { iface, source } = context;
  const planned: PlannedSetting[] = [];
  for (const param of params) {
    const wanted = desired[param];
    if (wanted === undefined) continue;
    const name = `${iface.name}/channels.${param}`;
    const max = iface.channels?.max[param];
    if (iface.channels === undefined || max === undefined || max === 0) {
      planned.push(
        verdict(
          name,
          String(wanted),
          "Unsupported",
          SettingReason.NotSupportedByDriver,
          `${iface.name} channels ${param}=${wanted}: driver ${iface.driver ?? "unknown"} has no ${param} channels`,
          source,
        ),
      );
      continue;
    }
    planned.push(
      clampedStep(
        name,
        resolveCount(wanted, max, context),
        wanted,
        max,
        { kind: "ethtool", device: iface.name, group: "channels", param },
        source,
      ),
    );
  }
  return planned;
}

function resolveCount(wanted: QueueCount, max: number, { iface, cpus }: InterfaceContext): number {
  if (typeof wanted === "number") return Math.min(wanted, max);
  if (wanted === "cpus") return Math.min(cpus.online.length, max);
  if (wanted === "numa-local-cpus")
    return Math.min(numaLocalCPUs(cpus, iface.numaNode).length, max);
  if (wanted === "housekeeping-cpus")
    return Math.min((cpus.housekeeping?.cpus ?? cpus.online).length, max);
  return max;
}
