// README's condition tables and reason list against the one vocabulary in
// api/v1alpha1/reasons.ts: a reason added, renamed or dropped on one side
// fails here until the other says the same.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  AgentEventReason,
  NodeConditionReason,
  NodeConditionType,
  SettingReason,
  TuningConditionType,
  TuningReason,
} from "../../api/v1alpha1/reasons.ts";
import { Symptom } from "../../api/v1alpha1/advice.ts";

const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
const start = readme.indexOf("## Conditions, reasons and what to do");
const section = readme.slice(start, readme.indexOf("\n## ", start + 1));

/** The first cells of the table that follows `heading` in the section. */
function firstCells(heading: string): string[] {
  const from = section.indexOf(heading);
  const lines = section.slice(from).split("\n").slice(1);
  const table = lines.slice(lines.findIndex((l) => l.startsWith("|")));
  const rows = table
    .slice(
      0,
      table.findIndex((l) => !l.startsWith("|")),
    )
    .slice(2);
  return rows.map((row) => row.split("|")[1] ?? "");
}

const reasonsIn = (cells: string[]): Set<string> =>
  new Set(
    cells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Za-z]+)`/g)].map((m) => m[1] ?? "")),
  );
const typesIn = (cells: string[]): Set<string> =>
  new Set(
    cells.flatMap((cell) =>
      [...cell.matchAll(/([A-Za-z]+)=(?:True|False)/g)].map((m) => m[1] ?? ""),
    ),
  );

describe("README speaks the API's vocabulary", () => {
  const tuning = firstCells("`NetworkTuning` conditions");
  const node = firstCells("`NodeNetworkTuning` conditions");

  it("the NetworkTuning table lists every reason the operator writes, and no other", () => {
    expect([...reasonsIn(tuning)].sort()).toEqual(Object.values(TuningReason).sort());
    expect([...typesIn(tuning)].every((t) => t in TuningConditionType)).toBe(true);
  });

  it("the NodeNetworkTuning table lists every reason the agent writes, and no other", () => {
    expect([...reasonsIn(node)].sort()).toEqual(Object.values(NodeConditionReason).sort());
    expect([...typesIn(node)].sort()).toEqual(Object.values(NodeConditionType).sort());
  });

  it("the node Events table lists every reason the agent records, and no other", () => {
    const told = firstCells("Events recorded by the node's agent");
    expect([...reasonsIn(told)].sort()).toEqual(Object.values(AgentEventReason).sort());
  });

  it("the per-setting paragraph names every setting reason, and no other", () => {
    const from = section.indexOf("Per-setting reasons");
    const paragraph = section.slice(from, section.indexOf("\n\n", from));
    const named = reasonsIn([paragraph.replace("`status.settings[].reason`", "")]);
    expect([...named].sort()).toEqual(Object.values(SettingReason).sort());
  });
});

describe("README's diagnosis table speaks the advice vocabulary", () => {
  const from = readme.indexOf("## Diagnose a node");
  const table = readme
    .slice(from, readme.indexOf("\n## ", from + 1))
    .split("\n")
    .filter((line) => line.startsWith("| `"));
  const symptoms = table.map((row) => /^\| `([A-Za-z]+)`/.exec(row)?.[1] ?? "");

  it("lists every symptom the agent detects, and no other", () => {
    expect(symptoms.sort()).toEqual(Object.values(Symptom).sort());
  });
});
