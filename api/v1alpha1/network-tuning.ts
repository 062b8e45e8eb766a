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

/** What a set of nodes should have. */
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
