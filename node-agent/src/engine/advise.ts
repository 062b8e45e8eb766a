// A remedy for each finding (pure): a NetTune setting and a value that starts
// from what the node has, never lowers it, and stops at what the node can take.
// Without a value to start from or a bound to stop at, the advice says so and
// names no value: never a guess.
import { Remedy, Symptom, type Advice } from "../../../api/v1alpha1/advice.ts";
import type { NodeBounds } from "../facts/symptom-counters.ts";
import type { Finding } from "./detect.ts";

/** Ceilings where the kernel sets none that a tuning should reach. */
export const ceilings = {
  /** somaxconn: the accept queue a listener can ask for on kernels before 5.4 (u16). */
  somaxconn: 65535,
  /** netdev_max_backlog: packets queued per CPU; each holds memory until processed. */
  netdevMaxBacklog: 262144,
  /** netdev_budget: packets per NET_RX run; larger runs delay everything else on the CPU. */
  netdevBudget: 3000,
  /** Conntrack entries may hold at most this share of memory... */
  conntrackMemoryShare: 1 / 32,
  /** ...at this size each (struct nf_conn with its hash bucket, x86-64). */
  conntrackEntryBytes: 320,
} as const;

type Rule = (finding: Finding, bounds: NodeBounds) => Omit<Advice, "symptom" | "evidence">;

/** Raises `current` by `factor` up to `ceiling`; undefined when nothing is left to raise. */
function raise(current: number, factor: number, ceiling: number, floor = 0): number | undefined {
  const next = Math.min(Math.max(Math.ceil(current * factor), floor), ceiling);
  return next > current ? next : undefined;
}

function sysctlRule(
  name: keyof NodeBounds["sysctls"],
  setting: (typeof Remedy)[keyof typeof Remedy],
  factor: number,
  ceiling: number,
  floor = 0,
  note?: string,
): Rule {
  return (_finding, bounds) => {
    const current = bounds.sysctls[name];
    const notes = note === undefined ? {} : { note };
    if (current === undefined) return { bound: `net.core.${name} could not be read`, ...notes };
    const bound = `NetTune's ceiling for net.core.${name}, ${ceiling}`;
    const value = raise(current, factor, ceiling, floor);
    if (value === undefined) return { bound: `${bound}: reached`, ...notes };
    return { remedy: { setting, value: String(value), current: String(current) }, bound, ...notes };
  };
}

const conntrackRule: Rule = (_finding, bounds) => {
  const { conntrackMax, memTotalBytes } = bounds;
  if (conntrackMax === undefined) return { bound: "nf_conntrack_max could not be read" };
  if (memTotalBytes === undefined) return { bound: "the node's memory could not be read" };
  const ceiling = Math.floor(
    (memTotalBytes * ceilings.conntrackMemoryShare) / ceilings.conntrackEntryBytes,
  );
  const bound = `${ceiling} entries: 1/32 of memory at ${ceilings.conntrackEntryBytes} bytes each`;
  // 1024: the smallest conntrack.max a tuning takes.
  const value = raise(conntrackMax, 2, ceiling, 1024);
  const note = "with conntrack.onlyRaise: true, a node whose table is already larger keeps it";
  if (value === undefined) return { bound: `${bound}: reached`, note };
  const remedy = {
    setting: Remedy.ConntrackMax,
    value: String(value),
    current: String(conntrackMax),
  };
  return { remedy, bound, note };
};

const rules: Record<Finding["symptom"], Rule> = {
  [Symptom.ConntrackTableFull]: conntrackRule,
  [Symptom.ConntrackInsertFailed]: () => ({
    remedy: { setting: Remedy.PodsSingleRequestReopen, value: "single-request-reopen" },
    bound: "none: a resolver option of the pods",
    note: "insert_failed counts every race for one entry; on Kubernetes it is mostly a pod's A and AAAA queries sent together from one socket",
  }),
  [Symptom.BacklogDrops]: sysctlRule(
    "netdev_max_backlog",
    Remedy.NetdevMaxBacklog,
    2,
    ceilings.netdevMaxBacklog,
    // The kernel's own default: a node set below it is first brought back to it.
    1000,
  ),
  [Symptom.BudgetSqueeze]: sysctlRule(
    "netdev_budget",
    Remedy.NetdevBudget,
    2,
    ceilings.netdevBudget,
    300,
    "if squeezes go on, NET_RX ran out of time (netdev_budget_usecs), not of packets",
  ),
  [Symptom.ReceiveSkew]: (_finding, { cpus }) =>
    cpus < 2
      ? { bound: "one CPU: nothing to spread to" }
      : {
          remedy: { setting: Remedy.RPSAllCPUs, value: "all" },
          bound: `${cpus} CPUs`,
          note: "more RSS channels (channels.combined) spread in the NIC itself, where it has them",
        },
  [Symptom.NICMissedPackets]: ({ where }, { rxRings }) => {
    const ring = where === undefined ? undefined : rxRings[where];
    if (ring?.current === undefined || ring.max === undefined)
      return { bound: "the driver does not report its RX ring" };
    const bound = `the RX ring's pre-set maximum, ${ring.max}`;
    const value = raise(ring.current, 2, ring.max);
    if (value === undefined) return { bound: `${bound}: reached` };
    const remedy = {
      setting: Remedy.RingsRx,
      value: String(value),
      interface: where ?? "",
      current: String(ring.current),
    };
    return { remedy, bound };
  },
  [Symptom.ListenOverflows]: sysctlRule(
    "somaxconn",
    Remedy.Somaxconn,
    4,
    ceilings.somaxconn,
    4096,
    "a listener's queue is the smaller of its own backlog and somaxconn when it calls listen(): restart it after the change",
  ),
};

/** The interfaces whose remedy starts from their RX ring: the only ones to ask ethtool -g about. */
export function ringsToRead(findings: Finding[]): string[] {
  return findings.flatMap((f) =>
    f.symptom === Symptom.NICMissedPackets && f.where !== undefined ? [f.where] : [],
  );
}

/**
 * What the node holds now of the setting `remedy` raises, when it is a number
 * the node reports: once it reaches the advised value and the symptom stays,
 * the advice moves on to the next step.
 */
export function heldValue(
  remedy: NonNullable<Advice["remedy"]>,
  bounds: NodeBounds,
): number | undefined {
  switch (remedy.setting) {
    case Remedy.ConntrackMax:
      return bounds.conntrackMax;
    case Remedy.Somaxconn:
      return bounds.sysctls.somaxconn;
    case Remedy.NetdevMaxBacklog:
      return bounds.sysctls.netdev_max_backlog;
    case Remedy.NetdevBudget:
      return bounds.sysctls.netdev_budget;
    case Remedy.RingsRx:
      return remedy.interface === undefined ? undefined : bounds.rxRings[remedy.interface]?.current;
    default:
      return undefined;
  }
}

export function advise(finding: Finding, bounds: NodeBounds): Advice {
  const { symptom, counter, delta, windowSeconds, where } = finding;
  const evidence = { counter, delta, windowSeconds, ...(where === undefined ? {} : { where }) };
  return { symptom, evidence, ...rules[symptom](finding, bounds) };
}
