// JSDoc tags on the API's types and what each sets in the generated schema:
// sizes, patterns, formats, list and map types, defaults, the version a field
// is served from and CEL rules.
import ts from "typescript";

import {
  SchemaGenerationError,
  type JSONSchemaProps,
  type ValidationRule,
} from "./schema-types.ts";

const numericTags = [
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "maxProperties",
] as const;

export type Tags = Map<string, string[]>;

export function readTags(node: ts.Node): Tags {
  const tags: Tags = new Map();
  for (const tag of ts.getJSDocTags(node)) {
    const text = ts.getTextOfJSDocComment(tag.comment)?.trim() ?? "";
    tags.set(tag.tagName.text, [...(tags.get(tag.tagName.text) ?? []), text]);
  }
  return tags;
}

/** Sets what the tags say on `schema`; `base` is the schema before, whose rules the tags' rules follow. */
export function addTags(
  schema: JSONSchemaProps,
  base: JSONSchemaProps,
  node: ts.Node,
  tags: Tags,
): void {
  addNumericTags(schema, tags, node);
  const single = (key: string): string | undefined => tags.get(key)?.[0];
  const pattern = single("pattern");
  if (pattern !== undefined) schema.pattern = pattern;
  const format = single("format");
  if (format !== undefined) schema.format = format;
  addCollectionTags(schema, node, tags);
  const defaultValue = single("default");
  if (defaultValue !== undefined) schema.default = parseJSON(defaultValue, "default", node);
  const since = single("since");
  if (since !== undefined) schema["x-nettune-since"] = since;
  const rules = (tags.get("validation") ?? []).map((text) => parseRule(text, node));
  if (rules.length > 0) {
    schema["x-kubernetes-validations"] = [...(base["x-kubernetes-validations"] ?? []), ...rules];
  }
}

/** How the API server tracks and merges a list or map: @listType, @listMapKey, @mapType. */
function addCollectionTags(schema: JSONSchemaProps, node: ts.Node, tags: Tags): void {
  const listType = tags.get("listType")?.[0];
  if (listType !== undefined) schema["x-kubernetes-list-type"] = listType;
  const mapKeys = tags.get("listMapKey");
  if (mapKeys) schema["x-kubernetes-list-map-keys"] = mapKeys;
  const mapType = tags.get("mapType")?.[0];
  if (mapType === "atomic" || mapType === "granular") schema["x-kubernetes-map-type"] = mapType;
  else if (mapType !== undefined)
    throw new SchemaGenerationError(
      `${locate(node)}: @mapType is atomic or granular, not "${mapType}"`,
    );
}
function addNumericTags(schema: JSONSchemaProps, tags: Tags, node: ts.Node): void {
  for (const key of numericTags) {
    const value = tags.get(key)?.[0];
    if (value !== undefined) schema[key] = parseNumber(value, key, node);
  }
}

function parseNumber(text: string, tag: string, node: ts.Node): number {
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new SchemaGenerationError(`${locate(node)}: @${tag} needs a number, got "${text}"`);
  }
  return value;
}

function parseJSON(text: string, tag: string, node: ts.Node): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new SchemaGenerationError(`${locate(node)}: @${tag} is not JSON: ${text}`, { cause });
  }
}

function parseRule(text: string, node: ts.Node): ValidationRule {
  const value = parseJSON(text, "validation", node);
  if (
    typeof value === "object" &&
    value !== null &&
    "rule" in value &&
    "message" in value &&
    typeof value.rule === "string" &&
    typeof value.message === "string"
  ) {
    const rule: ValidationRule = { rule: value.rule, message: value.message };
    if ("messageExpression" in value && typeof value.messageExpression === "string")
      rule.messageExpression = value.messageExpression;
    if ("versions" in value && Array.isArray(value.versions))
      rule["x-nettune-versions"] = value.versions.map(String);
    return rule;
  }
  throw new SchemaGenerationError(`${locate(node)}: @validation needs {"rule", "message"}`);
}

export function locate(node: ts.Node): string {
  const source = node.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(node.getStart());
  return `${source.fileName}:${line + 1}`;
}
