import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";

const columns = ["SETTING", "CURRENT", "DESIRED", "ORIGINAL", "RESULT", "MESSAGE"] as const;

/** A plain text table of setting results, one row each, as kubectl prints. */
export function formatResults(results: SettingResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.observed ?? "",
    r.desired ?? "",
    r.original ?? "",
    r.reason ? `${r.state} (${r.reason})` : r.state,
    r.message ?? "",
  ]);
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
