import { compact } from "../../../common/compact.ts";
import { formatCPUList } from "../../../api/helpers/cpu-list.ts";
import type {
  HostInventory,
  InterfaceInventory,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import type { InterfaceFacts, NodeFacts } from "./gather.ts";
import { readConntrackCounters } from "./host-counters.ts";
import { readIRQAffinities } from "./irq-affinity.ts";
import type { HostPaths } from "../host/paths.ts";
import { readResolvOptions, resolvConfManager } from "../host/resolv-conf.ts";

/** What the agent reports about the node, from facts it already gathered. */
export async function hostInventory(facts: NodeFacts, paths: HostPaths): Promise<HostInventory> {
  const nodes = new Map<number, number[]>();
  for (const [cpu, node] of facts.cpus.nodeOf) nodes.set(node, [...(nodes.get(node) ?? []), cpu]);
  const inventory: HostInventory = {
    kernel: facts.kernel,
    interfaces: await Promise.all(
      facts.interfaces.map(async (iface) =>
        interfaceInventory(
          iface,
          await readIRQAffinities(
            paths.root,
            paths.proc,
            iface.queueIRQs.map((q) => q.irq),
          ),
        ),
      ),
    ),
    cpus: {
      count: facts.cpus.online.length,
      online: formatCPUList(facts.cpus.online),
      numaNodes: [...nodes]
        .sort(([a], [b]) => a - b)
        .map(([id, cpus]) => ({ id, cpus: formatCPUList(cpus) })),
      smt: [...facts.cpus.siblingsOf.values()].some((siblings) => siblings.length > 1),
    },
    conntrack: await conntrackInventory(paths),
  };
  if (facts.irqbalanceRunning !== undefined) inventory.irqbalanceRunning = facts.irqbalanceRunning;
  // The inventory shows what it can: an unusable resolv.conf is left out, not fatal.
  const options = await readResolvOptions(paths.resolvConf, paths.root).catch(() => undefined);
  if (options !== undefined) {
    const managedBy = await resolvConfManager(paths.resolvConf);
    inventory.resolvConf = {
      options: options.split(/\s+/).filter(Boolean),
      ...(managedBy ? { managedBy } : {}),
    };
  }
  return inventory;
}

function interfaceInventory(
  iface: InterfaceFacts,
  affinities: Map<number, string>,
): InterfaceInventory {
  const inventory: InterfaceInventory = {
    name: iface.name,
    numaNode: iface.numaNode,
    physical: iface.physical,
    defaultRoute: iface.defaultRoute,
    rxQueues: iface.rxQueues,
    txQueues: iface.txQueues,
    irqs: iface.queueIRQs.map(({ irq, name, queue }) => {
      const affinity = affinities.get(irq);
      return affinity === undefined ? { irq, name, queue } : { irq, name, queue, affinity };
    }),
  };
  if (iface.driver !== undefined) inventory.driver = iface.driver;
  if (iface.pciDevice !== undefined) inventory.pciDevice = iface.pciDevice;
  if (iface.queueIRQsUnknown !== undefined) inventory.irqsUnknown = iface.queueIRQsUnknown;
  if (iface.speedMbps !== undefined) inventory.speedMbps = iface.speedMbps;
  if (iface.channels) {
    const { max, current } = iface.channels;
    const counts = {
      rx: current.rx,
      tx: current.tx,
      combined: current.combined,
      maxRx: max.rx,
      maxTx: max.tx,
      maxCombined: max.combined,
    };
    inventory.channels = compact(counts);
  }
  return inventory;
}

async function conntrackInventory(paths: HostPaths): Promise<HostInventory["conntrack"]> {
  const { count, max, buckets } = await readConntrackCounters(paths);
  return {
    ...(count === undefined ? {} : { count }),
    ...(max === undefined ? {} : { max }),
    ...(buckets === undefined ? {} : { buckets }),
  };
}
