// NodeNetworkInventory: one node's hardware and configuration, apart from its
// NodeNetworkTuning so that the report written on every change does not carry
// it (docs/adr/0014). Served from v1beta1 on.
import type { ObjectMeta } from "./meta.ts";
import type { HostInventory } from "./inventory.ts";

/**
 * NodeNetworkInventory is what a node's agent found on its node: NICs, drivers,
 * queue counts and IRQs, CPUs and NUMA nodes, the conntrack table's size and the
 * resolver's options. It is named after its node, owned by the Node, and written
 * only by that node's agent, only when those facts change.
 */
export interface NodeNetworkInventory {
  /** nettune.io/v1beta1 (the kind is new in v1beta1). */
  apiVersion: string;
  /** NodeNetworkInventory */
  kind: string;
  /** Standard object metadata; the name is the node's. */
  metadata: ObjectMeta;
  /** What the agent found; the conntrack entry count is left out (it changes all the time). */
  status?: HostInventory;
}
