import type { Condition, Int32, Int64, ObjectMeta } from "./meta.ts";
import type { HostInventory } from "./inventory.ts";

export type {
  ChannelCounts,
  ConntrackInventory,
  CPUInventory,
  HostInventory,
  InterfaceInventory,
  NUMANodeInventory,
  QueueIRQInventory,
  ResolvConfInventory,
} from "./inventory.ts";
import type { TuningSettings } from "./node-settings.ts";
import type { Advice } from "./advice.ts";
import type { AutoRaise } from "./auto-tune.ts";

/** A NetworkTuning that contributed to a node's merged settings. */
export interface TuningSource {
  /**
   * The NetworkTuning's name.
   * @maxLength 253
   */
  name: string;
  /**
   * The NetworkTuning's metadata.generation that was merged.
   * @minimum 0
   */
  generation: Int64;
  /** The NetworkTuning's priority. */
  priority: Int32;
}

/**
 * The merged desired state of one node, written by the operator.
 * @validation {"rule": "!has(self.sysctls) || (has(self.allowSecuritySensitiveSysctls) && self.allowSecuritySensitiveSysctls) || self.sysctls.all(k, k.matches('^net\\\\.core\\\\.(somaxconn|netdev_(max_backlog|budget|budget_usecs|tstamp_prequeue)|dev_weight(_rx_bias|_tx_bias)?|[rw]mem_(default|max)|optmem_max|busy_(poll|read)|rps_sock_flow_entries|flow_limit_table_len|default_qdisc|gro_normal_batch|max_skb_frags|skb_defer_max|high_order_alloc_disable|message_(burst|cost))$|^net\\\\.ipv4\\\\.(tcp_(rmem|wmem|mem|fin_timeout|keepalive_(time|intvl|probes)|max_syn_backlog|max_tw_buckets|tw_reuse|slow_start_after_idle|congestion_control|fastopen|mtu_probing|mtu_probe_floor|base_mss|min_snd_mss|notsent_lowat|no_metrics_save|window_scaling|timestamps|sack|dsack|retries[12]|syn_retries|synack_retries|orphan_retries|max_orphans|adv_win_scale|app_win|moderate_rcvbuf|autocorking|limit_output_bytes|min_tso_segs|pacing_(ss|ca)_ratio|ecn|ecn_fallback|early_retrans|frto|thin_linear_timeouts|reordering|max_reordering|recovery|invalid_ratelimit|workaround_signed_windows|rfc1337|abort_on_overflow|comp_sack_(delay_ns|nr|slack_ns)|tso_win_divisor|min_rtt_wlen|early_demux)|udp_(mem|rmem_min|wmem_min|early_demux)|ip_local_(port_range|reserved_ports)|ip_no_pmtu_disc|ip_early_demux|ip_default_ttl|ipfrag_(high_thresh|low_thresh|time|max_dist)|igmp_max_(memberships|msf)|neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu))$|^net\\\\.ipv6\\\\.(neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu)|ip6frag_(high_thresh|low_thresh|time))$|^net\\\\.netfilter\\\\.nf_conntrack_(max|buckets|expect_max|acct|timestamp|checksum|events|tcp_be_liberal|tcp_loose|tcp_max_retrans|tcp_ignore_invalid_rst|tcp_timeout_[a-z_]+|udp_timeout(_stream)?|icmp_timeout|icmpv6_timeout|generic_timeout|sctp_timeout_[a-z_]+|dccp_timeout_[a-z_]+|gre_timeout(_stream)?|frag6_(high_thresh|low_thresh|timeout))$'))", "message": "a sysctl not known to be safe for network tuning needs allowSecuritySensitiveSysctls: true", "messageExpression": "'sysctl ' + self.sysctls.filter(k, !k.matches('^net\\\\.core\\\\.(somaxconn|netdev_(max_backlog|budget|budget_usecs|tstamp_prequeue)|dev_weight(_rx_bias|_tx_bias)?|[rw]mem_(default|max)|optmem_max|busy_(poll|read)|rps_sock_flow_entries|flow_limit_table_len|default_qdisc|gro_normal_batch|max_skb_frags|skb_defer_max|high_order_alloc_disable|message_(burst|cost))$|^net\\\\.ipv4\\\\.(tcp_(rmem|wmem|mem|fin_timeout|keepalive_(time|intvl|probes)|max_syn_backlog|max_tw_buckets|tw_reuse|slow_start_after_idle|congestion_control|fastopen|mtu_probing|mtu_probe_floor|base_mss|min_snd_mss|notsent_lowat|no_metrics_save|window_scaling|timestamps|sack|dsack|retries[12]|syn_retries|synack_retries|orphan_retries|max_orphans|adv_win_scale|app_win|moderate_rcvbuf|autocorking|limit_output_bytes|min_tso_segs|pacing_(ss|ca)_ratio|ecn|ecn_fallback|early_retrans|frto|thin_linear_timeouts|reordering|max_reordering|recovery|invalid_ratelimit|workaround_signed_windows|rfc1337|abort_on_overflow|comp_sack_(delay_ns|nr|slack_ns)|tso_win_divisor|min_rtt_wlen|early_demux)|udp_(mem|rmem_min|wmem_min|early_demux)|ip_local_(port_range|reserved_ports)|ip_no_pmtu_disc|ip_early_demux|ip_default_ttl|ipfrag_(high_thresh|low_thresh|time|max_dist)|igmp_max_(memberships|msf)|neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu))$|^net\\\\.ipv6\\\\.(neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu)|ip6frag_(high_thresh|low_thresh|time))$|^net\\\\.netfilter\\\\.nf_conntrack_(max|buckets|expect_max|acct|timestamp|checksum|events|tcp_be_liberal|tcp_loose|tcp_max_retrans|tcp_ignore_invalid_rst|tcp_timeout_[a-z_]+|udp_timeout(_stream)?|icmp_timeout|icmpv6_timeout|generic_timeout|sctp_timeout_[a-z_]+|dccp_timeout_[a-z_]+|gre_timeout(_stream)?|frag6_(high_thresh|low_thresh|timeout))$'))[0] + ' is not on the list of sysctls known to be safe for network tuning: set allowSecuritySensitiveSysctls: true to allow it'"}
 */
