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
  /** The interface has no queue IRQs (a virtual device). */
  NoQueueIRQs: "NoQueueIRQs",
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
} as const;

export type SettingReasonName = keyof typeof SettingReason;
