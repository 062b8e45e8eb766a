// The agents of bench/convergence.ts: each reports a new generation of its
// NodeNetworkTuning Applied, once, with a real agent's status write.
import type { NodeNetworkTuning } from "../api/v1alpha1/node-network-tuning.ts";
import type { ControlPlane } from "../test/harness/control-plane.ts";
import { collectionPath, Plural } from "../api/v1alpha1/identity.ts";
import { watchObjects } from "../test/harness/wait.ts";
import { writeReport, type Api, type ReportLayout } from "./report-layouts.ts";

/** When the last generation reached a simulated agent, and when the last report was written. */
export interface AgentMarks {
  lastRelease: number;
  lastReport: number;
}

/** What an agent reports for its node's object: where, and what. */
export interface AgentReports {
  layout: (nnt: NodeNetworkTuning) => ReportLayout;
  report: (nnt: NodeNetworkTuning) => Record<string, unknown>;
}

/**
 * Simulated agents on every NodeNetworkTuning. A report write that changes
 * nothing (the API server keeps the resourceVersion) is counted: a real agent
 * never makes one, and a bench whose agents do measures nothing.
 */
export function simulateAgents(
  cp: ControlPlane,
  api: Api,
  reports: AgentReports,
): { marks: AgentMarks; stop: () => void; noOps: () => number } {
  let noOps = 0;
  const reported = new Map<string, number>();
  const reportsCreated = new Map<string, string>();
  const marks = { lastRelease: 0, lastReport: 0 };
  const stop = watchObjects(cp, collectionPath(Plural.NodeNetworkTuning), (changed, type) => {
    const nnt = changed as NodeNetworkTuning | undefined;
    if (!nnt?.metadata) return;
    const name = nnt.metadata.name ?? "";
    const generation = nnt.metadata.generation ?? 0;
    if (
      type === "DELETED" ||
      reported.get(name) === generation ||
      nnt.status?.observedGeneration === generation
    )
      return;
    reported.set(name, generation);
    marks.lastRelease = Date.now();
    const status = { observedGeneration: generation, conditions: appliedConditions(generation) };
    const layout = reports.layout(nnt);
    const before = nnt.metadata.resourceVersion;
    void writeReport(api, layout, name, status, reports.report(nnt), reportsCreated, before)
      .then(({ noOp }) => {
        marks.lastReport = Date.now();
        if (noOp) noOps += 1;
      })
      .catch(() => reported.delete(name));
  });
  return { marks, stop, noOps: () => noOps };
}

function appliedConditions(generation: number): unknown[] {
  const time = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  return [
    {
      type: "Applied",
      status: "True",
      reason: "Applied",
      message: "1/1 settings applied",
      lastTransitionTime: time,
      observedGeneration: generation,
    },
    {
      type: "Degraded",
      status: "False",
      reason: "AsExpected",
      message: "",
      lastTransitionTime: time,
      observedGeneration: generation,
    },
  ];
}
