import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { loadKindSchema } from "../../api/helpers/crd-schemas.ts";
import { applyDefaults } from "../../api/helpers/defaults.ts";
import { SchemaValidator, type FieldError } from "../../api/helpers/validate.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";

/** Raised for a tuning file that does not fit the schema; lists every field at fault. */
export class SpecFileError extends Error {
  override name = "SpecFileError";
  readonly errors: FieldError[];
  constructor(file: string, errors: FieldError[]) {
    super(`${file}:\n${errors.map((e) => `  ${e.field}: ${e.message}`).join("\n")}`);
    this.errors = errors;
  }
}

export interface LoadedSpec {
  name: string;
  spec: NodeNetworkTuningSpec;
}

const plurals: Record<string, string> = {
  NetworkTuning: "networktunings",
  NodeNetworkTuning: "nodenetworktunings",
};

/** Reads a NetworkTuning or NodeNetworkTuning file, checked and defaulted like the API server would. */
export async function loadSpecFile(file: string, crdDir: string): Promise<LoadedSpec> {
  const text = await readFile(file, "utf8");
  const document = parse(text) as unknown;
  if (typeof document !== "object" || document === null)
    throw new SpecFileError(file, [{ field: "(document)", message: "not a YAML object" }]);
  const object = document as { kind?: unknown; metadata?: { name?: unknown } };
  const plural = typeof object.kind === "string" ? plurals[object.kind] : undefined;
  if (plural === undefined) {
    throw new SpecFileError(file, [
      {
        field: "kind",
        message: `must be NetworkTuning or NodeNetworkTuning, got ${JSON.stringify(object.kind)}`,
      },
    ]);
  }
  const schema = await loadKindSchema(crdDir, plural);
  const errors = new SchemaValidator(schema).validate(document);
  if (errors.length > 0) throw new SpecFileError(file, errors);
  const defaulted = applyDefaults(schema, document) as {
    spec: NodeNetworkTuningSpec;
    metadata?: { name?: string };
  };
  return { name: defaulted.metadata?.name ?? "(unnamed)", spec: defaulted.spec };
}
