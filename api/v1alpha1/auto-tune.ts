// Bounded auto-tuning (docs/adr/0017): a tuning names a ceiling per remedy it
// lets NetTune raise; a node's agent advises the next step from its counters,
// the operator grants it within the ceiling, the cool-down and the rollout
// budget, and the agent applies it as any other setting, its original kept.
import type { AdviceEvidence, RemedyName, SymptomName } from "./advice.ts";
import { Remedy } from "./advice.ts";
import type { Int32, Int64 } from "./meta.ts";

/** The most a remedy may reach on its own; a remedy without a ceiling is never raised. */
export interface AutoTuneCeilings {
  /**
   * conntrack.max (set with onlyRaise).
   * @minimum 1024
   */
  conntrackMax?: Int64;
  /**
   * net.core.somaxconn.
   * @minimum 128
   * @maximum 65535
   */
  somaxconn?: Int32;
  /**
   * net.core.netdev_max_backlog.
   * @minimum 1000
   * @maximum 262144
   */
  netdevMaxBacklog?: Int32;
  /**
   * net.core.netdev_budget.
   * @minimum 300
   * @maximum 3000
   */
  netdevBudget?: Int32;
  /**
   * An interface's RX ring (rings.rx), and never above the ring's pre-set maximum.
   * @minimum 64
   * @maximum 65536
   */
  rxRing?: Int32;
}

/**
 * Lets the agents raise what their counters advise, step by step up to each
 * ceiling; never lowers a value. A value the tunings set explicitly always wins.
 */
export interface AutoTuneSettings {
  /** The remedies that may be raised and how far. */
  ceilings: AutoTuneCeilings;
  /**
   * Seconds between two steps of one setting on one node: the next step waits
   * for counters taken after the last one.
   * @minimum 10
   * @maximum 86400
   * @default 300
   */
  coolDownSeconds?: Int32;
}

/** The ceiling that bounds each remedy auto-tuning may raise. */
export const autoTuneCeilingOf: Partial<Record<RemedyName, keyof AutoTuneCeilings>> = {
  [Remedy.ConntrackMax]: "conntrackMax",
  [Remedy.Somaxconn]: "somaxconn",
  [Remedy.NetdevMaxBacklog]: "netdevMaxBacklog",
  [Remedy.NetdevBudget]: "netdevBudget",
  [Remedy.RingsRx]: "rxRing",
};

/** The sysctl each sysctl remedy sets. */
export const remedySysctl: Partial<Record<RemedyName, string>> = {
  [Remedy.Somaxconn]: "net.core.somaxconn",
  [Remedy.NetdevMaxBacklog]: "net.core.netdev_max_backlog",
  [Remedy.NetdevBudget]: "net.core.netdev_budget",
};

/** The default cool-down between two steps, in seconds. */
export const defaultCoolDownSeconds = 300;

/** One value the operator granted a node's agent to raise, and why. */
export interface AutoRaise {
  /** The setting, named as a NetworkTuning spells it. */
  setting: RemedyName;
  /**
   * The interface, for a per-interface setting.
   * @maxLength 15
   */
  interface?: string;
  /**
   * The value to hold.
   * @maxLength 32
   */
  value: string;
  /**
   * The tuning whose autoTune allowed it.
   * @maxLength 253
   */
  source: string;
  /** The symptom it answers. */
  symptom: SymptomName;
  /** The counter that asked for it. */
  evidence: AdviceEvidence;
  /**
   * When this step was granted (RFC 3339); the next one waits the cool-down from here.
   * @format date-time
   */
  raisedAt: string;
}

/** How many of a tuning's nodes run a raised value of one setting. */
export interface AutoRaiseSummary {
  /** The setting raised. */
  setting: RemedyName;
  /**
   * Matched nodes that run a raised value.
   * @minimum 0
   */
  nodes: Int32;
  /**
   * Of those, the nodes at the ceiling whose symptom still holds.
   * @minimum 0
   */
  atCeiling: Int32;
  /**
   * The highest value raised on any of them.
   * @maxLength 32
   */
  highest: string;
  /**
   * The first few of them, by name.
   * @maxItems 5
   */
  nodeNames?: string[];
}
