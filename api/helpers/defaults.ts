import type { JSONSchemaProps } from "../generate/schema.ts";

/**
 * Fills in schema defaults the way the API server does for a structural
 * schema: a missing property with a default gets it, then objects and arrays
 * are walked. Used where objects do not pass through the API server, such as
 * the agent's CLI reading a file. Returns a new value; the input is untouched.
 */
export function applyDefaults(schema: JSONSchemaProps, value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((item) => applyDefaults(items, item)) : value;
  }
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = { ...value };
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (result[key] === undefined && property.default !== undefined) {
      result[key] = structuredClone(property.default);
    }
    if (result[key] !== undefined) result[key] = applyDefaults(property, result[key]);
  }
  const additional = schema.additionalProperties;
  if (additional) {
    for (const key of Object.keys(result)) result[key] = applyDefaults(additional, result[key]);
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
