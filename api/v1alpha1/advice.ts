// What a node's counters say it needs (docs/adr/0014): the symptoms the agent
// detects and the remedy each gets, in one vocabulary for the agent, its CLI,
// the v1beta1 status and the Node condition.
import type { Int32, Int64 } from "./meta.ts";

/** A symptom: a kernel counter that kept rising over a whole window. */
export const Symptom = {
  /** Connection tracking dropped new flows (drop, early_drop) or stayed nearly full. */
  ConntrackTableFull: "ConntrackTableFull",
  /** Packets of one flow raced for one conntrack entry (insert_failed): the DNS 5 s stall. */
  ConntrackInsertFailed: "ConntrackInsertFailed",
  /** A CPU's receive backlog overflowed (softnet dropped). */
  BacklogDrops: "BacklogDrops",
  /** NET_RX ran out of budget with work left (softnet time_squeeze). */
  BudgetSqueeze: "BudgetSqueeze",
  /** One CPU took most of the node's receive work (softnet processed). */
  ReceiveSkew: "ReceiveSkew",
  /** The NIC had nowhere to put packets (rx_missed_errors, rx_fifo_errors, rx_over_errors). */
  NICMissedPackets: "NICMissedPackets",
  /** A listener's accept queue overflowed (TcpExt ListenOverflows). */
  ListenOverflows: "ListenOverflows",
} as const;
/**
 * A symptom, such as ConntrackTableFull or ListenOverflows (see "Diagnose a node" in the README).
 * @string
 * @maxLength 64
 * @pattern ^[A-Z][A-Za-z0-9]*$
 */
export type SymptomName = (typeof Symptom)[keyof typeof Symptom];

/** The setting a remedy changes, named as a NetworkTuning spells it. */
export const Remedy = {
  ConntrackMax: "conntrack.max",
  PodsSingleRequestReopen: "dns.pods.singleRequest",
  NetdevMaxBacklog: "sysctls.net.core.netdev_max_backlog",
  NetdevBudget: "sysctls.net.core.netdev_budget",
  RPSAllCPUs: "interfaces.rps.cpus",
  RingsRx: "interfaces.rings.rx",
  Somaxconn: "sysctls.net.core.somaxconn",
} as const;
/**
 * A NetworkTuning field, such as conntrack.max or sysctls.net.core.somaxconn.
 * @string
 * @maxLength 128
 * @pattern ^[a-z][A-Za-z0-9_.]*$
 */
export type RemedyName = (typeof Remedy)[keyof typeof Remedy];

/** The counter that showed the symptom, and by how much it moved. */
export interface AdviceEvidence {
  /**
   * The counter, as the kernel names it (for example TcpExt ListenOverflows).
   * @maxLength 128
   */
  counter: string;
  /**
   * How much it rose over the window.
   * @minimum 0
   */
  delta: Int64;
  /**
   * The window the rise was counted over, in seconds.
   * @minimum 0
   */
  windowSeconds: Int32;
  /**
   * Where it was counted, when not the whole node: an interface or a CPU.
   * @maxLength 64
   */
  where?: string;
}

/** The NetworkTuning setting and value that would cure the symptom. */
export interface AdviceRemedy {
  /** The setting, named as a NetworkTuning spells it. */
  setting: RemedyName;
  /**
   * The value to set, within what the node can take.
   * @maxLength 256
   */
  value: string;
  /**
   * The interface the setting is for, where it is per interface.
   * @maxLength 15
   */
  interface?: string;
  /**
   * The value the node has now, which the advised one raises.
   * @maxLength 256
   */
  current?: string;
}

/** One symptom with its remedy, or without one when the node is at its bound. */
export interface Advice {
  /** What the counters show. */
  symptom: SymptomName;
  /** The counter and how much it rose. */
  evidence: AdviceEvidence;
  /** Absent when the bound is reached: raising further is not NetTune's to do. */
  remedy?: AdviceRemedy;
  /**
   * What limits the value (a ring's pre-set maximum, memory, a ceiling), in words.
   * @maxLength 256
   */
  bound: string;
  /**
   * What else must happen for the remedy to help, in words.
   * @maxLength 512
   */
  note?: string;
}

/** How many of a tuning's nodes show one symptom, and the setting their agents advise. */
export interface AdviceSummary {
  /** What the nodes' counters show. */
  symptom: SymptomName;
  /** The setting advised; absent when those nodes are at their bound. */
  setting?: RemedyName;
  /**
   * Matched nodes that show the symptom.
   * @minimum 0
   */
  nodes: Int32;
  /**
   * The first few of them, by name.
   * @maxItems 5
   */
  nodeNames?: string[];
}

/**
 * The one condition the agent keeps on its Node, as node-problem-detector
 * keeps its own: True while a symptom holds (docs/adr/0014).
 */
export const NodeAdviceCondition = {
  type: "NetworkTuningAdvice",
  /** Some symptom holds; the message names each with its remedy. */
  SymptomsFound: "SymptomsFound",
  /** No symptom holds. */
  NoSymptoms: "NoSymptoms",
} as const;
