import { readdir } from "node:fs/promises";
import path from "node:path";

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
export async function readQueueCounts(deviceDir: string): Promise<QueueCounts | undefined> {
  const entries = await readdir(path.join(deviceDir, "queues")).catch(() => undefined);
  return entries && countQueues(entries);
}

/** The queue counts of /sys/class/net/DEVICE under `sys`; undefined when the device has no queues directory. */
export function sysfsQueueCounts(
  sys: string,
): (device: string) => Promise<QueueCounts | undefined> {
  return (device) => readQueueCounts(path.join(sys, "class/net", device));
}
