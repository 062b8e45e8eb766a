import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import type { CustomResourceDefinition } from "../generate/crd.ts";
import type { JSONSchemaProps } from "../generate/schema.ts";

/** Reads the OpenAPI schema of a kind, in its storage version, from the generated CRD files in `crdDir`. */
export async function loadKindSchema(crdDir: string, plural: string): Promise<JSONSchemaProps> {
  const text = await readFile(path.join(crdDir, `${plural}.nettune.io.yaml`), "utf8");
  const crd = parse(text) as CustomResourceDefinition;
  const schema = crd.spec.versions.find((v) => v.storage)?.schema.openAPIV3Schema;
  if (!schema) throw new Error(`${plural}: the CRD has no schema`);
  return schema;
}
