// The one vocabulary of both kinds' conditions, per-setting results and Events:
// the agent writes with these names and the operator reads with them, so a
// renamed reason fails to compile on both sides. README's tables are checked
// against them (test/docs/vocabulary.test.ts). The agent's Event reasons and the
// other writers it names are in agent-vocabulary.ts, exported from here too.

export {
  AgentEventAction,
  AgentEventReason,
  OtherWriter,
  type AgentEventActionName,
  type AgentEventReasonName,
  type OtherWriterName,
} from "./agent-vocabulary.ts";

/** Condition types of a NodeNetworkTuning, written by its agent. */
export const NodeConditionType = {
  Applied: "Applied",
  Degraded: "Degraded",
  Drifted: "Drifted",
  ConntrackPressure: "ConntrackPressure",
  Conflicting: "Conflicting",
} as const;

/** Every reason a node condition can carry, with what it means. */
export const NodeConditionReason = {
  /** Every setting the node can hold has the desired value. */
  Applied: "Applied",
  /** Audit mode: nothing is written; the message counts what would change. */
  AuditOnly: "AuditOnly",
  /** Some setting failed to apply or was rolled back. */
  SettingsFailed: "SettingsFailed",
  /** The spec asks for nothing; everything NetTune changed was restored. */
  NothingToApply: "NothingToApply",
  /** The spec was refused before any write (a key or path outside the allowlist). */
  InvalidSpec: "InvalidSpec",
  /** No setting failed. */
  AsExpected: "AsExpected",
  /** The last check found values changed behind NetTune's back and corrected them. */
  DriftCorrected: "DriftCorrected",
  /** The last check found every value as NetTune left it. */
  NoDrift: "NoDrift",
  /** Connection tracking has stayed above 90% of its maximum. */
  TableNearlyFull: "TableNearlyFull",
  /** Connection tracking is below 90% of its maximum. */
  BelowThreshold: "BelowThreshold",
  /**
   * Another program (kube-proxy) writes settings NetTune manages to other
   * values when it starts; the message names each, its value and the fix.
   */
  OtherWriters: "OtherWriters",
  /** No program known to NetTune writes what it manages to other values. */
  NoOtherWriters: "NoOtherWriters",
  /**
   * The kernel's boot id cannot be read: the agent cannot tell its recorded
   * originals from another boot's, so it writes nothing.
   */
  BootIdUnreadable: "BootIdUnreadable",
  /**
   * The originals file cannot be read, parsed or trusted (a checksum that
   * fails, a link, a FIFO, megabytes): the agent writes nothing and leaves
   * the file as it is.
   */
  StateUnreadable: "StateUnreadable",
  /** The originals file was removed while its previous generation holds originals: nothing is written. */
  StateMissing: "StateMissing",
  /** The originals file cannot be saved (a full or read-only run directory): nothing is written. */
  StateUnwritable: "StateUnwritable",
  /**
   * Some recorded originals could not be restored (the kernel refused, the
   * value cannot be read): they stay recorded and the agent tries again.
   */
  RevertFailed: "RevertFailed",
} as const;

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
  /**
   * A node the deleted tuning touched could not restore some values: the
   * finalizer stays until it does, or until the nettune.io/abandon-revert
   * annotation lets go.
   */
  RevertFailed: "RevertFailed",
  /** The deletion was let go with nettune.io/abandon-revert while nodes still held values it set. */
  RevertAbandoned: "RevertAbandoned",
  /**
   * Matched nodes cannot get the tuning: their merged object cannot hold it (too
   * many tunings), or the API server refused the merged object; the message has its words.
   */
  NotMerged: "NotMerged",
  /** The DNS webhook could not add a pod's resolver options; the pod was admitted without them. */
  DNSInjectionFailed: "DNSInjectionFailed",
  /**
   * The DNS webhook cannot serve: it has no certificate (its Secret cannot be
   * read or written), or an operator replica cannot listen on its port (taken by
   * another process); pods are admitted without the tuning's resolver options
   * until it can.
   */
  DNSWebhookUnavailable: "DNSWebhookUnavailable",
} as const;

