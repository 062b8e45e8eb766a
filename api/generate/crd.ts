import type { JSONSchemaProps } from "./schema.ts";

export const group = "nettune.io";
export const version = "v1alpha1";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** The TypeScript file and interface the schema comes from. */
  source: { file: string; type: string };
  printerColumns: PrinterColumn[];
}

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
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

const conditionColumn = (type: string, description: string): PrinterColumn => ({
  name: type,
  type: "string",
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
  description,
});

export const kinds: KindDefinition[] = [
  {
    kind: "NetworkTuning",
    plural: "networktunings",
    singular: "networktuning",
    shortNames: ["nt"],
    source: { file: "api/v1alpha1/network-tuning.ts", type: "NetworkTuning" },
    printerColumns: [
      conditionColumn("Ready", "Whether every matched node applied this generation."),
      {
        name: "Nodes",
        type: "string",
        jsonPath: ".status.nodes",
        description: "Nodes applied / nodes matched.",
      },
      { name: "Mode", type: "string", jsonPath: ".spec.mode", description: "Enforce or Audit." },
      {
        name: "Age",
        type: "date",
        jsonPath: ".metadata.creationTimestamp",
        description: "Time since creation.",
      },
    ],
  },
  {
    kind: "NodeNetworkTuning",
    plural: "nodenetworktunings",
    singular: "nodenetworktuning",
    shortNames: ["nnt"],
    source: { file: "api/v1alpha1/node-network-tuning.ts", type: "NodeNetworkTuning" },
    printerColumns: [
      conditionColumn("Applied", "Whether the node has the desired settings."),
      conditionColumn("Degraded", "Whether some setting failed."),
      {
        name: "Tunings",
        type: "string",
        jsonPath: ".spec.sourceNames",
        description: "The NetworkTunings merged into this node's settings.",
      },
      {
        name: "Message",
        type: "string",
        jsonPath: `.status.conditions[?(@.type=="Applied")].message`,
        description: "What the agent last reported.",
      },
    ],
  },
];

/** Wraps a kind's schema into its CustomResourceDefinition. */
export function customResourceDefinition(
  kind: KindDefinition,
  schema: JSONSchemaProps,
): CustomResourceDefinition {
  // The API server owns the metadata schema and rejects any description of it.
  const properties = { ...schema.properties, metadata: { type: "object" as const } };
  const openAPIV3Schema: JSONSchemaProps = { ...schema, properties, required: ["spec"] };
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
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema },
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
        },
      ],
    },
  };
}
