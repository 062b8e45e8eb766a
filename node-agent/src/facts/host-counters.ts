import path from "node:path";
import { listHostDir } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { parseConntrackStats } from "./conntrack-stats.ts";
import { readText, readWholeNumber } from "./read.ts";

export interface SoftnetRow {
  cpu: number;
  processed: number;
  dropped: number;
  timeSqueeze: number;
}

/**
 * /proc/net/softnet_stat: one line of hex columns per CPU (processed,
 * dropped, time_squeeze, ...). Kernels that print the CPU index put it in
 * column 13; older ones list online CPUs in order.
 */
export function parseSoftnetStat(text: string): SoftnetRow[] {
  return text
    .trim()
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      const columns = line
        .trim()
        .split(/\s+/)
        .map((value) => parseInt(value, 16));
      const cpu = columns.length >= 13 ? (columns[12] ?? index) : index;
      return {
        cpu,
        processed: columns[0] ?? 0,
        dropped: columns[1] ?? 0,
        timeSqueeze: columns[2] ?? 0,
      };
    });
}

export interface ConntrackCounters {
  count?: number;
  max?: number;
  /** The hash table's buckets (nf_conntrack_buckets). */
  buckets?: number;
  insertFailed?: number;
  drop?: number;
  earlyDrop?: number;
}

/** A whole number from /proc/sys/net/netfilter; undefined when absent (no nf_conntrack) or not a number. */
function netfilterNumber(paths: HostPaths, name: string): Promise<number | undefined> {
  return readWholeNumber(paths.root, path.join(paths.proc, "sys/net/netfilter", name));
}

/** nf_conntrack_max alone, for planning: a check needs nothing else of conntrack. */
export function readConntrackMax(paths: HostPaths): Promise<number | undefined> {
  return netfilterNumber(paths, "nf_conntrack_max");
}

export async function readConntrackCounters(paths: HostPaths): Promise<ConntrackCounters> {
  const stats = parseConntrackStats(
    await readText(paths.root, path.join(paths.proc, "net/stat/nf_conntrack")),
  );
  const counters: ConntrackCounters = {};
  const assign = (key: keyof ConntrackCounters, value: number | undefined): void => {
    if (value !== undefined) counters[key] = value;
  };
  assign("count", await netfilterNumber(paths, "nf_conntrack_count"));
  assign("max", await readConntrackMax(paths));
  assign("buckets", await netfilterNumber(paths, "nf_conntrack_buckets"));
  assign("insertFailed", stats.get("insert_failed"));
  assign("drop", stats.get("drop"));
  assign("earlyDrop", stats.get("early_drop"));
  return counters;
}

export async function readSoftnet(paths: HostPaths): Promise<SoftnetRow[]> {
  return parseSoftnetStat(await readText(paths.root, path.join(paths.proc, "net/softnet_stat")));
}

export const nicCounters = [
  "rx_dropped",
  "tx_dropped",
  "rx_missed_errors",
  "rx_fifo_errors",
  "rx_over_errors",
] as const;

/**
 * Drop counters from /sys/class/net/NAME/statistics: these counters (all five
 * by default) of these interfaces (every one but lo by default).
 */
export async function readNICDrops(
  paths: HostPaths,
  counters: readonly string[] = nicCounters,
  interfaces?: readonly string[],
): Promise<{ iface: string; counter: string; value: number }[]> {
  const base = path.join(paths.sys, "class/net");
  const names = interfaces ?? (await listHostDir(paths.root, base)).filter((name) => name !== "lo");
  const rows = await Promise.all(
    names.flatMap((iface) =>
      counters.map(async (counter) => {
        const value = await readWholeNumber(
          paths.root,
          path.join(base, iface, "statistics", counter),
        );
        return value === undefined ? [] : [{ iface, counter, value }];
      }),
    ),
  );
  return rows.flat();
}
