// Builders of the counters and bounds the diagnosis reads: a quiet node, changed by mods.
import type { CounterSample, NodeBounds } from "../../src/facts/symptom-counters.ts";

export type Mod = (sample: CounterSample) => void;

/** A quiet two-CPU node's counters at `second`, changed by mods. */
export function counterSample(second: number, ...mods: Mod[]): CounterSample {
  const s: CounterSample = {
    atMs: second * 1000,
    conntrack: { count: 100, max: 1000, drop: 0, earlyDrop: 0, insertFailed: 0 },
    softnet: [
      { cpu: 0, processed: 0, dropped: 0, timeSqueeze: 0 },
      { cpu: 1, processed: 0, dropped: 0, timeSqueeze: 0 },
    ],
    nics: { eth0: { rx_dropped: 0, rx_missed_errors: 0 } },
    tcp: { ListenOverflows: 0, ListenDrops: 0 },
  };
  for (const mod of mods) mod(s);
  return s;
}

export const overflows =
  (n: number): Mod =>
  (s) => {
    s.tcp.ListenOverflows = n;
  };
export const missed =
  (n: number): Mod =>
  (s) => {
    s.nics.eth0 = { ...s.nics.eth0, rx_missed_errors: n };
  };
/** eth0's driver counting RX descriptors it lacked (e1000e's RNBC, read with `ethtool -S`). */
export const noBuffer =
  (n: number): Mod =>
  (s) => {
    s.nics.eth0 = { ...s.nics.eth0, "ethtool -S rx_no_buffer_count": n };
  };
export const conntrackDrops =
  (n: number): Mod =>
  (s) => {
    s.conntrack.drop = n;
  };
export const fill =
  (count: number): Mod =>
  (s) => {
    s.conntrack.count = count;
  };
export const squeezes =
  (n: number): Mod =>
  (s) => {
    (s.softnet[0] as { timeSqueeze: number }).timeSqueeze = n;
  };
export const backlogDrops =
  (n: number): Mod =>
  (s) => {
    (s.softnet[1] as { dropped: number }).dropped = n;
  };
export const insertFailed =
  (n: number): Mod =>
  (s) => {
    s.conntrack.insertFailed = n;
  };
export const processed =
  (cpu0: number, cpu1: number): Mod =>
  (s) => {
    (s.softnet[0] as { processed: number }).processed = cpu0;
    (s.softnet[1] as { processed: number }).processed = cpu1;
  };
export const without =
  (drop: (s: CounterSample) => void): Mod =>
  (s) => {
    drop(s);
  };

/** Samples one second apart, each with the mods its values give. */
export function series(mod: (n: number) => Mod, values: number[]): CounterSample[] {
  return values.map((value, second) => counterSample(second, mod(value)));
}

/** A node with 4 CPUs, 16 GiB and kernel defaults, changed by mods. */
export function nodeBounds(...mods: ((b: NodeBounds) => void)[]): NodeBounds {
  const b: NodeBounds = {
    cpus: 4,
    memTotalBytes: 16 * 2 ** 30,
    conntrackMax: 262144,
    sysctls: { somaxconn: 4096, netdev_max_backlog: 1000, netdev_budget: 300 },
    rxRings: { eth0: { current: 256, max: 4096 } },
  };
  for (const mod of mods) mod(b);
  return b;
}
