import path from "node:path";
import { hostPathExists, listHostDir } from "./host-read.ts";

/** How many RX and TX queues a device has now: its rx-N and tx-N directories in sysfs. */
export interface QueueCounts {
  rx: number;
  tx: number;
}

export function countQueues(entries: readonly string[]): QueueCounts {
  return {
    rx: entries.filter((entry) => entry.startsWith("rx-")).length,
    tx: entries.filter((entry) => entry.startsWith("tx-")).length,
  };
}

/** The queue counts of a device's sysfs directory; undefined when it has no queues directory. */
export async function readQueueCounts(
  root: string,
  deviceDir: string,
): Promise<QueueCounts | undefined> {
  const queues = path.join(deviceDir, "queues");
  if (!(await hostPathExists(root, queues))) return undefined;
  return countQueues(await listHostDir(root, queues));
}

/** The queue counts of /sys/class/net/DEVICE under `sys`; undefined when the device has no queues directory. */
export function sysfsQueueCounts(
  root: string,
  sys: string,
): (device: string) => Promise<QueueCounts | undefined> {
  return (device) => readQueueCounts(root, path.join(sys, "class/net", device));
}
