/** Raised before any write for a sysctl key outside the allowlist or unsafe as a path. */
export class SysctlKeyError extends Error {
  override name = "SysctlKeyError";
}

const allowedPrefixes = ["net.core.", "net.ipv4.", "net.ipv6.", "net.netfilter."] as const;
const segmentPattern = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const valuePattern = /^[A-Za-z0-9_.:, \t-]{1,256}$/;

/**
 * Checks a sysctl key against the allowlist and returns its path below
 * /proc/sys. Every segment must be a plain name, so no "/", ".." or empty
 * segment can steer the write elsewhere.
 */
export function sysctlPath(key: string): string {
  if (!allowedPrefixes.some((prefix) => key.startsWith(prefix))) {
    throw new SysctlKeyError(
      `sysctl ${JSON.stringify(key)}: only ${allowedPrefixes.map((p) => `${p}*`).join(", ")} may be set`,
    );
  }
  const segments = key.split(".");
  if (segments.length > 6)
    throw new SysctlKeyError(`sysctl ${JSON.stringify(key)}: too many segments`);
  for (const segment of segments) {
    if (!segmentPattern.test(segment)) {
      throw new SysctlKeyError(
        `sysctl ${JSON.stringify(key)}: segment ${JSON.stringify(segment)} is not a plain name`,
      );
    }
  }
  return segments.join("/");
}

/** Checks a sysctl value: printable words and numbers, at most 256 characters. */
export function checkSysctlValue(key: string, value: string): string {
  if (!valuePattern.test(value)) {
    throw new SysctlKeyError(
      `sysctl ${key}=${JSON.stringify(value.slice(0, 40))}: value is not allowed`,
    );
  }
  return value;
}

/**
 * The sysctls known to be safe for node network tuning, from the kernel's
 * Documentation/networking/ip-sysctl.rst, admin-guide/sysctl/net.rst and
 * networking/nf_conntrack-sysctl.rst: queues, budgets and buffers, TCP and
 * UDP behaviour, port ranges, fragment and neighbour tables, route caches,
 * conntrack sizes and timeouts. Every other key (forwarding and routing of
 * other hosts' packets, source validation, redirects, source routing, proxy
 * ARP/NDP, router advertisements, policy bypass, segment routing, l3mdev,
 * conntrack helpers, BPF, SYN cookies, unprivileged ports and ping, and keys
 * a newer kernel adds) needs allowSecuritySensitiveSysctls. The same
 * expression is in the CRDs' rule; a test keeps them equal, and a host-tier
 * test classifies every key of the running kernel's /proc/sys/net.
 */
export const tuningSafeSysctlPattern =
  "^net\\.core\\.(somaxconn|netdev_(max_backlog|budget|budget_usecs|tstamp_prequeue)|dev_weight(_rx_bias|_tx_bias)?|[rw]mem_(default|max)|optmem_max|busy_(poll|read)|rps_sock_flow_entries|flow_limit_table_len|default_qdisc|gro_normal_batch|max_skb_frags|skb_defer_max|high_order_alloc_disable|message_(burst|cost))$|^net\\.ipv4\\.(tcp_(rmem|wmem|mem|fin_timeout|keepalive_(time|intvl|probes)|max_syn_backlog|max_tw_buckets|tw_reuse|slow_start_after_idle|congestion_control|fastopen|mtu_probing|mtu_probe_floor|base_mss|min_snd_mss|notsent_lowat|no_metrics_save|window_scaling|timestamps|sack|dsack|retries[12]|syn_retries|synack_retries|orphan_retries|max_orphans|adv_win_scale|app_win|moderate_rcvbuf|autocorking|limit_output_bytes|min_tso_segs|pacing_(ss|ca)_ratio|ecn|ecn_fallback|early_retrans|frto|thin_linear_timeouts|reordering|max_reordering|recovery|invalid_ratelimit|workaround_signed_windows|rfc1337|abort_on_overflow|comp_sack_(delay_ns|nr|slack_ns)|tso_win_divisor|min_rtt_wlen|early_demux)|udp_(mem|rmem_min|wmem_min|early_demux)|ip_local_(port_range|reserved_ports)|ip_no_pmtu_disc|ip_early_demux|ip_default_ttl|ipfrag_(high_thresh|low_thresh|time|max_dist)|igmp_max_(memberships|msf)|neigh\\.[^.]+\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu))$|^net\\.ipv6\\.(neigh\\.[^.]+\\.(gc_thresh[123]|gc_stale_time|gc_interval|base_reachable_time_ms|delay_first_probe_time|locktime|mcast_solicit|ucast_solicit|app_solicit|mcast_resolicit|retrans_time_ms|unres_qlen|unres_qlen_bytes|interval_probe_time_ms)|route\\.(gc_elasticity|gc_interval|gc_min_interval_ms|gc_thresh|gc_timeout|max_size|mtu_expires|min_adv_mss|min_pmtu)|ip6frag_(high_thresh|low_thresh|time))$|^net\\.netfilter\\.nf_conntrack_(max|buckets|expect_max|acct|timestamp|checksum|events|tcp_be_liberal|tcp_loose|tcp_max_retrans|tcp_ignore_invalid_rst|tcp_timeout_[a-z_]+|udp_timeout(_stream)?|icmp_timeout|icmpv6_timeout|generic_timeout|sctp_timeout_[a-z_]+|dccp_timeout_[a-z_]+|gre_timeout(_stream)?|frag6_(high_thresh|low_thresh|timeout))$";

const tuningSafe = new RegExp(tuningSafeSysctlPattern);

/** Whether setting this key needs allowSecuritySensitiveSysctls: every key not known to be safe. */
export function isSecuritySensitiveSysctl(key: string): boolean {
  return !tuningSafe.test(key);
}
