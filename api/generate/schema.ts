import ts from "typescript";

import {
  SchemaGenerationError,
  type JSONSchemaProps,
  type ValidationRule,
} from "./schema-types.ts";

export { SchemaGenerationError, type JSONSchemaProps, type ValidationRule };

const numericTags = [
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "maxProperties",
] as const;

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

/**
 * Turns TypeScript interfaces and type aliases, with their JSDoc, into
 * structural OpenAPI schemas. Works on syntax so that alias names and their
 * documentation survive; the checker only resolves names across files.
 */
export class SchemaBuilder {
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;

  constructor(files: string[]) {
    this.program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      allowImportingTsExtensions: true,
      noEmit: true,
    });
    this.checker = this.program.getTypeChecker();
  }

  /** The schema of the exported interface `name` declared in `file`. */
  schemaOf(file: string, name: string): JSONSchemaProps {
    const source = this.program.getSourceFile(file);
    if (!source) throw new SchemaGenerationError(`${file}: not part of the program`);
    const decl = source.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name,
    );
    if (!decl) throw new SchemaGenerationError(`${file}: no interface ${name}`);
    return this.declarationSchema(decl);
  }

  private declarationSchema(decl: Declaration): JSONSchemaProps {
    const tags = readTags(decl);
    if (tags.has("objectMeta")) return { type: "object" };
    // Checked by whoever reads it (its full schema would exceed the API server's CEL cost budget).
    if (tags.has("preserveUnknownFields"))
      return withAnnotations(
        { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        decl,
        tags,
      );
    const schema = ts.isInterfaceDeclaration(decl)
      ? this.objectSchema(decl)
      : this.aliasSchema(decl, tags);
    return withAnnotations(schema, decl, tags);
  }

  private aliasSchema(decl: ts.TypeAliasDeclaration, tags: Tags): JSONSchemaProps {
    if (tags.has("intOrString")) return { "x-kubernetes-int-or-string": true };
    if (tags.has("integer")) return { type: "integer" };
    // A name from a vocabulary in api/ (such as SymptomName): a string in the schema, so
    // that a newer value is never a schema change that stored objects fail.
    if (tags.has("string")) return { type: "string" };
    return this.typeSchema(decl.type, decl.name.text);
  }

  private objectSchema(decl: ts.InterfaceDeclaration): JSONSchemaProps {
    const properties: Record<string, JSONSchemaProps> = {};
    const required: string[] = [];
    for (const member of this.membersWithBases(decl)) {
      const name = member.name.getText();
      if (!member.type) throw new SchemaGenerationError(`${decl.name.text}.${name}: no type`);
      const base = this.typeSchema(member.type, `${decl.name.text}.${name}`);
      properties[name] = withAnnotations(base, member, readTags(member));
      if (!member.questionToken) required.push(name);
    }
    const schema: JSONSchemaProps = { type: "object", properties };
    if (required.length > 0) schema.required = required;
    return schema;
  }

  private membersWithBases(decl: ts.InterfaceDeclaration): ts.PropertySignature[] {
    const inherited = (decl.heritageClauses ?? []).flatMap((clause) =>
      clause.types.flatMap((base) => {
        const target = this.resolve(base.expression, decl.name.text);
        if (!ts.isInterfaceDeclaration(target)) {
          throw new SchemaGenerationError(`${decl.name.text}: can only extend interfaces`);
        }
        return this.membersWithBases(target);
      }),
    );
    return [...inherited, ...decl.members.filter(ts.isPropertySignature)];
  }

  private typeSchema(node: ts.TypeNode, where: string): JSONSchemaProps {
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { type: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: "boolean" };
      default:
        break;
    }
    if (ts.isArrayTypeNode(node)) {
      return { type: "array", items: this.typeSchema(node.elementType, `${where}[]`) };
    }
    if (ts.isUnionTypeNode(node)) return stringEnum(node, where);
    if (ts.isTypeReferenceNode(node)) return this.referenceSchema(node, where);
    throw new SchemaGenerationError(`${where}: unsupported type ${node.getText()}`);
  }

  private referenceSchema(node: ts.TypeReferenceNode, where: string): JSONSchemaProps {
    if (node.typeName.getText() === "Record") {
      const value = node.typeArguments?.[1];
      if (!value) throw new SchemaGenerationError(`${where}: Record needs a value type`);
      return { type: "object", additionalProperties: this.typeSchema(value, `${where}{}`) };
    }
    return this.declarationSchema(this.resolve(node.typeName, where));
  }

  private resolve(name: ts.Node, where: string): Declaration {
    let symbol = this.checker.getSymbolAtLocation(name);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias)
      symbol = this.checker.getAliasedSymbol(symbol);
    const decl = symbol?.declarations?.find(
      (d): d is Declaration => ts.isInterfaceDeclaration(d) || ts.isTypeAliasDeclaration(d),
    );
    if (!decl) throw new SchemaGenerationError(`${where}: cannot resolve ${name.getText()}`);
    return decl;
  }
}

function stringEnum(node: ts.UnionTypeNode, where: string): JSONSchemaProps {
  const values = node.types.map((member) => {
    if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) {
      return member.literal.text;
    }
    throw new SchemaGenerationError(`${where}: unions must be of string literals`);
  });
  return { type: "string", enum: values };
}

type Tags = Map<string, string[]>;

function readTags(node: ts.Node): Tags {
  const tags: Tags = new Map();
  for (const tag of ts.getJSDocTags(node)) {
    const text = ts.getTextOfJSDocComment(tag.comment)?.trim() ?? "";
    tags.set(tag.tagName.text, [...(tags.get(tag.tagName.text) ?? []), text]);
  }
  return tags;
}

function descriptionOf(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs
    .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? "")
    .join(" ")
    .replace(/\s+/g, " ")
    .trim();
  return text === "" ? undefined : text;
}

/** Adds a declaration's or property's description and tags over a base schema. */
function withAnnotations(base: JSONSchemaProps, node: ts.Node, tags: Tags): JSONSchemaProps {
  const schema: JSONSchemaProps = { ...base };
  const description = descriptionOf(node);
  if (description !== undefined) schema.description = description;
  addNumericTags(schema, tags, node);
  const single = (key: string): string | undefined => tags.get(key)?.[0];
  const pattern = single("pattern");
  if (pattern !== undefined) schema.pattern = pattern;
  const format = single("format");
  if (format !== undefined) schema.format = format;
  const listType = single("listType");
  if (listType !== undefined) schema["x-kubernetes-list-type"] = listType;
  const defaultValue = single("default");
  if (defaultValue !== undefined) schema.default = parseJSON(defaultValue, "default", node);
  const since = single("since");
  if (since !== undefined) schema["x-nettune-since"] = since;
  const mapKeys = tags.get("listMapKey");
  if (mapKeys) schema["x-kubernetes-list-map-keys"] = mapKeys;
  const rules = (tags.get("validation") ?? []).map((text) => parseRule(text, node));
  if (rules.length > 0) {
    schema["x-kubernetes-validations"] = [...(base["x-kubernetes-validations"] ?? []), ...rules];
  }
  return schema;
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

function locate(node: ts.Node): string {
  const source = node.getSourceFile();
  const { line } = source.getLineAndCharacterOfPosition(node.getStart());
  return `${source.fileName}:${line + 1}`;
}
