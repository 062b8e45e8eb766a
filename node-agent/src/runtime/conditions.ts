/** Condition types of a NodeNetworkTuning, written by its agent. */
export const NodeConditionType = {
  Applied: "Applied",
  Degraded: "Degraded",
  Drifted: "Drifted",
  ConntrackPressure: "ConntrackPressure",
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
} as const;

export { setConditions, iso, type ConditionInput } from "../../../common/conditions.ts";
