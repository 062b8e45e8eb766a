import type { Condition } from "../../../api/v1alpha1/meta.ts";

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

export interface ConditionInput {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
}

/**
 * Builds the full condition list: every type at once so they never
 * contradict each other. lastTransitionTime moves only when a status flips;
 * observedGeneration is stamped on all.
 */
export function setConditions(
  previous: readonly Condition[] | undefined,
  next: readonly ConditionInput[],
  now: Date,
  generation: number,
): Condition[] {
  return next.map((condition) => {
    const before = previous?.find((c) => c.type === condition.type);
    const lastTransitionTime =
      before && before.status === condition.status ? before.lastTransitionTime : iso(now);
    return { ...condition, lastTransitionTime, observedGeneration: generation };
  });
}

/** RFC 3339 without fractions, as the API server stores metav1.Time. */
export function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
