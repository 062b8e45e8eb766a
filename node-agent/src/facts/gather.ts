import path from "node:path";
import type { FeatureState, PresetAndCurrent } from "../host/ethtool-parse.ts";
import type { Ethtool } from "../host/ethtool.ts";
import { HostDataError, listHostDir, readHostFile } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { runningIRQBalance } from "../host/irqbalance-socket.ts";
import { readQueueCounts, type QueueCounts } from "../host/queue-counts.ts";
import { isAddressableInterface } from "../host/targets.ts";
import type { CPUTopology } from "./cpu-topology.ts";
import { findKubeletCPUs, housekeepingCPUs } from "./kubelet-cpus.ts";
import { compact } from "../../../common/compact.ts";
import { parseInterrupts, queueIRQs, type QueueIRQ } from "./interrupts.ts";
import { pciFunction } from "./pci.ts";
import { exists, readBootId, readText, undefinedOnHostData } from "./read.ts";
import {
  defaultRouteInterfaces,
  driverFromSysfs,
  gatherTopology,
  isInitialNetns,
} from "./node-layout.ts";

/** A device's queue counts; none when its queues directory in sysfs cannot be read. */
async function queueCountsOf(root: string, deviceDir: string): Promise<QueueCounts> {
  return (await readQueueCounts(root, deviceDir)) ?? { rx: 0, tx: 0 };
}

export interface InterfaceFacts {
  name: string;
  driver?: string;
  physical: boolean;
  defaultRoute: boolean;
  numaNode: number;
  rxQueues: number;
  txQueues: number;
  speedMbps?: number;
  /** undefined where ethtool cannot query it: the driver does not support it. */
  channels?: PresetAndCurrent;
  rings?: PresetAndCurrent;
  coalesce?: Record<string, string | undefined>;
  features?: Map<string, FeatureState>;
  queueIRQs: QueueIRQ[];
  /** The PCI function's vendor:device, such as "8086:1572"; absent off PCI. */
  pciDevice?: string;
  /** Why the device's vectors could not be told apart as queues (a driver whose naming is not known). */
  queueIRQsUnknown?: string;
  /** The ethtool queries whose answers could not be read, with why. */
  unreadable?: Partial<Record<EthtoolQuery, string>>;
}

export interface NodeFacts {
  interfaces: InterfaceFacts[];
  cpus: CPUTopology;
  /** Why the CPU topology could not be read; then cpus lists no CPU at all. */
  cpusUnreadable?: string;
  /** Why /proc/interrupts could not be read; then no IRQ is known to belong to a queue. */
  interruptsUnreadable?: string;
  /** Every IRQ /proc/interrupts names, by number (device IRQs; per-CPU ones have no number). */
  irqs?: { irq: number; name: string }[];
  /** False inside a network namespace other than the host's. */
  initialNetns: boolean;
  /** Undefined when the kernel's boot id cannot be read: nothing is written then. */
  bootId: string | undefined;
  kernel: string;
  /** Absent when not looked for. */
  irqbalanceRunning?: boolean;
  /** The IRQs a running irqbalance leaves alone; looked for only when bans are wanted. */
  irqbalanceBanned?: number[];
  /** Why irqbalance's control socket did not answer, when bans are wanted. */
  irqbalanceSocketProblem?: string;
}

export interface GatherDeps {
  paths: HostPaths;
  ethtool: Ethtool;
}

export type EthtoolQuery = "channels" | "rings" | "coalesce" | "features";

export interface GatherScope {
  /** Only these interfaces; every one but lo when absent. */
  interfaces?: Set<string>;
  /** Only these ethtool queries; all of them when absent (for the inventory). */
  queries?: Set<EthtoolQuery>;
  /** Whether to look for irqbalance among the processes; true when absent. */
  irqbalance?: boolean;
  /** Whether to ask a running irqbalance which IRQs it leaves alone. */
  irqbalanceBans?: boolean;
  /** Whether to read the kubelet's CPU reservation and CPU manager state. */
  housekeeping?: boolean;
}

