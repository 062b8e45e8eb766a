import type { JSONSchemaProps } from "../generate/schema-types.ts";

/**
 * What the agent and its CLI check of an object: the spec and the envelope,
 * with any status taken as it is. They read specs only, and a status is the
 * agent's own writing; its checks were more than half of the compiled
 * validators, source an idle agent kept in its heap for nothing.
 */
export function specPart(schema: JSONSchemaProps): JSONSchemaProps {
  if (!schema.properties?.status) return schema;
  return { ...schema, properties: { ...schema.properties, status: { type: "object" } } };
}
