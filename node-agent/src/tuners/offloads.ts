import { canonicalFeature } from "../host/ethtool-parse.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** ethtool features on or off; fixed features that differ are unsupported. */
export function planOffloads(
  desired: Record<string, boolean>,
  { iface, source }: InterfaceContext,
): PlannedSetting[] {
  return Object.entries(desired).map(([feature, on]) => {
    const value = on ? "on" : "off";
    const name = `${iface.name}/offloads.${feature}`;
    const state = iface.features?.get(canonicalFeature(feature));
    if (iface.features === undefined) {
      return verdict(
        name,
        value,
        "Unsupported",
        SettingReason.NotSupportedByDriver,
        `${iface.name} offload ${feature}=${value}: driver ${iface.driver ?? "unknown"} reports no features`,
        source,
      );
    }
    if (state === undefined) {
      return verdict(
        name,
        value,
        "Unsupported",
        SettingReason.NoSuchFeature,
        `${iface.name} offload ${feature}=${value}: driver ${iface.driver ?? "unknown"} has no such feature`,
        source,
      );
    }
    if (state.fixed && state.active !== on) {
      return verdict(
        name,
        value,
        "Unsupported",
        SettingReason.FixedFeature,
        `${iface.name} offload ${feature}=${value}: fixed ${state.active ? "on" : "off"} by driver ${iface.driver ?? "unknown"}`,
        source,
      );
    }
    return step(
      name,
      value,
      { kind: "ethtool", device: iface.name, group: "features", param: feature },
      source,
    );
  });
}
