import { step, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** The transmit queue length, through sysfs (what `ip link set DEV txqueuelen N` changes). */
export function planTxQueueLength(
  length: number,
  { iface, source }: InterfaceContext,
): PlannedSetting[] {
  return [
    step(
      `${iface.name}/txqueuelen`,
      String(length),
      { kind: "sys", path: `class/net/${iface.name}/tx_queue_len` },
      source,
    ),
  ];
}
