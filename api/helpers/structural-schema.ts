import { _, Ajv, type Options, type ValidateFunction } from "ajv";
import type { JSONSchemaProps } from "../generate/schema.ts";

/**
 * The JSON-schema validator the OpenAPI part is checked with. Its one
 * Kubernetes keyword generates code rather than calling a function, so that
 * the validators can be compiled ahead of time into a module (ajv standalone):
 * compiling the schemas costs about 60 ms at every CLI start.
 */
export function structuralAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, ...options });
  ajv.addKeyword({
    keyword: "x-kubernetes-int-or-string",
    schemaType: "boolean",
    code: (cxt) => {
      cxt.fail(_`typeof ${cxt.data} != "string" && !Number.isInteger(${cxt.data})`);
    },
  });
  return ajv;
}

/**
 * What ajv checks: the OpenAPI schema with unknown fields refused (CEL rules
 * are checked apart), without descriptions: they check nothing, and ajv
 * standalone writes the schema into the generated module.
 */
export function structuralSchema(schema: JSONSchemaProps): Record<string, unknown> {
  return closedObjects(schema);
}

/**
 * The schema with unknown fields refused, as kubectl's strict field
 * validation does: every object that lists its properties allows no others.
 */
function closedObjects(schema: JSONSchemaProps): Record<string, unknown> {
  const {
    "x-kubernetes-validations": _rules,
    description: _description,
    properties,
    items,
    additionalProperties,
    ...rest
  } = schema;
  const copy: Record<string, unknown> = { ...rest };
  if (properties) {
    copy.properties = Object.fromEntries(
      Object.entries(properties).map(([key, child]) => [key, closedObjects(child)]),
    );
    copy.additionalProperties = additionalProperties ? closedObjects(additionalProperties) : false;
  } else if (additionalProperties) copy.additionalProperties = closedObjects(additionalProperties);
  if (items) copy.items = closedObjects(items);
  return copy;
}

/** The structural validator of a schema, compiled now (tests, schemas read at run time). */
export function compileStructural(schema: JSONSchemaProps): ValidateFunction {
  return structuralAjv().compile(structuralSchema(schema));
}
