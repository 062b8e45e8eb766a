import type { InterfaceTuning } from "./interfaces.ts";
import type { AutoTuneSettings } from "./auto-tune.ts";
import type { CPUSet, Int32, Int64, LabelSelector } from "./meta.ts";

/**
 * Connection tracking table timeouts in seconds. kube-proxy sets
 * tcpEstablished and tcpCloseWait at start-up too: set its conntrack options
 * to 0 or to the same values so the two do not fight.
 */
export interface ConntrackTimeouts {
  /**
   * net.netfilter.nf_conntrack_tcp_timeout_established (kernel default 432000).
   * @minimum 1
   * @maximum 2147483
   */
  tcpEstablishedSeconds?: Int32;
  /**
   * net.netfilter.nf_conntrack_tcp_timeout_close_wait (kernel default 60).
   * @minimum 1
   * @maximum 2147483
   */
  tcpCloseWaitSeconds?: Int32;
  /**
   * net.netfilter.nf_conntrack_tcp_timeout_time_wait (kernel default 120).
   * @minimum 1
   * @maximum 2147483
   */
  tcpTimeWaitSeconds?: Int32;
  /**
   * net.netfilter.nf_conntrack_udp_timeout (kernel default 30).
   * @minimum 1
   * @maximum 2147483
   */
  udpSeconds?: Int32;
  /**
   * net.netfilter.nf_conntrack_udp_timeout_stream (kernel default 120 or 180).
   * @minimum 1
   * @maximum 2147483
   */
  udpStreamSeconds?: Int32;
}

/**
 * Connection tracking table size and timeouts.
 * @validation {"rule": "!(has(self.max) && has(self.maxPerCore))", "message": "max and maxPerCore are mutually exclusive"}
 * @validation {"rule": "!has(self.min) || has(self.maxPerCore)", "message": "min applies only together with maxPerCore"}
 * @validation {"rule": "!has(self.min) || !has(self.maxPerCore) || self.min >= self.maxPerCore", "message": "min must be at least maxPerCore"}
 */
export interface ConntrackTuning {
  /**
   * Table size in entries (net.netfilter.nf_conntrack_max).
   * @minimum 1024
   * @maximum 1073741824
   */
  max?: Int64;
  /**
   * Table size per online CPU; the written max is maxPerCore x CPUs, at least min.
   * @minimum 1
   * @maximum 16777216
   */
  maxPerCore?: Int64;
  /**
   * The smallest max that maxPerCore may produce.
   * @minimum 1024
   * @maximum 1073741824
   */
  min?: Int64;
  /** Never lower the table size below what the node already has. */
  onlyRaise?: boolean;
  /**
   * Hash table buckets (/sys/module/nf_conntrack/parameters/hashsize);
   * about max/4 to max/8.
   * @minimum 1024
   * @maximum 268435456
   */
  buckets?: Int64;
  /** Per-state timeouts. */
  timeouts?: ConntrackTimeouts;
  /**
   * Accept out-of-window TCP packets instead of marking them INVALID
   * (net.netfilter.nf_conntrack_tcp_be_liberal).
   */
  tcpBeLiberal?: boolean;
}

/**
 * Resolver options written into the `options` line of the node's
 * /etc/resolv.conf; every other line is kept. Reaches processes on the node,
 * hostNetwork pods and pods with dnsPolicy Default.
 */
export interface NodeDNSTuning {
  /**
   * Serialize the A and AAAA queries of one lookup (single-request) or retry
   * the second from a new socket (single-request-reopen): both avoid the
   * conntrack insert race behind 5-second lookups. glibc only; musl ignores it.
   */
  singleRequest?: "single-request" | "single-request-reopen";
  /**
   * Seconds to wait for a reply before retrying (timeout:N).
   * @minimum 1
   * @maximum 30
   */
  timeout?: Int32;
  /**
   * Times to try each name server (attempts:N).
   * @minimum 1
   * @maximum 5
   */
  attempts?: Int32;
  /** Use TCP for queries (use-vc): true adds the option, false removes it. */
  useVC?: boolean;
  /** Advertise EDNS0 (edns0): true adds the option, false removes it. */
  edns0?: boolean;
}

/**
 * Resolver options injected into the spec.dnsConfig of ClusterFirst pods by
 * the NetTune admission webhook. Options a pod sets itself always win.
 */
export interface PodDNSTuning {
  /** Namespaces whose pods get the options; empty means every namespace. */
  namespaceSelector?: LabelSelector;
  /** Pods that get the options; empty means every pod. */
  podSelector?: LabelSelector;
  /** single-request or single-request-reopen. */
  singleRequest?: "single-request" | "single-request-reopen";
  /** Use TCP for queries (use-vc). */
  useVC?: boolean;
  /**
   * Seconds to wait for a reply (timeout:N).
   * @minimum 1
   * @maximum 30
   */
  timeout?: Int32;
  /**
   * Times to try each name server (attempts:N).
   * @minimum 1
   * @maximum 5
   */
  attempts?: Int32;
  /**
   * Dots a name needs before it is tried as absolute first (ndots:N).
   * @minimum 0
   * @maximum 15
   */
  ndots?: Int32;
}

/** Resolver settings for nodes and for pods. */
export interface DNSTuning {
  /** The node's own /etc/resolv.conf options. */
  node?: NodeDNSTuning;
  /** Options for ClusterFirst pods, applied at admission. */
  pods?: PodDNSTuning;
}

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