export interface NodeNetworkTuningSpec extends TuningSettings {
  /**
   * Enforce applies and keeps the settings; Audit only reports what would change.
   * @default "Enforce"
   */
  mode?: "Enforce" | "Audit";
  /**
   * The tunings merged into this spec, highest priority first.
   * @maxItems 64
   */
  sources?: TuningSource[];
  /**
   * "name, name", for `kubectl get`.
   * @maxLength 1024
   */
  sourceNames?: string;
  /**
   * Audit tunings that match this node beside Enforce ones. The agent checks
   * each one's settings against the node as the Enforce tunings left it and
   * reports what it would change (results with the audit's source); it
   * writes nothing for them.
   * @maxItems 8
   */
  audits?: AuditedTuning[];
  /**
   * Values the operator granted this node's agent to raise under autoTune, each
   * with the symptom and counter that asked for it. The agent applies them as
   * settings of their own (reason AutoRaised); a value the tunings set
   * explicitly wins over them.
   * @since v1beta1
   * @maxItems 16
   * @listType atomic
   */
  autoRaised?: AutoRaise[];
}

/** An Audit tuning's own settings, checked on a node that Enforce tunings tune. */
export interface AuditedTuning {
  /**
   * The NetworkTuning's name.
   * @maxLength 253
   */
  name: string;
  /** The settings as the tuning states them. */
  settings: AuditSettings;
}

/**
 * An Audit tuning's settings, in the NetworkTuning's own form. Kept as written
 * here: the NetworkTuning's schema checked them, and the agent checks them
 * again with it before use.
 * @preserveUnknownFields
 */
export type AuditSettings = TuningSettings;

