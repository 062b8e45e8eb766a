import type { Condition, Int32, Int64, IntOrPercent, LabelSelector, ObjectMeta } from "./meta.ts";
import type { TuningSettings } from "./node-settings.ts";

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
 * @validation {"rule": "!has(self.sysctls) || (has(self.allowSecuritySensitiveSysctls) && self.allowSecuritySensitiveSysctls) || !self.sysctls.exists(k, k.matches('^net\\\\.core\\\\.bpf_.*$|^net\\\\.ipv4\\\\.(ip_forward|ip_nonlocal_bind|ip_unprivileged_port_start|ping_group_range|tcp_syncookies|icmp_echo_ignore_broadcasts|icmp_ignore_bogus_error_responses)$|^net\\\\.ipv6\\\\.(ip_nonlocal_bind)$|^net\\\\.ipv4\\\\.conf\\\\.[^.]+\\\\.(forwarding|mc_forwarding|rp_filter|accept_redirects|secure_redirects|send_redirects|accept_source_route|accept_local|route_localnet|proxy_arp|proxy_arp_pvlan|bootp_relay|disable_policy|disable_xfrm|src_valid_mark)$|^net\\\\.ipv6\\\\.conf\\\\.[^.]+\\\\.(forwarding|mc_forwarding|accept_ra|accept_redirects|accept_source_route|proxy_ndp|disable_policy|disable_ipv6)$'))", "message": "a security-sensitive sysctl needs allowSecuritySensitiveSysctls: true", "messageExpression": "'sysctl ' + self.sysctls.filter(k, k.matches('^net\\\\.core\\\\.bpf_.*$|^net\\\\.ipv4\\\\.(ip_forward|ip_nonlocal_bind|ip_unprivileged_port_start|ping_group_range|tcp_syncookies|icmp_echo_ignore_broadcasts|icmp_ignore_bogus_error_responses)$|^net\\\\.ipv6\\\\.(ip_nonlocal_bind)$|^net\\\\.ipv4\\\\.conf\\\\.[^.]+\\\\.(forwarding|mc_forwarding|rp_filter|accept_redirects|secure_redirects|send_redirects|accept_source_route|accept_local|route_localnet|proxy_arp|proxy_arp_pvlan|bootp_relay|disable_policy|disable_xfrm|src_valid_mark)$|^net\\\\.ipv6\\\\.conf\\\\.[^.]+\\\\.(forwarding|mc_forwarding|accept_ra|accept_redirects|accept_source_route|proxy_ndp|disable_policy|disable_ipv6)$'))[0] + ' is security-sensitive: set allowSecuritySensitiveSysctls: true to allow it'"}
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
}

/**
 * NetworkTuning declares network-path settings (NIC queues, rings,
 * coalescing, offloads, RPS/RFS/XPS, IRQ affinity, conntrack, resolver
 * options, sysctls) for the nodes its selector matches.
 */
export interface NetworkTuning {
  /** nettune.io/v1alpha1 */
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
