import type { IntOrPercent } from "../v1alpha1/meta.ts";

/** Raised for a value that is neither a non-negative integer nor a percentage. */
export class IntOrPercentError extends Error {
  override name = "IntOrPercentError";
}

/**
 * Resolves maxUnavailable against the number of matched nodes: a percentage
 * rounds down, and the result is at least 1 so a rollout can always move.
 */
export function resolveMaxUnavailable(value: IntOrPercent | undefined, total: number): number {
  if (value === undefined) return 1;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      throw new IntOrPercentError(`maxUnavailable: ${value} is not a non-negative integer`);
    }
    return Math.max(1, value);
  }
  const match = /^(100|[1-9]?[0-9])%$/.exec(value);
  if (!match?.[1]) throw new IntOrPercentError(`maxUnavailable: "${value}" is not a percentage`);
  return Math.max(1, Math.floor((total * Number(match[1])) / 100));
}
