import { compareCodeUnits } from "./order.ts";

/**
 * JSON with object keys sorted and undefined fields left out, so that two
 * values that mean the same compare equal as text whatever their key order
 * (the API server reorders what it returns) and whichever fields are absent
 * or undefined.
 */
export function canonicalJSON(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === "object" && inner !== null && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner)
            .filter(([, field]) => field !== undefined)
            .sort(([a], [b]) => compareCodeUnits(a, b)),
        )
      : inner,
  );
}
