import type { InterfaceTuning } from "./interfaces.ts";
import type { AutoTuneSettings } from "./auto-tune.ts";
import type { ConntrackTuning } from "./conntrack.ts";
import type { DNSTuning } from "./dns.ts";
import type { CPUSet, Int32 } from "./meta.ts";

/** How NetTune deals with a running irqbalance daemon. */
export interface IRQBalanceTuning {
  /**
   * Report: show irqbalance in status and warn that it may move tuned IRQs.
   * BanTunedIRQs: also ask irqbalance through its socket to leave the IRQs
   * NetTune pinned alone.
   * @default "Report"
   */
  policy?: "Report" | "BanTunedIRQs";
}

/**
 * A kernel parameter value as `sysctl` prints it; several numbers are
 * separated by blanks, such as "4096 87380 6291456".
 * @maxLength 256
 * @pattern ^[ \t]*[A-Za-z0-9_.:,-][A-Za-z0-9_.:, \t-]*$
 */
export type SysctlValue = string;

/** What to tune on a node: the settings shared by both kinds. */
/**
 * Rates at or above which a counter is a symptom, per second in every interval
 * of the window. Unset ones keep the agent's defaults (see "Diagnose a node" in
 * the README).
 */
export interface DiagnosisThresholds {
  /**
   * Conntrack drop + early_drop (default 1).
   * @minimum 0
   */
  conntrackDropsPerSecond?: number;
  /**
   * Conntrack insert_failed (default 0.1).
   * @minimum 0
   */
  insertFailedPerSecond?: number;
  /**
   * Softnet dropped: backlog overflows (default 1).
   * @minimum 0
   */
  backlogDropsPerSecond?: number;
  /**
   * Softnet time_squeeze (default 10).
   * @minimum 0
   */
  timeSqueezePerSecond?: number;
  /**
   * A NIC's rx_missed_errors + rx_fifo_errors + rx_over_errors (default 1).
   * @minimum 0
   */
  nicMissedPerSecond?: number;
  /**
   * TcpExt ListenOverflows (default 1).
   * @minimum 0
   */
  listenOverflowsPerSecond?: number;
  /**
   * The conntrack fill, in percent of nf_conntrack_max, that counts as full in every sample (default 90).
   * @minimum 1
   * @maximum 100
   */
  conntrackFillPercent?: Int32;
}

/** How the agents of the matched nodes judge their counters. */
export interface DiagnosisSettings {
  /** Per-symptom rates that override the defaults; merged leaf by leaf by priority. */
  thresholds?: DiagnosisThresholds;
}

export interface TuningSettings {
  /**
   * Per-interface settings, applied in order; a later entry wins for an
   * interface that several entries match.
   * @maxItems 16
   */
  interfaces?: InterfaceTuning[];
  /** What to do about a running irqbalance. */
  irqbalance?: IRQBalanceTuning;
  /**
   * Where the node's other device interrupts may run: every IRQ in
   * /proc/interrupts that no irqAffinity above places (disks, other NICs,
   * serial lines), so that they keep off the CPUs latency-critical pods hold.
   * @since v1beta1
   */
  deviceIRQs?: DeviceIRQsTuning;
  /** Connection tracking size and timeouts. */
  conntrack?: ConntrackTuning;
  /** Resolver options. */
  dns?: DNSTuning;
  /**
   * Other kernel parameters by sysctl name. Only net.core.*, net.ipv4.*,
   * net.ipv6.* and net.netfilter.* keys are accepted.
   * @maxProperties 64
   * @validation {"rule": "self.all(k, k.matches('^net\\\\.(core|ipv4|ipv6|netfilter)(\\\\.[A-Za-z0-9_][A-Za-z0-9_-]{0,63}){1,4}$'))", "message": "sysctl keys must start with net.core., net.ipv4., net.ipv6. or net.netfilter. and consist of dot-separated names without '/' or '..'", "messageExpression": "'sysctl key ' + self.filter(k, !k.matches('^net\\\\.(core|ipv4|ipv6|netfilter)(\\\\.[A-Za-z0-9_][A-Za-z0-9_-]{0,63}){1,4}$'))[0] + ' is not accepted: keys must start with net.core., net.ipv4., net.ipv6. or net.netfilter. and consist of dot-separated names without / or ..'"}
   */
  sysctls?: Record<string, SysctlValue>;
  /**
   * Allow sysctls that are not on the list known to be safe for network
   * tuning: those that weaken the node's security or change who can reach
   * what (forwarding, rp_filter, redirects, source routing, route_localnet,
   * proxy ARP/NDP, arp_*, accept_ra, segment routing, l3mdev_accept,
   * conntrack helpers, net.core.bpf_*, SYN cookies, unprivileged ports and
   * ping) and any key a newer kernel adds. Without it they are refused; a
   * NetworkTuning's status lists the ones it sets.
   */
  allowSecuritySensitiveSysctls?: boolean;
  /**
   * How the agents judge the kernel's counters (the advice in status and on the
   * Node). Changes nothing on the node.
   * @since v1beta1
   */
  diagnosis?: DiagnosisSettings;
  /**
   * Lets the agents raise what their counters advise (conntrack.max, somaxconn,
   * netdev_max_backlog, netdev_budget, RX rings), one step at a time up to each
   * ceiling, never lowering; granted within the rollout budget and recorded in
   * each NodeNetworkTuning's spec.autoRaised. Off unless set.
   * @since v1beta1
   */
  autoTune?: AutoTuneSettings;
}

/** Affinity for every device IRQ that no interface setting places. */
export interface DeviceIRQsTuning {
  /**
   * The CPUs each such IRQ may run on (its smp_affinity_list). "housekeeping"
   * follows the kubelet: its reserved CPUs, else the CPUs no Guaranteed pod
   * holds, so IRQs leave a pod's CPUs when it starts and come back when it goes.
   * IRQs the kernel manages (per-queue disk IRQs) refuse the write and are
   * reported Unsupported with reason KernelManagedIRQ.
   */
  cpus: CPUSet;
}