/**
 * Every reason a setting result can carry, in one place. Each is a CamelCase
 * word for machines with a one-line meaning for people.
 */
export const SettingReason = {
  /** The node already had the desired value. */
  AlreadySet: "AlreadySet",
  /** NetTune wrote the value and read it back. */
  Written: "Written",
  /** Audit mode: the node's value differs and would be changed. */
  WouldChange: "WouldChange",
  /** The driver does not offer this setting. */
  NotSupportedByDriver: "NotSupportedByDriver",
  /** The feature is fixed by the driver and cannot be toggled. */
  FixedFeature: "FixedFeature",
  /** The driver has no feature by that name. */
  NoSuchFeature: "NoSuchFeature",
  /** The file or device for the setting does not exist here. */
  NotPresent: "NotPresent",
  /** The setting is global and this agent runs in a non-initial network namespace. */
  ReadOnlyInNamespace: "ReadOnlyInNamespace",
  /** The kernel refused the write as read-only. */
  ReadOnly: "ReadOnly",
  /** The kernel manages this IRQ's affinity and refuses changes. */
  KernelManagedIRQ: "KernelManagedIRQ",
  /**
   * The IRQ's affinity reads back as written, but the kernel still delivers it
   * on other CPUs (effective_affinity_list): it moves the IRQ when it next
   * fires or its queue is started (seen on idle virtio_net queues).
   */
  EffectivePending: "EffectivePending",
  /** The interface has no queue IRQs (a virtual device). */
  NoQueueIRQs: "NoQueueIRQs",
  /**
   * The device has interrupt vectors, but its driver's naming of them is not
   * known, so none is taken for a queue (never guessed).
   */
  QueueIRQsUnknown: "QueueIRQsUnknown",
  /** The value was rejected before any write: outside the allowlist or malformed. */
  Refused: "Refused",
  /** What the host holds for this setting could not be read or parsed; nothing was written. */
  UnreadableHostValue: "UnreadableHostValue",
  /** The write failed. */
  WriteFailed: "WriteFailed",
  /** The value read back after the write differs from the one written. */
  VerifyMismatch: "VerifyMismatch",
  /** The value was restored to what the node had before NetTune changed it. */
  RestoredOriginal: "RestoredOriginal",
  /** The change cut the node off from the API server and was undone. */
  RolledBack: "RolledBack",
  /** irqbalance is not running: there is nothing to keep off the tuned IRQs. */
  IRQBalanceNotRunning: "IRQBalanceNotRunning",
  /** irqbalance runs without a control socket that answers, so it cannot be asked to ban IRQs. */
  IRQBalanceUnreachable: "IRQBalanceUnreachable",
  /** onlyRaise kept a larger value the node already had. */
  KeptLarger: "KeptLarger",
  /** autoTune raised the value within its ceiling, and the node holds it (spec.autoRaised). */
  AutoRaised: "AutoRaised",
} as const;

/** The kubelet's condition on a Node that the operator reads (Kubernetes' vocabulary, not ours). */
export const KubeletNodeCondition = { Ready: "Ready" } as const;

type ValueOf<T> = T[keyof T];
export type NodeConditionTypeName = ValueOf<typeof NodeConditionType>;
export type NodeConditionReasonName = ValueOf<typeof NodeConditionReason>;
export type TuningConditionTypeName = ValueOf<typeof TuningConditionType>;
export type TuningReasonName = ValueOf<typeof TuningReason>;
export type SettingReasonName = ValueOf<typeof SettingReason>;

/** Whether a reason read back from an object is one the agent writes. */
export function isNodeConditionReason(value: string): value is NodeConditionReasonName {
  return (Object.values(NodeConditionReason) as string[]).includes(value);
}
