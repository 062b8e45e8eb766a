import type { Int32, LabelSelector } from "./meta.ts";

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
