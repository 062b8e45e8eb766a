/** Condition types of a NetworkTuning, kept mutually consistent by tuningConditions(). */
export const TuningConditionType = {
  Ready: "Ready",
  Progressing: "Progressing",
  Degraded: "Degraded",
} as const;

/** Every reason the operator writes into conditions and Events, with what it means. */
export const TuningReason = {
  /** Every matched node applied the current generation. */
  Applied: "Applied",
  /** Nodes are still receiving or applying the current generation. */
  RollingOut: "RollingOut",
  /** No node matches the selector. */
  NoMatchingNodes: "NoMatchingNodes",
  /** Some node failed to apply the current generation. */
  Failed: "Failed",
  /** Failures reached maxUnavailable: no more nodes are released until they are fixed. */
  RolloutHalted: "RolloutHalted",
  /** Nothing failed. */
  AsExpected: "AsExpected",
  /** Nothing left to roll out. */
  Complete: "Complete",
  /** Two tunings of equal priority set one field differently; the name that sorts first wins. */
  Conflict: "Conflict",
  /**
   * The agent DaemonSet cannot create its pods on matched nodes (for example, the
   * namespace's PodSecurity level refuses privileged pods); the message has the
   * API server's words.
   */
  AgentsNotRunning: "AgentsNotRunning",
  /**
   * The operator cannot act on the tuning (a node selector Kubernetes refuses);
   * it selects no node and places no agent until the spec is fixed.
   */
  InvalidSpec: "InvalidSpec",
  /** The tuning is being deleted: nodes are restoring their original values. */
  Reverting: "Reverting",
  /** Every node the deleted tuning touched has restored its values. */
  Reverted: "Reverted",
} as const;
