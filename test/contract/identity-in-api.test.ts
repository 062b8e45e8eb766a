// The API's identity (group, versions, kinds' plurals, finalizer, annotations,
// component names) is spelled once, in api/v1alpha1/identity.ts, and its
// vocabulary (condition types, reasons, Event actions) once, in
// api/v1alpha1/reasons.ts: the operator, the agent and common code name them
// through those constants.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import * as vocabulary from "../../api/v1alpha1/reasons.ts";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";

const root = path.resolve(import.meta.dirname, "../..");

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".generated.ts"))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

// A quoted or templated group, or a plural or a version as a string of its own.
const spelled = /nettune\.io|["'`](networktunings|nodenetworktunings|v1alpha1|v1beta1)["'`]/;

/** Each line of code (comments left out) of the operator, the agent and common. */
async function codeLines(): Promise<{ where: string; code: string }[]> {
  const lines: { where: string; code: string }[] = [];
  for (const dir of ["operator/src", "node-agent/src", "common"])
    for (const file of await sources(dir))
      (await readFile(path.join(root, file), "utf8")).split("\n").forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
        lines.push({ where: `${file}:${i + 1}: ${line.trim()}`, code });
      });
  return lines;
}

// Setting states share some words with reasons ("Applied", "Failed"): a state is
// typed by SettingResult["state"] and checked by the compiler, not here.
const settingStates: readonly SettingResult["state"][] = [
  "Applied",
  "WouldChange",
  "Unsupported",
  "Skipped",
  "Failed",
  "Reverted",
];
const words = new Set(
  [
    vocabulary.NodeConditionType,
    vocabulary.NodeConditionReason,
    vocabulary.TuningConditionType,
    vocabulary.TuningReason,
    vocabulary.SettingReason,
    vocabulary.AgentEventReason,
    vocabulary.AgentEventAction,
  ]
    .flatMap((names) => Object.values(names) as string[])
    .filter((word) => !(settingStates as readonly string[]).includes(word)),
);

/** The vocabulary's words found as strings of their own on a line. */
function vocabularyIn(code: string): string[] {
  return [...code.matchAll(/["'`]([A-Za-z]+)["'`]/g)]
    .map((match) => match[1] ?? "")
    .filter((word) => words.has(word));
}

describe("the API's identity is spelled only in api/", () => {
  it("no source file of the operator, the agent or common spells the group or a plural", async () => {
    const offending: string[] = [];
    for (const dir of ["operator/src", "node-agent/src", "common"])
      for (const file of await sources(dir)) {
        const lines = (await readFile(path.join(root, file), "utf8")).split("\n");
        lines.forEach((line, i) => {
          const code = line.replace(/\/\/.*$/, "").replace(/^\s*\*.*$/, "");
          if (spelled.test(code)) offending.push(`${file}:${i + 1}: ${line.trim()}`);
        });
      }
    expect(offending).toEqual([]);
  });

  it("no source file there spells a condition type, reason or Event action", async () => {
    expect(words.size).toBeGreaterThan(60);
    const offending = (await codeLines()).filter(({ code }) => vocabularyIn(code).length > 0);
    expect(offending.map((line) => line.where)).toEqual([]);
  });

  it("would find one spelled", () => {
    expect(vocabularyIn(`throw new StateError("StateMissing", file, "gone");`)).toEqual([
      "StateMissing",
    ]);
    expect(vocabularyIn(`state: "Failed",`)).toEqual([]);
  });
});
