import type { HousekeepingCPUs } from "./kubelet-cpus.ts";
import { parseCPUList } from "../../../api/helpers/cpu-list.ts";

export interface CPUTopology {
  online: number[];
  /** CPU → NUMA node; CPUs of an unknown node are absent. */
  nodeOf: Map<number, number>;
  /** CPU → its hyper-thread siblings, itself included. */
  siblingsOf: Map<number, number[]>;
  /** The CPUs the kubelet leaves to the system; read only when a spec asks for them. */
  housekeeping?: HousekeepingCPUs;
}

export interface RawTopology {
  online: string;
  /** CPU number → thread_siblings_list text. */
  siblings: Map<number, string>;
  /** NUMA node id → cpulist text. */
  nodes: Map<number, string>;
}

export function buildTopology(raw: RawTopology): CPUTopology {
  const online = parseCPUList(raw.online);
  const nodeOf = new Map<number, number>();
  for (const [node, list] of raw.nodes) for (const cpu of parseCPUList(list)) nodeOf.set(cpu, node);
  const siblingsOf = new Map<number, number[]>();
  for (const cpu of online) siblingsOf.set(cpu, parseCPUList(raw.siblings.get(cpu) ?? String(cpu)));
  return { online, nodeOf, siblingsOf };
}

/** The CPUs of a NUMA node that are online; every online CPU when the node is unknown. */
export function numaLocalCPUs(topology: CPUTopology, node: number): number[] {
  const local = topology.online.filter((cpu) => topology.nodeOf.get(cpu) === node);
  return node < 0 || local.length === 0 ? topology.online : local;
}

/** Whether the CPU is the first thread of its core (the one to use before siblings). */
export function isPrimaryThread(topology: CPUTopology, cpu: number): boolean {
  const siblings = topology.siblingsOf.get(cpu) ?? [cpu];
  return Math.min(...siblings) === cpu;
}
