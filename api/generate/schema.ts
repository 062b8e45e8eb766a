import ts from "typescript";

import {
  SchemaGenerationError,
  type JSONSchemaProps,
  type ValidationRule,
} from "./schema-types.ts";
import { addTags, readTags, type Tags } from "./tags.ts";

export { SchemaGenerationError, type JSONSchemaProps, type ValidationRule };

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
  addTags(schema, base, node, tags);
  return schema;
}
