// A node object holds a limited number of tunings and a limited list of their
// names: the merge keeps the tunings of highest precedence and says which it
// left out, and the limits it keeps are the CRD's own.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import { networkTuning, withSpec } from "../../test/gen/tunings.ts";
import { listedNames, mergeForNode, nodeObjectLimits } from "../src/rollout/merge.ts";
import { MergeProblems } from "../src/rollout/merge-problems.ts";

const tuning = (
  name: string,
  priority: number,
  mode: "Enforce" | "Audit" = "Enforce",
): NetworkTuning =>
  networkTuning(
    name,
    withSpec({ priority, mode, sysctls: { "net.core.somaxconn": String(1000 + priority) } }),
  );

const longName = (i: number): string =>
  `${"a-tuning-with-a-long-and-descriptive-name-".repeat(1)}${String(i).padStart(3, "0")}`;

describe("the merge within a node object's limits", () => {
  it("keeps the limits the CRD states", () => {
    const crd = parse(
      readFileSync(
        path.resolve(import.meta.dirname, "../../crds/nodenetworktunings.nettune.io.yaml"),
        "utf8",
      ),
    ) as {
      spec: {
        versions: {
          schema: {
            openAPIV3Schema: {
              properties: {
                spec: { properties: Record<string, { maxItems?: number; maxLength?: number }> };
              };
            };
          };
        }[];
      };
    };
    const spec = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties ?? {};
    expect({
      sources: spec.sources?.maxItems,
      audits: spec.audits?.maxItems,
      sourceNames: spec.sourceNames?.maxLength,
    }).toEqual(nodeObjectLimits);
  });

  it("names 24 long-named tunings within sourceNames' length, the first ones by precedence", () => {
    const merged = mergeForNode(Array.from({ length: 24 }, (_, i) => tuning(longName(i), i)));
    expect(merged.spec.sources).toHaveLength(24);
    expect(merged.spec.sourceNames?.length).toBeLessThanOrEqual(nodeObjectLimits.sourceNames);
    expect(merged.spec.sourceNames).toMatch(
      new RegExp(`^${longName(23)}, ${longName(22)}, .* and \\d+ more$`),
    );
    expect(merged.leftOut).toEqual([]);
  });

  it("keeps the 64 tunings of highest priority and says why it left the rest out", () => {
    const merged = mergeForNode(Array.from({ length: 70 }, (_, i) => tuning(`t${i}`, i)));
    expect(merged.spec.sources).toHaveLength(64);
    expect(merged.spec.sysctls).toEqual({ "net.core.somaxconn": "1069" });
    expect(merged.leftOut.map((t) => t.name)).toEqual(["t5", "t4", "t3", "t2", "t1", "t0"]);
    expect(merged.leftOut[0]?.why).toBe(
      "a node holds at most 64 tunings and 70 match it; those of higher priority fill it",
    );
  });

  it("keeps at most 8 Audit tunings beside Enforce ones", () => {
    const audits = Array.from({ length: 10 }, (_, i) => tuning(`audit-${i}`, i, "Audit"));
    const merged = mergeForNode([tuning("enforce", 0), ...audits]);
    expect(merged.spec.audits?.map((a) => a.name)).toEqual([
      "audit-9",
      "audit-8",
      "audit-7",
      "audit-6",
      "audit-5",
      "audit-4",
      "audit-3",
      "audit-2",
    ]);
    expect(merged.leftOut.map((t) => t.name)).toEqual(["audit-1", "audit-0"]);
  });

  it.each([
    { name: "names that fit are all listed", names: ["a", "b"], want: "a, b" },
    { name: "an empty list is empty", names: [], want: "" },
  ])("$name", ({ names, want }) => {
    expect(listedNames(names)).toBe(want);
  });
});

describe("what keeps a tuning from its nodes", () => {
  it("says, per node, the tunings left out and the objects the API server refused, until written", () => {
    const problems = new MergeProblems();
    const changed = [problems.setLeftOut("n1", [{ name: "low", why: "no room" }])];
    changed.push(
      problems.refused(
        "n2",
        { mode: "Enforce" },
        "spec.sysctls: Too many: 65: must have at most 64 items",
        ["low", "high"],
      ),
    );
    expect(problems.of(["n2", "n1"], "low")).toEqual([
      "left out of node n1: no room",
      "the API server refused node n2's merged settings: spec.sysctls: Too many: 65: must have at most 64 items",
    ]);
    expect(problems.of(["n1", "n2"], "high")).toHaveLength(1);
    expect(problems.wasRefused("n2", { mode: "Enforce" })).toBe(true);
    expect(problems.wasRefused("n2", { mode: "Audit" })).toBe(false);
    changed.push(problems.written("n2"), problems.written("n2"));
    changed.push(problems.setLeftOut("n1", []), problems.setLeftOut("n1", []));
    expect(problems.of(["n1", "n2"], "low")).toEqual([]);
    expect(changed).toEqual([true, true, true, false, true, false]);
  });
});
