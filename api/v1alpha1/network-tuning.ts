import type { Condition, Int32, Int64, IntOrPercent, LabelSelector, ObjectMeta } from "./meta.ts";
import type { TuningSettings } from "./node-settings.ts";
import type { AdviceSummary } from "./advice.ts";
import type { AutoRaiseSummary } from "./auto-tune.ts";

/** How new settings reach the matched nodes. */
export interface RolloutStrategy {
  /**
   * How many matched nodes may be changing or failing at once: a number or a
   * percentage of the matched nodes, rounded down but at least 1.
   * @default 1
   */
  maxUnavailable?: IntOrPercent;
}

/**
 * What a set of nodes should have.
 * @validation {"rule": "!has(self.sysctls) || (has(self.allowSecuritySensitiveSysctls) && self.allowSecuritySensitiveSysctls) || self.sysctls.all(k, k.matches('^net\\\\.core\\\\.(somaxconn|netdev_(max_backlog|budget|budget_usecs|tstamp_prequeue)|dev_weight(_rx_bias|_tx_bias)?|[rw]mem_(default|max)|optmem_max|busy_(poll|read)|rps_sock_flow_entries|flow_limit_table_len|default_qdisc|gro_normal_batch|max_skb_frags|skb_defer_max|high_order_alloc_disable|message_(burst|cost))$|^net\\\\.ipv4\\\\.(tcp_(rmem|wmem|mem|fin_timeout|keepalive_(time|intvl|probes)|max_syn_backlog|max_tw_buckets|tw_reuse|slow_start_after_idle|congestion_control|fastopen|mtu_probing|mtu_probe_floor|base_mss|min_snd_mss|notsent_lowat|no_metrics_save|window_scaling|timestamps|sack|dsack|retries[12]|syn_retries|synack_retries|orphan_retries|max_orphans|adv_win_scale|app_win|moderate_rcvbuf|autocorking|limit_output_bytes|min_tso_segs|pacing_(ss|ca)_ratio|ecn|ecn_fallback|early_retrans|frto|thin_linear_timeouts|reordering|max_reordering|recovery|invalid_ratelimit|workaround_signed_windows|rfc1337|abort_on_overflow|comp_sack_(delay_ns|nr|slack_ns)|tso_win_divisor|min_rtt_wlen|early_demux)|udp_(mem|rmem_min|wmem_min|early_demux)|ip_local_(port_range|reserved_ports)|ip_no_pmtu_disc|ip_early_demux|ip_default_ttl|ipfrag_(high_thresh|low_thresh|time|max_dist)|igmp_max_(memberships|msf)|neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu))$|^net\\\\.ipv6\\\\.(neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu)|ip6frag_(high_thresh|low_thresh|time))$|^net\\\\.netfilter\\\\.nf_conntrack_(max|buckets|expect_max|acct|timestamp|checksum|events|tcp_be_liberal|tcp_loose|tcp_max_retrans|tcp_ignore_invalid_rst|tcp_timeout_[a-z_]+|udp_timeout(_stream)?|icmp_timeout|icmpv6_timeout|generic_timeout|sctp_timeout_[a-z_]+|dccp_timeout_[a-z_]+|gre_timeout(_stream)?|frag6_(high_thresh|low_thresh|timeout))$'))", "message": "a sysctl not known to be safe for network tuning needs allowSecuritySensitiveSysctls: true", "messageExpression": "'sysctl ' + self.sysctls.filter(k, !k.matches('^net\\\\.core\\\\.(somaxconn|netdev_(max_backlog|budget|budget_usecs|tstamp_prequeue)|dev_weight(_rx_bias|_tx_bias)?|[rw]mem_(default|max)|optmem_max|busy_(poll|read)|rps_sock_flow_entries|flow_limit_table_len|default_qdisc|gro_normal_batch|max_skb_frags|skb_defer_max|high_order_alloc_disable|message_(burst|cost))$|^net\\\\.ipv4\\\\.(tcp_(rmem|wmem|mem|fin_timeout|keepalive_(time|intvl|probes)|max_syn_backlog|max_tw_buckets|tw_reuse|slow_start_after_idle|congestion_control|fastopen|mtu_probing|mtu_probe_floor|base_mss|min_snd_mss|notsent_lowat|no_metrics_save|window_scaling|timestamps|sack|dsack|retries[12]|syn_retries|synack_retries|orphan_retries|max_orphans|adv_win_scale|app_win|moderate_rcvbuf|autocorking|limit_output_bytes|min_tso_segs|pacing_(ss|ca)_ratio|ecn|ecn_fallback|early_retrans|frto|thin_linear_timeouts|reordering|max_reordering|recovery|invalid_ratelimit|workaround_signed_windows|rfc1337|abort_on_overflow|comp_sack_(delay_ns|nr|slack_ns)|tso_win_divisor|min_rtt_wlen|early_demux)|udp_(mem|rmem_min|wmem_min|early_demux)|ip_local_(port_range|reserved_ports)|ip_no_pmtu_disc|ip_early_demux|ip_default_ttl|ipfrag_(high_thresh|low_thresh|time|max_dist)|igmp_max_(memberships|msf)|neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu))$|^net\\\\.ipv6\\\\.(neigh\\\\.[^.]+\\\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu)|ip6frag_(high_thresh|low_thresh|time))$|^net\\\\.netfilter\\\\.nf_conntrack_(max|buckets|expect_max|acct|timestamp|checksum|events|tcp_be_liberal|tcp_loose|tcp_max_retrans|tcp_ignore_invalid_rst|tcp_timeout_[a-z_]+|udp_timeout(_stream)?|icmp_timeout|icmpv6_timeout|generic_timeout|sctp_timeout_[a-z_]+|dccp_timeout_[a-z_]+|gre_timeout(_stream)?|frag6_(high_thresh|low_thresh|timeout))$'))[0] + ' is not on the list of sysctls known to be safe for network tuning: set allowSecuritySensitiveSysctls: true to allow it'"}
 */