/** The outcome for one setting on the node. */
export interface SettingResult {
  /**
   * The setting, such as "eth0/channels.combined", "conntrack.max" or
   * "sysctl/net.core.somaxconn".
   * @maxLength 256
   */
  name: string;
  /**
   * The NetworkTuning the desired value came from.
   * @maxLength 253
   */
  source?: string;
  /**
   * The value asked for.
   * @maxLength 1024
   */
  desired?: string;
  /**
   * The value read back from the node.
   * @maxLength 1024
   */
  observed?: string;
  /**
   * The value the node had before NetTune first changed it; restored on revert.
   * @maxLength 1024
   */
  original?: string;
  /**
   * Applied: the node has the desired value. WouldChange: Audit mode, the
   * value differs. Unsupported: the driver or kernel cannot do it. Skipped:
   * not applicable here (no such interface, read-only in this namespace).
   * Failed: the write or read-back failed. Reverted: restored to the original.
   */
  state: "Applied" | "WouldChange" | "Unsupported" | "Skipped" | "Failed" | "Reverted";
  /**
   * A CamelCase word for the state, such as NotSupportedByDriver or RolledBack.
   * (Objects stored before this pattern keep their reasons until the agent
   * writes the setting again: the API server ratchets unchanged values.)
   * @maxLength 64
   * @pattern ^[A-Za-z][A-Za-z0-9]*$
   */
  reason?: string;
  /**
   * Details for people.
   * @maxLength 1024
   */
  message?: string;
  /**
   * Other programs on the node known to write this setting too, such as
   * kube-proxy; the Conflicting condition says what each writes and how to
   * leave the setting to NetTune.
   * @maxItems 8
   * @listType set
   */
  alsoWrittenBy?: WriterName[];
}

/**
 * A program that writes node settings: kube-proxy, cni, tuned,
 * networkmanager, udev (its .link files) or irqbalance. Open to names a newer agent
 * knows, so that its reports are never refused.
 * @maxLength 64
 */
export type WriterName = string;

/**
 * The value an applied setting holds, as the agent wrote and read it back.
 * @maxLength 1024
 */
export type AppliedValue = string;

/** What the node agent observed, written by the agent. */
export interface NodeNetworkTuningStatus {
  /**
   * The metadata.generation of the spec the agent last acted on.
   * @minimum 0
   */
  observedGeneration?: Int64;
  /**
   * Applied, Degraded, Drifted, ConntrackPressure and Conflicting.
   * @maxItems 16
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  // A name and a value, not a result: the API server decodes, validates,
  // tracks and encodes every object in a list on every write of the object,
  // the operator's spec writes included, and 33 results made a change cost it
  // 1.8 times what conditions alone cost; 33 strings in one map cost 1.2 times
  // (docs/adr/0005). Atomic: only the agent writes it, always whole.
  /**
   * The settings the node holds at their desired value with nothing more to
   * say, by name, each with that value. Every other setting has an entry in
   * settings.
   * @since v1beta1
   * @maxProperties 2048
   * @mapType atomic
   */
  applied?: Record<string, AppliedValue>;
  // Atomic, not a map keyed by name: only the agent writes the list, always
  // whole, and the API server's field tracking over a map of 33 entries made
  // every write of the object cost 20 ms of its CPU instead of 11 (docs/adr/0005).
  /**
   * One entry per setting that is not in applied: one not applied (Audit,
   * unsupported, skipped, failed, reverted), or applied with more to say (a
   * reason, another program that writes it, another tuning as its source, a
   * value read back otherwise). Agents before v1beta1's applied listed every
   * setting here, and a v1alpha1 reader sees only these.
   * @maxItems 2048
   * @listType atomic
   */
  settings?: SettingResult[];
  /**
   * The node's hardware and configuration, as agents before v1beta1 reported it;
   * deprecated: the NodeNetworkInventory named after the node holds it now, written
   * only when it changes (`kubectl get nni NODE -o yaml`).
   */
  inventory?: HostInventory;
  /**
   * What the node's kernel counters show, each symptom with the setting that
   * would cure it and the evidence; empty when nothing does (see "Diagnose a
   * node" in the README).
   * @since v1beta1
   * @maxItems 16
   * @listType atomic
   */
  advice?: Advice[];
}

/**
 * NodeNetworkTuning holds one node's merged desired settings (spec, written
 * by the operator) and the per-setting outcome on that node (status, written
 * by the node's agent). It is named after its node.
 */
export interface NodeNetworkTuning {
  /** nettune.io/v1beta1 (nettune.io/v1alpha1 is served too, without the fields added since). */
  apiVersion: string;
  /** NodeNetworkTuning */
  kind: string;
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The merged desired settings. */
  spec: NodeNetworkTuningSpec;
  /** The outcome on the node. */
  status?: NodeNetworkTuningStatus;
}
