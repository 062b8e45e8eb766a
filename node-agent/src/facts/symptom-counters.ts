import path from "node:path";
import { compact } from "../../../common/compact.ts";
import type { Ethtool } from "../host/ethtool.ts";
import type { HostPaths } from "../host/paths.ts";
import {
  readConntrackCounters,
  readNICDrops,
  readSoftnet,
  type ConntrackCounters,
  type SoftnetRow,
} from "./host-counters.ts";
import { parseNetstat } from "./netstat.ts";
import { ringCountersOf } from "./ring-counters.ts";
import { readText, readWholeNumber, undefinedOnHostData } from "./read.ts";

/** The counters the detectors compare between two moments; a counter this node lacks is absent. */
export interface CounterSample {
  atMs: number;
  conntrack: ConntrackCounters;
  /** Empty when /proc/net/softnet_stat cannot be read. */
  softnet: SoftnetRow[];
  /** Per interface, its drop and error counters from sysfs and its driver's ring counters ("ethtool -S name"). */
  nics: Record<string, Record<string, number>>;
  /** TcpExt counters by name (ListenOverflows, ListenDrops). */
  tcp: Record<string, number>;
}

/** The values a remedy starts from and may not pass. */
export interface NodeBounds {
  cpus: number;
  memTotalBytes?: number;
  conntrackMax?: number;
  sysctls: Partial<Record<"somaxconn" | "netdev_max_backlog" | "netdev_budget", number>>;
  /** Each interface's RX ring: what it has and its pre-set maximum. */
  rxRings: Record<string, { current?: number; max?: number }>;
}

const tcpCounters = ["ListenOverflows", "ListenDrops"];

/** The counters that say a NIC had nowhere to put packets. */
export const missedCounters = ["rx_missed_errors", "rx_fifo_errors", "rx_over_errors"] as const;

/** The prefix of a counter read from the driver (`ethtool -S`) rather than sysfs. */
export const driverCounterPrefix = "ethtool -S ";

/** Reads a NIC driver's own ring counters: its driver and `ethtool -S`. */
export interface DriverCounters {
  driverOf: (iface: string) => string | undefined;
  statistics: Pick<Ethtool, "statistics">["statistics"];
}

/** One sample; NIC counters of the `physical` interfaces only (see PhysicalNICs). */
export async function readCounterSample(
  paths: HostPaths,
  atMs: number,
  physical: readonly string[],
  driverCounters?: DriverCounters,
): Promise<CounterSample> {
  const [conntrack, softnet, drops, ringDrops, netstat] = await Promise.all([
    readConntrackCounters(paths),
    readSoftnet(paths),
    // Only what NICMissedPackets judges: three files a NIC, not five.
    readNICDrops(paths, missedCounters, physical),
    driverCounters ? readRingDrops(driverCounters, physical) : [],
    readText(paths.root, path.join(paths.proc, "net/netstat")).then(parseNetstat),
  ]);
  const nics: CounterSample["nics"] = {};
  for (const { iface, counter, value } of [...drops, ...ringDrops])
    (nics[iface] ??= {})[counter] = value;
  const tcp: CounterSample["tcp"] = {};
  for (const name of tcpCounters) {
    const value = netstat.get(`TcpExt ${name}`);
    if (value !== undefined) tcp[name] = value;
  }
  return { atMs, conntrack, softnet, nics, tcp };
}

/**
 * The ring counters of the NICs whose drivers name them (ring-counters.ts),
 * one `ethtool -S` each; a driver that does not answer adds none.
 */
async function readRingDrops(
  driverCounters: DriverCounters,
  physical: readonly string[],
): Promise<{ iface: string; counter: string; value: number }[]> {
  const rows = await Promise.all(
    physical.map(async (iface) => {
      const names = ringCountersOf(driverCounters.driverOf(iface));
      if (names.length === 0) return [];
      const stats = await driverCounters.statistics(iface).catch(undefinedOnHostData);
      return names.flatMap((name) => {
        const value = stats?.get(name);
        return value === undefined ? [] : [{ iface, counter: driverCounterPrefix + name, value }];
      });
    }),
  );
  return rows.flat();
}

/** MemTotal from /proc/meminfo, in bytes. */
export async function readMemTotal(paths: HostPaths): Promise<number | undefined> {
  const text = await readText(paths.root, path.join(paths.proc, "meminfo"));
  const kib = /^MemTotal:\s+(\d+) kB$/m.exec(text)?.[1];
  return kib === undefined ? undefined : Number(kib) * 1024;
}

export async function readCoreSysctls(paths: HostPaths): Promise<NodeBounds["sysctls"]> {
  const sysctls: NodeBounds["sysctls"] = {};
  for (const name of ["somaxconn", "netdev_max_backlog", "netdev_budget"] as const) {
    const value = await readWholeNumber(paths.root, path.join(paths.proc, "sys/net/core", name));
    if (value !== undefined) sysctls[name] = value;
  }
  return sysctls;
}

/** The bounds the remedies need: RX rings only of the interfaces named (ethtool -g each). */
export async function readNodeBounds(
  paths: HostPaths,
  ethtool: Pick<Ethtool, "rings">,
  last: CounterSample,
  ringsOf: string[],
): Promise<NodeBounds> {
  const rxRings: NodeBounds["rxRings"] = {};
  for (const name of ringsOf) {
    const rings = await ethtool.rings(name).catch(undefinedOnHostData);
    rxRings[name] = compact({ current: rings?.current.rx, max: rings?.max.rx });
  }
  const memTotalBytes = await readMemTotal(paths);
  const bounds: NodeBounds = {
    cpus: last.softnet.length,
    sysctls: await readCoreSysctls(paths),
    rxRings,
  };
  if (memTotalBytes !== undefined) bounds.memTotalBytes = memTotalBytes;
  if (last.conntrack.max !== undefined) bounds.conntrackMax = last.conntrack.max;
  return bounds;
}
