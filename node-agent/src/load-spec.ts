import { hasFieldPath } from "../../api/helpers/field-path.ts";
import path from "node:path";
import { isAlias, isMap, isNode, isScalar, isSeq, parseAllDocuments, type Document } from "yaml";
import { applyDefaults } from "../../api/helpers/defaults.ts";
import type { FieldError } from "../../api/helpers/validate.ts";
import { kindValidator } from "../../api/v1alpha1/validators.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { kindSchemas, laterFields, type KindPlural } from "../../api/v1alpha1/schemas.generated.ts";
import { apiVersion, apiVersions, group, Plural } from "../../api/v1alpha1/identity.ts";
import { HostDataError, readHostFile, readUpTo } from "./host/host-read.ts";

/**
 * Raised for a tuning file that cannot be used: unreadable, not one YAML
 * document, or not fitting the schema. The message never quotes the file's
 * lines, so pointing --file at a secret does not print the secret.
 */
export class SpecFileError extends Error {
  override name = "SpecFileError";
  readonly errors: FieldError[];
  constructor(file: string, errors: FieldError[]) {
    // One line, however many problems: a person or a log reads it whole.
    super(
      errors.length === 1 && errors[0]?.field === ""
        ? `${file}: ${errors[0].message}`
        : `${file}: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`,
    );
    this.errors = errors;
  }
}

export interface LoadedSpec {
  name: string;
  spec: NodeNetworkTuningSpec;
}

const plurals: Record<string, KindPlural> = {
  NetworkTuning: Plural.NetworkTuning,
  NodeNetworkTuning: Plural.NodeNetworkTuning,
};

// A tuning is a few KiB; the limits keep a hostile file from costing minutes or gigabytes.
const fileLimit = 256 * 1024;
const maxDepth = 32;
const maxAliases = 100;

/** Reads a NetworkTuning or NodeNetworkTuning file, checked and defaulted like the API server would. */
export async function loadSpecFile(file: string): Promise<LoadedSpec> {
  const refuse = (message: string): SpecFileError =>
    new SpecFileError(file, [{ field: "", message }]);
  return parseSpecText(file, await readSpecText(file, refuse));
}

/** A tuning's text, checked and defaulted as loadSpecFile does; `file` names it in errors. */
export function parseSpecText(file: string, text: string): LoadedSpec {
  const refuse = (message: string): SpecFileError =>
    new SpecFileError(file, [{ field: "", message }]);
  const document = parseOne(text, refuse);
  if (typeof document !== "object" || document === null || Array.isArray(document))
    throw refuse("not a YAML mapping (a NetworkTuning or NodeNetworkTuning)");
  const object = document as { kind?: unknown; apiVersion?: unknown; metadata?: unknown };
  const plural = typeof object.kind === "string" ? plurals[object.kind] : undefined;
  if (plural === undefined)
    throw new SpecFileError(file, [
      { field: "kind", message: "must be NetworkTuning or NodeNetworkTuning" },
    ]);
  const schema = kindSchemas[plural];
  const errors = [
    ...identityProblems(object),
    ...notServedIn(object.apiVersion, plural, document),
    ...kindValidator(plural).validate(document),
  ];
  if (errors.length > 0) throw new SpecFileError(file, errors);
  const defaulted = applyDefaults(schema, document) as {
    spec: NodeNetworkTuningSpec;
    metadata?: { name?: string };
  };
  return { name: defaulted.metadata?.name ?? "(unnamed)", spec: defaulted.spec };
}

async function readSpecText(
  file: string,
  refuse: (message: string) => SpecFileError,
): Promise<string> {
  try {
    // "--file -": standard input, which a person pipes into on purpose (a named FIFO is refused).
    const text =
      file === "-"
        ? await readUpTo(process.stdin, file, fileLimit)
        : await readHostFile("/", path.resolve(file), fileLimit);
    if (text === undefined) throw refuse("no such file");
    return text;
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    throw refuse(cause.problem);
  }
}

