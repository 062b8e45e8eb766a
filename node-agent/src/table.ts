import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";

const columns = ["SETTING", "CURRENT", "DESIRED", "ORIGINAL", "RESULT", "MESSAGE"] as const;

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
  const rows = results.map((r) =>
    [
      r.name,
      r.observed ?? "",
      r.desired ?? "",
      r.original ?? "",
      r.reason ? `${r.state} (${r.reason})` : r.state,
      r.message ?? "",
    ].map(escapeControl),
  );
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
