import type { RingsTuning } from "../../../api/v1alpha1/interfaces.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { clampedStep, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** RX/TX ring sizes, clamped to the pre-set maximum. */
export function planRings(
  desired: RingsTuning,
  { iface, source }: InterfaceContext,
): PlannedSetting[] {
  const planned: PlannedSetting[] = [];
  for (const param of ["rx", "tx"] as const) {
    const wanted = desired[param];
    if (wanted === undefined) continue;
    const name = `${iface.name}/rings.${param}`;
    const max = iface.rings?.max[param];
    if (max === undefined || max === 0) {
      planned.push(
        verdict(
          name,
          String(wanted),
          "Unsupported",
          SettingReason.NotSupportedByDriver,
          `${iface.name} rings ${param}=${wanted}: driver ${iface.driver ?? "unknown"} does not support ring changes`,
          source,
        ),
      );
      continue;
    }
    planned.push(
      clampedStep(
        name,
        wanted === "max" ? max : Math.min(Number(wanted), max),
        wanted,
        max,
        { kind: "ethtool", device: iface.name, group: "rings", param },
        source,
      ),
    );
  }
  return planned;
}
