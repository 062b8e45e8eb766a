import path from "node:path";
import { isMap, isSeq, parseAllDocuments, type Document } from "yaml";
import { applyDefaults } from "../../api/helpers/defaults.ts";
import type { FieldError } from "../../api/helpers/validate.ts";
import { kindValidator } from "../../api/v1alpha1/validators.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { kindSchemas, type KindPlural } from "../../api/v1alpha1/schemas.generated.ts";
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
    super(
      errors.length === 1 && errors[0]?.field === ""
        ? `${file}: ${errors[0].message}`
        : `${file}:\n${errors.map((e) => `  ${e.field}: ${e.message}`).join("\n")}`,
    );
    this.errors = errors;
  }
}

export interface LoadedSpec {
  name: string;
  spec: NodeNetworkTuningSpec;
}

const plurals: Record<string, KindPlural> = {
  NetworkTuning: "networktunings",
  NodeNetworkTuning: "nodenetworktunings",
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
  const object = document as { kind?: unknown };
  const plural = typeof object.kind === "string" ? plurals[object.kind] : undefined;
  if (plural === undefined)
    throw new SpecFileError(file, [
      { field: "kind", message: "must be NetworkTuning or NodeNetworkTuning" },
    ]);
  const schema = kindSchemas[plural];
  const errors = kindValidator(plural).validate(document);
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
  const problem = structureProblem(document.contents, 0, "");
  if (problem) throw refuse(problem);
  try {
    return document.toJS({ maxAliasCount: maxAliases });
  } catch {
    throw refuse(`cannot be read as data (more than ${maxAliases} aliases, or nested too deeply)`);
  }
}

/** Nesting beyond maxDepth, or a key given twice in one mapping. */
function structureProblem(node: unknown, depth: number, at: string): string | undefined {
  if (depth > maxDepth) return `nested deeper than ${maxDepth} levels at ${at || "the top"}`;
  const children: [unknown, string][] = isSeq(node)
    ? node.items.map((item, i) => [item, `${at}[${i}]`])
    : [];
  if (isMap(node)) {
    const keys = new Set<string>();
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
      const path = at ? `${at}.${key}` : key;
      if (keys.has(key)) return `key ${path} is given twice`;
      keys.add(key);
      children.push([pair.value, path]);
    }
  }
  for (const [child, path] of children) {
    const problem = structureProblem(child, depth + 1, path);
    if (problem) return problem;
  }
  return undefined;
}
