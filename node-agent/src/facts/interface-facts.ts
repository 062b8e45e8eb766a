// One interface as the planners see it: its device, driver, queues, queue
// IRQs and the ethtool answers the spec needs (gather.ts reads the node around it).
import path from "node:path";
import type { KnownProcesses } from "./known-processes.ts";
import { compact } from "../../../common/compact.ts";
import type { FeatureState, PresetAndCurrent } from "../host/ethtool-parse.ts";
import type { Ethtool } from "../host/ethtool.ts";
import { HostDataError } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { readQueueCounts, type QueueCounts } from "../host/queue-counts.ts";
import { isAddressableInterface } from "../model/targets.ts";
import { queueIRQs, type QueueIRQ } from "./interrupts.ts";
import { driverFromSysfs } from "./node-layout.ts";
import { pciFunction } from "./pci.ts";
import { exists, readText, undefinedOnHostData } from "./read.ts";

export interface GatherDeps {
  paths: HostPaths;
  ethtool: Ethtool;
  /** A running agent's known command lines: its walks for the kubelet read only new processes. */
  processes?: KnownProcesses | undefined;
}

export type EthtoolQuery = "channels" | "rings" | "coalesce" | "features";

/** A device's queue counts; none when its queues directory in sysfs cannot be read. */
export async function queueCountsOf(root: string, deviceDir: string): Promise<QueueCounts> {
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

export async function gatherInterface(
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
