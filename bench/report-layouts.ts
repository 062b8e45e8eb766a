// Where the simulated agents of bench/convergence.ts put their report, to
// measure what an API change would buy before making it (docs/adr/0005):
// - status:  the report before v1beta1: conditions, per-setting results in
//            full and the inventory in the NodeNetworkTuning's status, the
//            object the operator writes;
// - apart:   conditions in that status, the results and the inventory in an
//            object of the agent's own per node (a bench-only kind with the
//            same schema for those two fields), written in the same change;
// - compact: what the agent writes (the default): conditions and per-setting
//            results in that status as node-agent's reportedResults puts them
//            (an Applied setting with nothing more to say as a name and value
//            in the applied map; any other compact: no original, no observed
//            where it equals desired, no source of the node's one tuning), the
//            inventory apart and written only when the hardware changes, so
//            never in a change round (docs/adr/0014, docs/adr/0005);
// - summary: conditions only, no per-setting results or inventory anywhere
//            (the floor for any layout that still writes two objects).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { collectionPath, Plural } from "../api/v1alpha1/identity.ts";
import { eventually } from "../test/harness/wait.ts";
import type { SettingResult } from "../api/v1alpha1/node-network-tuning.ts";
import { reportedResults } from "../node-agent/src/runtime/node-status.ts";

export type ReportLayout = "status" | "apart" | "compact" | "summary";
export type Api = (method: string, url: string, body?: unknown, type?: string) => Promise<unknown>;
type Schema = { properties?: Record<string, Schema> } & Record<string, unknown>;

const layouts: readonly ReportLayout[] = ["status", "apart", "compact", "summary"];

/** The compact form of a report, as the agent writes it: its results, no inventory (each node has one tuning). */
function compactReport(report: Record<string, unknown>): Record<string, unknown> {
  const settings = (report.settings ?? []) as SettingResult[];
  return reportedResults(settings, settings[0]?.source);
}
const reports = "/apis/nettune.io/v1alpha1/nodenetworkreports";

/** BENCH_REPORT, "compact" (what the agent writes) when unset; anything else is refused by name. */
export function reportLayout(value: string | undefined): ReportLayout {
  const layout = (value ?? "compact") as ReportLayout;
  if (!layouts.includes(layout))
    throw new Error(`BENCH_REPORT: ${value ?? ""} is not one of ${layouts.join(", ")}`);
  return layout;
}

/** For "apart": a NodeNetworkReport kind whose settings and inventory have the NodeNetworkTuning status's schema. */
export async function installReportKind(api: Api, root: string): Promise<void> {
  const crd = parse(
    await readFile(path.join(root, "crds/nodenetworktunings.nettune.io.yaml"), "utf8"),
  ) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const tuning = crd.spec.versions[0]?.schema.openAPIV3Schema.properties ?? {};
  const status = tuning.status?.properties ?? {};
  await api("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "nodenetworkreports.nettune.io" },
    spec: {
      group: "nettune.io",
      names: { kind: "NodeNetworkReport", plural: "nodenetworkreports" },
      scope: "Cluster",
      versions: [
        {
          name: "v1alpha1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                apiVersion: tuning.apiVersion,
                kind: tuning.kind,
                metadata: tuning.metadata,
                settings: status.settings,
                inventory: status.inventory,
              },
            },
          },
        },
      ],
    },
  });
  // Served once the API server has established the kind.
  await eventually(() => api("GET", reports), 10_000, 100);
}

/** The resourceVersion of an object the API server answered with. */
const versionOf = (object: unknown): string | undefined =>
  (object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;

/**
 * One agent's report of a new generation, written as the layout puts it.
 * Whether a write changed nothing: the status against `before`, the node's
 * object as the agent saw it; a report object against its last version.
 */
export async function writeReport(
  api: Api,
  layout: ReportLayout,
  name: string,
  status: { observedGeneration: number; conditions: unknown[] },
  report: Record<string, unknown>,
  created: Map<string, string>,
  before: string | undefined,
): Promise<{ noOp: boolean }> {
  const tuningStatus =
    layout === "status"
      ? { ...status, ...report }
      : layout === "compact"
        ? { ...status, ...compactReport(report) }
        : status;
  const written = await api(
    "PATCH",
    `${collectionPath(Plural.NodeNetworkTuning)}/${name}/status`,
    { status: tuningStatus },
    "application/merge-patch+json",
  );
  const statusNoOp = versionOf(written) === before;
  if (layout !== "apart") return { noOp: statusNoOp };
  const last = created.get(name);
  const kept =
    last === undefined
      ? await api("POST", reports, {
          apiVersion: "nettune.io/v1alpha1",
          kind: "NodeNetworkReport",
          metadata: { name },
          ...report,
        })
      : await api("PATCH", `${reports}/${name}`, report, "application/merge-patch+json");
  created.set(name, versionOf(kept) ?? "");
  return { noOp: statusNoOp || versionOf(kept) === last };
}
