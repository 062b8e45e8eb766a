import type { JSONSchemaProps } from "../generate/schema.ts";

/** One problem, naming the field the way the API server does ("spec.interfaces[0].rings.rx"). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Checks a value against the structural part of a CRD schema (types, enums,
 * ranges, lengths, patterns, required and unknown fields). CEL rules are left
 * to the API server and to the planners. Used where input does not pass
 * through the API server, such as the agent's CLI.
 */
export function validateAgainstSchema(
  schema: JSONSchemaProps,
  value: unknown,
  field: string,
): FieldError[] {
  if (value === undefined || value === null) return [];
  if (schema["x-kubernetes-int-or-string"]) {
    return typeof value === "number" || typeof value === "string"
      ? []
      : [{ field, message: "must be an integer or a string" }];
  }
  const typeError = checkType(schema, value, field);
  if (typeError) return [typeError];
  if (Array.isArray(value)) return validateArray(schema, value, field);
  if (typeof value === "object")
    return validateObject(schema, value as Record<string, unknown>, field);
  return checkScalar(schema, value, field);
}

function checkType(schema: JSONSchemaProps, value: unknown, field: string): FieldError | undefined {
  const actual = Array.isArray(value)
    ? "array"
    : typeof value === "object"
      ? "object"
      : typeof value;
  const expected = schema.type;
  if (expected === undefined) return undefined;
  if (expected === "integer")
    return Number.isInteger(value)
      ? undefined
      : { field, message: `must be an integer, got ${JSON.stringify(value)}` };
  return actual === expected
    ? undefined
    : { field, message: `must be of type ${expected}, got ${actual}` };
}

function validateArray(schema: JSONSchemaProps, value: unknown[], field: string): FieldError[] {
  const errors: FieldError[] = [];
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push({ field, message: `must have at most ${schema.maxItems} items` });
  }
  const items = schema.items;
  if (items)
    value.forEach((item, index) =>
      errors.push(...validateAgainstSchema(items, item, `${field}[${index}]`)),
    );
  return errors;
}

function validateObject(
  schema: JSONSchemaProps,
  value: Record<string, unknown>,
  field: string,
): FieldError[] {
  const errors: FieldError[] = [];
  const keys = Object.keys(value);
  if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
    errors.push({ field, message: `must have at most ${schema.maxProperties} entries` });
  }
  for (const required of schema.required ?? []) {
    if (value[required] === undefined)
      errors.push({ field: `${field}.${required}`, message: "Required value" });
  }
  // An object schema without properties (metadata) is the API server's to check.
  if (!schema.properties && !schema.additionalProperties) return errors;
  for (const key of keys) {
    const child = schema.properties?.[key] ?? schema.additionalProperties;
    if (!child) errors.push({ field: `${field}.${key}`, message: "unknown field" });
    else errors.push(...validateAgainstSchema(child, value[key], `${field}.${key}`));
  }
  return errors;
}

function checkScalar(schema: JSONSchemaProps, value: unknown, field: string): FieldError[] {
  const problem =
    schema.enum && !schema.enum.includes(value as string)
      ? `must be one of ${schema.enum.join(", ")}`
      : typeof value === "number"
        ? numberProblem(schema, value)
        : typeof value === "string"
          ? stringProblem(schema, value)
          : undefined;
  return problem === undefined ? [] : [{ field, message: `${JSON.stringify(value)}: ${problem}` }];
}

function numberProblem(schema: JSONSchemaProps, value: number): string | undefined {
  if (schema.minimum !== undefined && value < schema.minimum)
    return `must be at least ${schema.minimum}`;
  if (schema.maximum !== undefined && value > schema.maximum)
    return `must be at most ${schema.maximum}`;
  return undefined;
}

function stringProblem(schema: JSONSchemaProps, value: string): string | undefined {
  if (schema.maxLength !== undefined && value.length > schema.maxLength)
    return `must be at most ${schema.maxLength} characters`;
  if (schema.minLength !== undefined && value.length < schema.minLength)
    return `must be at least ${schema.minLength} characters`;
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value))
    return `must match ${schema.pattern}`;
  return undefined;
}
