// The tests' report builders say what the agent's reports say: each outcome
// reads, through nodeVerdict(), as the agent's own status for it does.
import { describe, expect, it } from "vitest";
import { nodeVerdict, type NodeVerdict } from "../../api/v1alpha1/contract.ts";
import { agentReport, staleReport, type Outcome } from "../gen/reports.ts";
import { atGeneration, nodeTuning, withReport } from "../gen/tunings.ts";

const rows: { sentence: string; outcome: Outcome; verdict: NodeVerdict }[] = [
  { sentence: "a node that applied everything is applied", outcome: "applied", verdict: "applied" },
  { sentence: "a node with a failed setting has failed", outcome: "degraded", verdict: "failed" },
  {
    sentence: "a node that only audits counts as applied",
    outcome: "auditOnly",
    verdict: "applied",
  },
];

describe("the tests' agent reports", () => {
  it.each(rows)("$sentence", ({ outcome, verdict }) => {
    const nnt = nodeTuning("n1", atGeneration(3), withReport(agentReport(3, outcome)));
    expect(nodeVerdict(nnt)).toBe(verdict);
  });

  it("a report of an older generation is still applying", () => {
    expect(nodeVerdict(nodeTuning("n1", atGeneration(3), withReport(staleReport(2))))).toBe(
      "applying",
    );
  });
});
