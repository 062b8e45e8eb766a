import { kubeTime } from "./time.ts";
import type { Condition } from "../api/v1alpha1/meta.ts";

/** A condition to write; each kind names its own types and reasons (api/v1alpha1/reasons.ts). */
export interface ConditionInput<Type extends string = string, Reason extends string = string> {
  type: Type;
  status: "True" | "False" | "Unknown";
  reason: Reason;
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
      before && before.status === condition.status ? before.lastTransitionTime : kubeTime(now);
    return { ...condition, lastTransitionTime, observedGeneration: generation };
  });
}
