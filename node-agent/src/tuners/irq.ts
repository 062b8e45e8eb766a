import { formatCPUList } from "../../../api/helpers/cpu-list.ts";
import type { IRQAffinityTuning } from "../../../api/v1alpha1/interfaces.ts";
import { isPrimaryThread, type CPUTopology } from "../facts/cpu-topology.ts";
import { resolveCPUSet } from "./cpu-sets.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

/**
 * Queue IRQ affinity. Spread gives queue q the q-th CPU of an order that
 * puts the NIC's NUMA node first and hyper-thread siblings last, so every
 * physical core takes one queue before any core takes two.
 */
export function planIRQAffinity(
  desired: IRQAffinityTuning,
  context: InterfaceContext,
): PlannedSetting[] {
  const { iface, cpus, source } = context;
  if (desired.policy === "Leave") return [];
  if (iface.queueIRQs.length === 0) return [noQueueIRQs(desired, context)];
  const resolved = resolveCPUSet(desired.cpus ?? "all", cpus, iface.numaNode, context.cpuSets);
  if ("error" in resolved) {
    return [
      verdict(
        `${iface.name}/irq-affinity`,
        desired.cpus ?? "all",
        "Invalid",
        SettingReason.Refused,
        `${iface.name} irqAffinity cpus=${desired.cpus ?? "all"}: ${resolved.error}`,
        source,
      ),
    ];
  }
  const order =
    desired.policy === "Pin"
      ? resolved.cpus
      : spreadOrder(
          resolved.cpus,
          cpus,
          iface.numaNode,
          desired.numaLocalFirst ?? true,
          desired.siblingsLast ?? true,
        );
  const pinned = desired.policy === "Pin" ? formatCPUList(order) : undefined;
  return iface.queueIRQs.map(({ irq, name, queue }) => {
    const cpuList = pinned ?? String(order[queue % order.length]);
    return step(
      `${iface.name}/irq/${irq}`,
      cpuList,
      { kind: "proc", path: `irq/${irq}/smp_affinity_list` },
      source,
      name,
    );
  });
}

/** Why there is nothing to place: the device has no queue IRQs, or they are not known. */
function noQueueIRQs(
  desired: IRQAffinityTuning,
  { iface, source }: InterfaceContext,
): PlannedSetting {
  const name = `${iface.name}/irq-affinity`;
  if (iface.queueIRQsUnknown !== undefined)
    return verdict(
      name,
      desired.policy,
      "Skipped",
      SettingReason.QueueIRQsUnknown,
      `${iface.name}: ${iface.queueIRQsUnknown}`,
      source,
    );
  return verdict(
    name,
    desired.policy,
    "Skipped",
    SettingReason.NoQueueIRQs,
    `${iface.name} has no queue IRQs${iface.physical ? "" : " (a virtual device)"}`,
    source,
  );
}

/** The order in which CPUs take queue IRQs. */
export function spreadOrder(
  allowed: number[],
  topology: CPUTopology,
  numaNode: number,
  numaLocalFirst: boolean,
  siblingsLast: boolean,
): number[] {
  const rank = (cpu: number): number => {
    const remote = numaLocalFirst && numaNode >= 0 && topology.nodeOf.get(cpu) !== numaNode ? 1 : 0;
    const sibling = siblingsLast && !isPrimaryThread(topology, cpu) ? 1 : 0;
    // Siblings last outranks NUMA locality: a remote physical core beats a local sibling thread.
    return sibling * 2 + remote;
  };
  return [...allowed].sort((a, b) => rank(a) - rank(b) || a - b);
}
