import { formatCPUMask } from "../../../api/helpers/cpu-list.ts";
import type { RPSTuning } from "../../../api/v1alpha1/steering.ts";
import { resolveCPUSet } from "./cpu-sets.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** rps_cpus for every RX queue and, with flowEntries, rps_flow_cnt per queue. */
export function planRPS(desired: RPSTuning, context: InterfaceContext): PlannedSetting[] {
  const { iface, cpus, source } = context;
  const planned: PlannedSetting[] = [];
  const queues = Array.from({ length: iface.rxQueues }, (_, index) => index);
  if (desired.cpus !== undefined) {
    const resolved = resolveCPUSet(desired.cpus, cpus, iface.numaNode, context.cpuSets);
    if ("error" in resolved) {
      planned.push(
        verdict(
          `${iface.name}/rps.cpus`,
          desired.cpus,
          "Invalid",
          SettingReason.Refused,
          `${iface.name} rps cpus=${desired.cpus}: ${resolved.error}`,
          source,
        ),
      );
    } else {
      const mask = formatCPUMask(resolved.cpus);
      for (const queue of queues) {
        planned.push(
          step(
            `${iface.name}/rx-${queue}/rps_cpus`,
            mask,
            { kind: "sys", path: `class/net/${iface.name}/queues/rx-${queue}/rps_cpus` },
            source,
          ),
        );
      }
    }
  }
  if (desired.flowEntries !== undefined) {
    const perQueue = flowCountPerQueue(desired.flowEntries, iface.rxQueues);
    for (const queue of queues) {
      planned.push(
        step(
          `${iface.name}/rx-${queue}/rps_flow_cnt`,
          String(perQueue),
          { kind: "sys", path: `class/net/${iface.name}/queues/rx-${queue}/rps_flow_cnt` },
          source,
        ),
      );
    }
  }
  return planned;
}

/** entries / queues, rounded up to a power of two (the kernel rounds the same way); 0 stays 0. */
export function flowCountPerQueue(entries: number, queues: number): number {
  if (entries <= 0) return 0;
  const share = Math.ceil(entries / Math.max(1, queues));
  return 2 ** Math.ceil(Math.log2(share));
}

/** The node-wide RFS table: the largest flowEntries any tuned interface asks for. */
export function planSockFlowEntries(
  requests: { flowEntries: number; source?: string }[],
): PlannedSetting[] {
  if (requests.length === 0) return [];
  const largest = requests.reduce((a, b) => (b.flowEntries > a.flowEntries ? b : a));
  return [
    step(
      "sysctl/net.core.rps_sock_flow_entries",
      String(largest.flowEntries),
      { kind: "proc", path: "sys/net/core/rps_sock_flow_entries" },
      largest.source,
    ),
  ];
}
