import {
  group,
  servedVersions,
  storageVersion,
  type APIVersionName,
} from "../v1alpha1/identity.ts";
import type { JSONSchemaProps } from "./schema.ts";
import type { KindDefinition, PrinterColumn } from "./kinds.ts";

export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Cluster";
    conversion: { strategy: "None" };
    versions: CRDVersion[];
  };
}

export interface CRDVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema: { openAPIV3Schema: JSONSchemaProps };
  subresources: { status: Record<string, never> };
  additionalPrinterColumns: PrinterColumn[];
}

/**
 * Wraps a kind's schema into its CustomResourceDefinition: one entry per served
 * version, each with the properties that version serves. The API server
 * converts between them by changing apiVersion alone (docs/adr/0014).
 */
export function customResourceDefinition(
  kind: KindDefinition,
  schema: JSONSchemaProps,
): CustomResourceDefinition {
  // The API server owns the metadata schema and rejects any description of it.
  const properties = { ...schema.properties, metadata: { type: "object" as const } };
  // Only spec is required: the API server fills apiVersion, kind and metadata.
  const required = (schema.required ?? []).filter((name) => name === "spec");
  const full: JSONSchemaProps = { ...schema, properties, required };
  if (required.length === 0) delete full.required;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.plural}.${group}` },
    spec: {
      group,
      names: {
        kind: kind.kind,
        listKind: `${kind.kind}List`,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: ["nettune"],
      },
      scope: "Cluster",
      conversion: { strategy: "None" },
      versions: servedVersions
        .filter((name) => servedFrom(kind.since, name))
        .map((name) => ({
          name,
          served: true,
          storage: name === storageVersion,
          ...(name === storageVersion ? {} : deprecation(kind, name)),
          schema: { openAPIV3Schema: schemaForVersion(full, name) },
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns
            .filter((column) => servedFrom(column.since, name))
            .map(({ since: _since, ...column }) => column),
        })),
    },
  };
}

function deprecation(kind: KindDefinition, name: APIVersionName): Partial<CRDVersion> {
  return {
    deprecated: true,
    deprecationWarning: `${group}/${name} ${kind.kind} is deprecated; use ${group}/${storageVersion} (the same fields and more)`,
  };
}

/** Whether a field or column that `since` names is served in `version`. */
function servedFrom(since: string | undefined, version: APIVersionName): boolean {
  if (since === undefined) return true;
  const first = servedVersions.indexOf(since as APIVersionName);
  if (first < 0) throw new Error(`@since ${since}: not a served version`);
  return servedVersions.indexOf(version) >= first;
}

/** The schema `version` serves: without the properties of later versions, and without markers. */
export function schemaForVersion(
  schema: JSONSchemaProps,
  version: APIVersionName,
): JSONSchemaProps {
  const { "x-nettune-since": _since, ...rest } = schema;
  const out: JSONSchemaProps = { ...rest };
  if (schema.properties) {
    const kept = Object.entries(schema.properties).filter(([, property]) =>
      servedFrom(property["x-nettune-since"], version),
    );
    out.properties = Object.fromEntries(
      kept.map(([name, property]) => [name, schemaForVersion(property, version)]),
    );
  }
  const rules = schema["x-kubernetes-validations"];
  if (rules) {
    const served = rules
      .filter((rule) => rule["x-nettune-versions"]?.includes(version) ?? true)
      .map(({ "x-nettune-versions": _versions, ...rule }) => rule);
    if (served.length > 0) out["x-kubernetes-validations"] = served;
    else delete out["x-kubernetes-validations"];
  }
  if (schema.items) out.items = schemaForVersion(schema.items, version);
  if (schema.additionalProperties)
    out.additionalProperties = schemaForVersion(schema.additionalProperties, version);
  return out;
}

/** Paths of the properties `version` does not serve, such as "status.advice" (for file checks). */
export function laterFields(
  schema: JSONSchemaProps,
  version: APIVersionName,
  prefix = "",
): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const here = prefix === "" ? name : `${prefix}.${name}`;
    if (!servedFrom(property["x-nettune-since"], version)) return [here];
    const items = property.items ? laterFields(property.items, version, `${here}[]`) : [];
    return [...laterFields(property, version, here), ...items];
  });
}