/** Reads what the planners need to know about the node; writes nothing. */
export async function gatherNodeFacts(
  deps: GatherDeps,
  scope: GatherScope = {},
): Promise<NodeFacts> {
  const only = scope.interfaces;
  const { paths } = deps;
  const names = (await listHostDir(paths.root, path.join(paths.sys, "class/net"))).filter(
    (name) => name !== "lo" && (only === undefined || only.has(name)),
  );
  const defaults = await defaultRouteInterfaces(paths.root, paths.proc);
  const { interrupts, interruptsUnreadable } = await readInterrupts(paths);
  const identities = new Set<string>();
  const interfaces = await Promise.all(
    names
      .sort()
      .map((name) =>
        gatherInterface(deps, name, defaults.has(name), interrupts, scope.queries, identities),
      ),
  );
  if (only === undefined) deps.ethtool.forgetDriverInfoExcept(identities);
  const topology = await gatherTopology(paths.root, paths.sys);
  if (scope.housekeeping)
    topology.cpus.housekeeping = housekeepingCPUs(
      await findKubeletCPUs(paths),
      topology.cpus.online,
    );
  return {
    interfaces,
    ...topology,
    initialNetns: await isInitialNetns(paths.root, paths.proc),
    bootId: await readBootId(paths.root, paths.proc),
    kernel: (await readText(paths.root, path.join(paths.proc, "sys/kernel/osrelease"))).trim(),
    irqs: namedIRQs(interrupts),
    ...(interruptsUnreadable === undefined ? {} : { interruptsUnreadable }),
    ...(scope.irqbalance === false ? {} : await gatherIRQBalance(paths.proc, scope)),
  };
}

function namedIRQs(interrupts: ReadonlyMap<number, string>): { irq: number; name: string }[] {
  return [...interrupts].map(([irq, name]) => ({ irq, name })).sort((a, b) => a.irq - b.irq);
}

/**
 * /proc/interrupts, the only map from a queue to its IRQ. Unreadable (over the
 * cap, not a file) is said, never taken for "no queue IRQs".
 */
async function readInterrupts(
  paths: HostPaths,
): Promise<{ interrupts: Map<number, string>; interruptsUnreadable?: string }> {
  try {
    const text = await readHostFile(paths.root, path.join(paths.proc, "interrupts"));
    return { interrupts: parseInterrupts(text ?? "") };
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    return { interrupts: new Map(), interruptsUnreadable: cause.message };
  }
}

async function gatherIRQBalance(
  proc: string,
  scope: GatherScope,
): Promise<Pick<NodeFacts, "irqbalanceRunning" | "irqbalanceBanned" | "irqbalanceSocketProblem">> {
  const socket = await runningIRQBalance(proc);
  if (socket === undefined) return { irqbalanceRunning: false };
  if (scope.irqbalanceBans !== true) return { irqbalanceRunning: true };
  try {
    const banned = await socket.banned();
    return { irqbalanceRunning: true, irqbalanceBanned: banned };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
    return {
      irqbalanceRunning: true,
      irqbalanceSocketProblem: `its control socket did not answer (${code})`,
    };
  }
}

async function gatherInterface(
  deps: GatherDeps,
  name: string,
  defaultRoute: boolean,
  interrupts: Map<number, string>,
  queries: Set<EthtoolQuery> | undefined,
  identities: Set<string>,
): Promise<InterfaceFacts> {
  const { root } = deps.paths;
  const base = path.join(deps.paths.sys, "class/net", name);
  const counts = await queueCountsOf(root, base);
  const physical = await exists(root, path.join(base, "device"));
  const pci = physical ? await pciFunction(root, base) : undefined;
  // A device's driver is its sysfs link; only a virtual one (veth, bridge) needs `ethtool -i`.
  const sysfsDriver = await driverFromSysfs(root, base);
  const identity = sysfsDriver === undefined ? await deviceIdentity(root, base, name) : undefined;
  if (identity !== undefined) identities.add(identity);
  const { info, channels, rings, coalesce, features, unreadable } = await askEthtool(
    deps.ethtool,
    name,
    queries,
    identity,
  );
  const driver = sysfsDriver ?? info?.driver;
  const irqs = queueIRQs({ driver, name }, pci?.msiIRQs ?? [], interrupts);
  const facts: InterfaceFacts = {
    name,
    physical,
    defaultRoute,
    numaNode: numaNodeOf(pci),
    rxQueues: counts.rx,
    txQueues: counts.tx,
    queueIRQs: irqs.queues,
  };
  const speedMbps = await linkSpeedMbps(root, base);
  if (Object.keys(unreadable).length > 0) facts.unreadable = unreadable;
  return Object.assign(
    facts,
    compact({ driver, speedMbps, channels, rings, coalesce, features }),
    compact({ pciDevice: pci?.pciDevice, queueIRQsUnknown: irqs.unknown }),
  );
}

