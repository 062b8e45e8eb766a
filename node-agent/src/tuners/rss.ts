import type { RSSTuning } from "../../../api/v1alpha1/steering.ts";
import { step, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** Spreads the RSS table evenly over the first N RX queues, N clamped to the queues there are. */
export function planRSS(desired: RSSTuning, { iface, source }: InterfaceContext): PlannedSetting[] {
  const queues = Math.max(1, iface.rxQueues);
  const count = Math.min(desired.equalQueues, queues);
  const note = count < desired.equalQueues ? `clamped to the ${queues} RX queues` : undefined;
  return [
    step(
      `${iface.name}/rss.equal`,
      String(count),
      { kind: "ethtool", device: iface.name, group: "rss", param: "equal" },
      source,
      note,
    ),
  ];
}
