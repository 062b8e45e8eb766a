import { Environment } from "@marcbachmann/cel-js";
import type { ErrorObject, ValidateFunction } from "ajv";
import type { JSONSchemaProps } from "../generate/schema.ts";

/** One problem, naming the field the way the API server does ("spec.interfaces[0].rings.rx"). */
export interface FieldError {
  field: string;
  message: string;
}

type CompiledRule = ReturnType<Environment["parse"]>;

/**
 * Checks objects against a CRD's own schema as the API server does: the
 * OpenAPI part with a JSON-schema validator (ajv), then every
 * x-kubernetes-validations rule with a CEL evaluator, its messageExpression
 * included. For input that never passes through the API server: the agent's
 * CLI, and the agent's re-check of what it reads from its NodeNetworkTuning.
 */
export class SchemaValidator {
  private readonly schema: JSONSchemaProps;
  private readonly structural: ValidateFunction;
  private readonly cel = new Environment({
    unlistedVariablesAreDyn: true,
    homogeneousAggregateLiterals: false,
  });
  private readonly rules = new Map<string, CompiledRule>();

  /**
   * `structural` checks the OpenAPI part: compiled ahead of time at
   * `npm run generate` (kindValidator in api/v1alpha1/validators.ts), or by
   * compileStructural (structural-schema.ts), so that ajv and its compiler
   * load only where a schema is compiled.
   */
  constructor(schema: JSONSchemaProps, structural: ValidateFunction) {
    this.schema = schema;
    this.structural = structural;
  }

  /** Every problem with `value`; none means the API server would accept it too. */
  validate(value: unknown): FieldError[] {
    if (!this.structural(value)) return (this.structural.errors ?? []).map(fieldError(value));
    const errors: FieldError[] = [];
    this.checkRules(this.schema, value, "", errors);
    return errors;
  }

  private checkRules(
    schema: JSONSchemaProps,
    value: unknown,
    field: string,
    errors: FieldError[],
  ): void {
    if (value === undefined || value === null) return;
    for (const rule of schema["x-kubernetes-validations"] ?? []) {
      const problem = this.broken(rule, value);
      if (problem !== undefined) errors.push({ field: field || "<root>", message: problem });
    }
    for (const [childField, childSchema, child] of children(schema, value, field))
      this.checkRules(childSchema, child, childField, errors);
  }

  /** The message of a rule the value breaks, or undefined when it holds. */
  private broken(
    rule: { rule: string; message: string; messageExpression?: string },
    value: unknown,
  ): string | undefined {
    const self = toCEL(value);
    try {
      if (this.compiled(rule.rule)({ self }) === true) return undefined;
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      return `rule could not be evaluated: ${message}`;
    }
    return this.messageOf(rule, self);
  }

  private messageOf(rule: { message: string; messageExpression?: string }, self: unknown): string {
    if (rule.messageExpression === undefined) return rule.message;
    try {
      const message: unknown = this.compiled(rule.messageExpression)({ self });
      return typeof message === "string" && message !== "" ? message : rule.message;
    } catch {
      // As the API server does: a message expression that fails falls back on the message.
      return rule.message;
    }
  }

  private compiled(expression: string): CompiledRule {
    let compiled = this.rules.get(expression);
    if (!compiled) {
      compiled = this.cel.parse(expression);
      this.rules.set(expression, compiled);
    }
    return compiled;
  }
}

/** The value's list items and object members, each with its schema and field. */
function children(
  schema: JSONSchemaProps,
  value: unknown,
  field: string,
): [string, JSONSchemaProps, unknown][] {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items ? value.map((item, i) => [`${field}[${i}]`, items, item as unknown]) : [];
  }
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const childSchema = schema.properties?.[key] ?? schema.additionalProperties;
    return childSchema
      ? [[join(field, key), childSchema, child] as [string, JSONSchemaProps, unknown]]
      : [];
  });
}

/** CEL's integers are BigInts; JSON's are numbers. */
function toCEL(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCEL);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCEL(v)]));
  return value;
}

function fieldError(root: unknown): (error: ErrorObject) => FieldError {
  return (error) => {
    const field = fieldPath(root, error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === "additionalProperties")
      return { field: join(field, String(params.additionalProperty)), message: "unknown field" };
    if (error.keyword === "required")
      return { field: join(field, String(params.missingProperty)), message: "Required value" };
    if (error.keyword === "enum") {
      const allowed = (params.allowedValues as unknown[]).map(String).join(", ");
      return { field, message: `Unsupported value: must be one of ${allowed}` };
    }
    return { field, message: error.message ?? error.keyword };
  };
}

/** "/spec/interfaces/0/rings" → "spec.interfaces[0].rings", looking at the data for list indexes. */
function fieldPath(root: unknown, pointer: string): string {
  let field = "";
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      field += `[${key}]`;
      node = node[Number(key)] as unknown;
    } else {
      field = join(field, key);
      node = (node as Record<string, unknown> | undefined)?.[key];
    }
  }
  return field;
}

const join = (field: string, key: string): string => (field ? `${field}.${key}` : key);