/** The one YAML document in the text, as plain data; positions, never lines, in errors. */
function parseOne(text: string, refuse: (message: string) => SpecFileError): unknown {
  let documents: Document.Parsed[];
  try {
    // Duplicate keys are found below in linear time; the library's own check is quadratic.
    documents = parseAllDocuments(text, {
      uniqueKeys: false,
      prettyErrors: false,
    }) as Document.Parsed[];
  } catch {
    throw refuse("cannot be parsed as YAML");
  }
  if (documents.length !== 1) throw refuse(`holds ${documents.length} YAML documents, not one`);
  const [document] = documents as [Document.Parsed];
  const error = document.errors[0];
  if (error) {
    const before = text.slice(0, error.pos[0]).split("\n");
    const at = `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    throw refuse(`YAML error ${error.code} at ${at}`);
  }
  const problem = documentProblem(document);
  if (problem) throw refuse(problem);
  try {
    return document.toJS({ maxAliasCount: maxAliases });
  } catch {
    throw refuse(`cannot be read as data (more than ${maxAliases} aliases, or nested too deeply)`);
  }
}

// metadata.name as the API server checks it: a DNS subdomain (RFC 1123).
const objectName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Fields the file's version does not serve: the API server would refuse them
 * (kubectl's strict field validation) or drop them, so the file is refused here.
 */
function notServedIn(version: unknown, plural: KindPlural, document: object): FieldError[] {
  const served = typeof version === "string" ? version.slice(group.length + 1) : "";
  return (laterFields[plural][served] ?? [])
    .filter((field) => hasFieldPath(document, field))
    .map((field) => ({ field, message: `is not served by ${String(version)}; use ${apiVersion}` }));
}

/** A wrong apiVersion or an object name the API server would refuse. */
function identityProblems(object: { apiVersion?: unknown; metadata?: unknown }): FieldError[] {
  const problems: FieldError[] = [];
  if (typeof object.apiVersion !== "string" || !apiVersions.includes(object.apiVersion))
    problems.push({ field: "apiVersion", message: `must be one of ${apiVersions.join(", ")}` });
  const name = (object.metadata as { name?: unknown } | undefined)?.name;
  if (
    name !== undefined &&
    (typeof name !== "string" || name.length > 253 || !objectName.test(name))
  )
    problems.push({
      field: "metadata.name",
      message: "must be a DNS subdomain: at most 253 lowercase letters, digits, '-' and '.'",
    });
  return problems;
}

// The YAML 1.2 core schema's tags: any other (a YAML 1.1 !!binary, !!set, !!timestamp, a
// local !tag) could make a value mean something else than it reads, or vanish.
const coreTags = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/** A key as the data will hold it: aliases resolved, scalars as their string. */
function keyOf(key: unknown, document: Document.Parsed): string {
  const resolved = isAlias(key) ? key.resolve(document) : key;
  if (isScalar(resolved)) return String(resolved.value);
  return JSON.stringify(isNode(resolved) ? resolved.toJSON() : resolved);
}

/** A YAML version other than 1.2, or a problem of the structure (below). */
function documentProblem(document: Document.Parsed): string | undefined {
  const { version, explicit } = document.directives.yaml;
  if (explicit === true && version !== "1.2")
    return `%YAML ${version} is not accepted: tunings are YAML 1.2`;
  return structureProblem(document.contents, 0, "", document);
}

/** A tag outside the core schema, nesting beyond maxDepth, or a key given twice in one mapping. */
function structureProblem(
  node: unknown,
  depth: number,
  at: string,
  document: Document.Parsed,
): string | undefined {
  if (depth > maxDepth) return `nested deeper than ${maxDepth} levels at ${at || "the top"}`;
  const tag = isNode(node) ? node.tag : undefined;
  if (tag !== undefined && !coreTags.has(tag))
    return `tag ${tag} at ${at || "the top"} is not a YAML 1.2 core tag`;
  const children = childrenOf(node, at, document);
  if (typeof children === "string") return children;
  for (const [child, path] of children) {
    const problem = structureProblem(child, depth + 1, path, document);
    if (problem) return problem;
  }
  return undefined;
}

/** A node's children with their paths, or what is wrong with its keys. */
function childrenOf(
  node: unknown,
  at: string,
  document: Document.Parsed,
): [unknown, string][] | string {
  if (isSeq(node)) return node.items.map((item, i) => [item, `${at}[${i}]`]);
  if (!isMap(node)) return [];
  const children: [unknown, string][] = [];
  const keys = new Set<string>();
  for (const pair of node.items) {
    const key = keyOf(pair.key, document);
    const path = at ? `${at}.${key}` : key;
    if (key === "<<") return `merge key << at ${at || "the top"} is not accepted (YAML 1.1)`;
    if (keys.has(key)) return `key ${path} is given twice`;
    keys.add(key);
    children.push([pair.value, path]);
  }
  return children;
}