export interface NetworkTuningSpec extends TuningSettings {
  /** The nodes this tuning applies to; empty or absent means every node. */
  nodeSelector?: LabelSelector;
  /**
   * When several tunings match a node, each field comes from the one with the
   * highest priority; on a tie the name that sorts first wins and a Conflict
   * is reported.
   * @default 0
   * @minimum -1000
   * @maximum 1000
   */
  priority?: Int32;
  /**
   * Enforce applies and keeps the settings; Audit only reports what would change.
   * @default "Enforce"
   */
  mode?: "Enforce" | "Audit";
  /** How fast the nodes are changed. */
  rollout?: RolloutStrategy;
}

/** A node on which the tuning did not apply, with the reason. */
export interface FailingNode {
  /**
   * The node's name.
   * @maxLength 253
   */
  name: string;
  /**
   * What failed, such as "eth0 rings rx=4096: not supported by driver veth".
   * @maxLength 1024
   */
  message: string;
}

/** Observed state of a NetworkTuning, written by the operator. */
export interface NetworkTuningStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: Int64;
  /**
   * The security-sensitive sysctls this tuning sets (allowed by
   * allowSecuritySensitiveSysctls), for audits.
   * @maxItems 64
   */
  securitySensitiveSysctls?: string[];
  /**
   * Ready, Progressing and Degraded.
   * @maxItems 16
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /**
   * Nodes the selector matches.
   * @minimum 0
   */
  matchedNodes?: Int32;
  /**
   * Matched nodes that report this generation Applied.
   * @minimum 0
   */
  appliedNodes?: Int32;
  /**
   * Matched nodes still waiting for, or working on, this generation.
   * @minimum 0
   */
  pendingNodes?: Int32;
  /**
   * Matched nodes that failed to apply this generation.
   * @minimum 0
   */
  failedNodes?: Int32;
  /**
   * "applied/matched", for `kubectl get`.
   * @maxLength 32
   */
  nodes?: string;
  /**
   * The first few failing nodes with their messages.
   * @maxItems 10
   */
  failingNodes?: FailingNode[];
  /**
   * Matched nodes whose kernel counters show a symptom.
   * @since v1beta1
   * @minimum 0
   */
  advisedNodes?: Int32;
  /**
   * The symptoms the matched nodes show, with how many nodes show each and the
   * setting their agents advise; each node's own advice, with its evidence, is
   * in its NodeNetworkTuning.
   * @since v1beta1
   * @maxItems 16
   * @listType atomic
   */
  advice?: AdviceSummary[];
  /**
   * Matched nodes that run a value raised by autoTune.
   * @since v1beta1
   * @minimum 0
   */
  autoRaisedNodes?: Int32;
  /**
   * The settings autoTune raised on matched nodes: how many nodes, how many
   * of them at the ceiling with the symptom still there, the highest value.
   * @since v1beta1
   * @maxItems 8
   * @listType atomic
   */
  autoRaised?: AutoRaiseSummary[];
}

/**
 * NetworkTuning declares network-path settings (NIC queues, rings,
 * coalescing, offloads, RPS/RFS/XPS, IRQ affinity, conntrack, resolver
 * options, sysctls) for the nodes its selector matches.
 */
export interface NetworkTuning {
  /** nettune.io/v1beta1 (nettune.io/v1alpha1 is served too, without the fields added since). */
  apiVersion: string;
  /** NetworkTuning */
  kind: string;
  /** Standard object metadata. */
  metadata: ObjectMeta;
  /** The desired settings and the nodes they apply to. */
  spec: NetworkTuningSpec;
  /** What the operator observed. */
  status?: NetworkTuningStatus;
}
