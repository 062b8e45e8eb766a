import type { Int32, Int64 } from "./meta.ts";

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
