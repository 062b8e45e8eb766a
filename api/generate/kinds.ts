// The kinds of the API, their names and their printer columns, for the CRD generator.
import type { APIVersionName } from "../v1alpha1/identity.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
  /** The first version that shows the column (its field is `@since` that version). */
  since?: APIVersionName;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** The TypeScript file and interface the schema comes from. */
  source: { file: string; type: string };
  printerColumns: PrinterColumn[];
  /** The first version that serves the kind; every served version when absent. */
  since?: APIVersionName;
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
        name: "Advice",
        type: "integer",
        jsonPath: ".status.advisedNodes",
        description: "Matched nodes whose counters advise a change.",
        since: "v1beta1",
      },
      {
        name: "Raised",
        type: "integer",
        jsonPath: ".status.autoRaisedNodes",
        description: "Matched nodes that run a value raised by autoTune.",
        since: "v1beta1",
      },
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
      {
        name: "Advice",
        type: "string",
        jsonPath: ".status.advice[*].symptom",
        description: "The symptoms the node's counters show.",
        priority: 1,
        since: "v1beta1",
      },
      {
        name: "Raised",
        type: "string",
        jsonPath: ".spec.autoRaised[*].setting",
        description: "The settings autoTune raised on this node.",
        priority: 1,
        since: "v1beta1",
      },
    ],
  },
  {
    kind: "NodeNetworkInventory",
    plural: "nodenetworkinventories",
    singular: "nodenetworkinventory",
    shortNames: ["nni"],
    source: { file: "api/v1alpha1/node-network-inventory.ts", type: "NodeNetworkInventory" },
    since: "v1beta1",
    printerColumns: [
      {
        name: "Kernel",
        type: "string",
        jsonPath: ".status.kernel",
        description: "The node's kernel release.",
      },
      {
        name: "CPUs",
        type: "integer",
        jsonPath: ".status.cpus.count",
        description: "Online CPUs.",
      },
      {
        name: "Interfaces",
        type: "string",
        jsonPath: ".status.interfaces[?(@.physical==true)].name",
        description: "The interfaces backed by a device.",
      },
      {
        name: "Age",
        type: "date",
        jsonPath: ".metadata.creationTimestamp",
        description: "Time since creation.",
      },
    ],
  },
];
