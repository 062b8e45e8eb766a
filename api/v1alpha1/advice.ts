// What a node's counters say it needs (docs/adr/0014): the symptoms the agent
// detects and the remedy each gets, in one vocabulary for the agent, its CLI
// and (with v1beta1) the status and the Node condition.

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
export type RemedyName = (typeof Remedy)[keyof typeof Remedy];

/** The counter that showed the symptom, and by how much it moved. */
export interface AdviceEvidence {
  /** The counter, as the kernel names it (for example TcpExt ListenOverflows). */
  counter: string;
  /** How much it rose over the window. */
  delta: number;
  windowSeconds: number;
  /** Where it was counted, when not the whole node: an interface or a CPU. */
  where?: string;
}

export interface AdviceRemedy {
  setting: RemedyName;
  value: string;
  /** The interface the setting is for, where it is per interface. */
  interface?: string;
}

/** One symptom with its remedy, or without one when the node is at its bound. */
export interface Advice {
  symptom: SymptomName;
  evidence: AdviceEvidence;
  /** Absent when the bound is reached: raising further is not NetTune's to do. */
  remedy?: AdviceRemedy;
  /** What limits the value (a ring's pre-set maximum, memory, a ceiling), in words. */
  bound: string;
  /** What else must happen for the remedy to help, in words. */
  note?: string;
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