/** The PCI function's NUMA node, -1 when unknown. */
function numaNodeOf(pci: { numaNode: string } | undefined): number {
  const numa = Number(pci?.numaNode.trim() || "-1");
  return Number.isFinite(numa) ? numa : -1;
}

/** The link speed, when the device knows it (sysfs says -1 or refuses the read when it does not). */
async function linkSpeedMbps(root: string, base: string): Promise<number | undefined> {
  const speed = Number((await readText(root, path.join(base, "speed"))).trim());
  return Number.isInteger(speed) && speed > 0 ? speed : undefined;
}

/** A name is a new device when its ifindex changes; until then its driver does not. */
async function deviceIdentity(root: string, base: string, name: string): Promise<string> {
  return `${name}#${(await readText(root, path.join(base, "ifindex"))).trim()}`;
}

/**
 * The ethtool answers the scope wants, and the queries whose answers could
 * not be read. ethtool takes the name as an argument: a name it could read
 * as something else is not asked about at all.
 */
async function askEthtool(
  ethtool: Ethtool,
  name: string,
  queries: Set<EthtoolQuery> | undefined,
  /** Set when the driver must come from `ethtool -i`: the device's identity. */
  driverIdentity: string | undefined,
) {
  const addressable = isAddressableInterface(name);
  const unreadable: Partial<Record<EthtoolQuery, string>> = {};
  const ask = async <T>(query: EthtoolQuery, answer: () => Promise<T>): Promise<T | undefined> => {
    if (!addressable || (queries !== undefined && !queries.has(query))) return undefined;
    try {
      return await answer();
    } catch (cause) {
      if (!(cause instanceof HostDataError)) throw cause;
      unreadable[query] = cause.message;
      return undefined;
    }
  };
  const [info, channels, rings, coalesce, features] = await Promise.all([
    addressable && driverIdentity !== undefined
      ? ethtool.driverInfo(name, driverIdentity).catch(undefinedOnHostData)
      : undefined,
    ask("channels", () => ethtool.channels(name)),
    ask("rings", () => ethtool.rings(name)),
    ask("coalesce", () => ethtool.coalesce(name)),
    ask("features", () => ethtool.features(name)),
  ]);
  return { info, channels, rings, coalesce, features, unreadable };
}

/**
 * Queue counts and queue IRQs re-read, after channel changes re-created the
 * queues (a driver may free and request its vectors again).
 */
export async function refreshQueueCounts(
  facts: NodeFacts,
  paths: HostPaths,
  devices: Set<string>,
): Promise<NodeFacts> {
  const { interrupts, interruptsUnreadable } = await readInterrupts(paths);
  const interfaces = await Promise.all(
    facts.interfaces.map(async (iface) => {
      if (!devices.has(iface.name)) return iface;
      const base = path.join(paths.sys, "class/net", iface.name);
      const counts = await queueCountsOf(paths.root, base);
      const pci = await pciFunction(paths.root, base);
      const irqs = queueIRQs(iface, pci?.msiIRQs ?? [], interrupts);
      const { queueIRQsUnknown: _stale, ...rest } = iface;
      return {
        ...rest,
        rxQueues: counts.rx,
        txQueues: counts.tx,
        queueIRQs: irqs.queues,
        ...(irqs.unknown === undefined ? {} : { queueIRQsUnknown: irqs.unknown }),
      };
    }),
  );
  const refreshed = { ...facts, interfaces, irqs: namedIRQs(interrupts) };
  if (interruptsUnreadable !== undefined) refreshed.interruptsUnreadable = interruptsUnreadable;
  return refreshed;
}
