import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import type { Diagnosis } from "./engine/diagnose.ts";

/**
 * Control characters shown as escapes: an interface name or a host file may
 * carry them, and printed raw they rewrite a person's terminal.
 */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this finds
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    return code === 0x09 ? "\\t" : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/** A plain text table of setting results, one row each, as kubectl prints. */
export function formatResults(results: SettingResult[]): string {
  return formatTable(
    ["SETTING", "CURRENT", "DESIRED", "ORIGINAL", "RESULT", "MESSAGE"],
    results.map((r) => [
      r.name,
      r.observed ?? "",
      r.desired ?? "",
      r.original ?? "",
      r.reason ? `${r.state} (${r.reason})` : r.state,
      r.message ?? "",
    ]),
  );
}

/** Each symptom with its evidence and remedy, and the counters this node lacks. */
export function formatDiagnosis(diagnosis: Diagnosis): string {
  const rows = diagnosis.advice.map(({ symptom, evidence, remedy, bound, note }) => [
    symptom,
    evidence.where ?? "",
    `${evidence.counter} +${evidence.delta} in ${evidence.windowSeconds}s`,
    remedy
      ? `${remedy.setting}${remedy.interface ? ` (${remedy.interface})` : ""}: ${remedy.value}`
      : "none",
    [bound, note].filter(Boolean).join("; "),
  ]);
  const table =
    rows.length === 0
      ? `no symptom held through ${diagnosis.windowSeconds}s\n`
      : formatTable(["SYMPTOM", "WHERE", "EVIDENCE", "REMEDY", "BOUND"], rows);
  const unknown = diagnosis.unknown.length
    ? `not on this node, so not judged: ${diagnosis.unknown.join(", ")}\n`
    : "";
  return table + unknown;
}

function formatTable(columns: readonly string[], cells: string[][]): string {
  const rows = cells.map((row) => row.map(escapeControl));
  const widths = columns.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(columns), ...rows.map(line)].join("\n") + "\n";
}
