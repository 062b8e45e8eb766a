import type { CoalesceTuning } from "../../../api/v1alpha1/interfaces.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

const ethtoolNames: Record<keyof CoalesceTuning, string> = {
  adaptiveRx: "adaptive-rx",
  adaptiveTx: "adaptive-tx",
  rxUsecs: "rx-usecs",
  txUsecs: "tx-usecs",
  rxFrames: "rx-frames",
  txFrames: "tx-frames",
};

/** Interrupt coalescing; a field the driver reports as n/a is unsupported. */
export function planCoalesce(
  desired: CoalesceTuning,
  { iface, source }: InterfaceContext,
): PlannedSetting[] {
  const planned: PlannedSetting[] = [];
  for (const [field, param] of Object.entries(ethtoolNames) as [keyof CoalesceTuning, string][]) {
    const wanted = desired[field];
    if (wanted === undefined) continue;
    const value = typeof wanted === "boolean" ? (wanted ? "on" : "off") : String(wanted);
    const name = `${iface.name}/coalesce.${param}`;
    if (iface.coalesce?.[param] === undefined) {
      planned.push(
        verdict(
          name,
          value,
          "Unsupported",
          SettingReason.NotSupportedByDriver,
          `${iface.name} coalesce ${param}=${value}: driver ${iface.driver ?? "unknown"} does not support it`,
          source,
        ),
      );
      continue;
    }
    planned.push(
      step(name, value, { kind: "ethtool", device: iface.name, group: "coalesce", param }, source),
    );
  }
  return planned;
}
