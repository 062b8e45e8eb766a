import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * The NetTune metric families the chart's alerts and dashboard query, by the
 * program that exports them (nettune_operator_* the operator, the rest the
 * agent); histogram series (_bucket, _sum, _count) named by their family.
 */
export function monitoredMetrics(program: "agent" | "operator"): string[] {
  const text = ["charts/nettune/files/alerts.yaml", "charts/nettune/files/dashboard.json"]
    .map((file) => readFileSync(path.join(root, file), "utf8"))
    .join("\n");
  const families = new Set(
    (text.match(/\bnettune_[a-z_]+/g) ?? []).map((name) =>
      name.replace(/_(bucket|sum|count)$/, ""),
    ),
  );
  return [...families]
    .filter((name) => name.startsWith("nettune_operator_") === (program === "operator"))
    .sort();
}

/** The families a scrape declares (`# TYPE name kind`). */
export function scrapedFamilies(scrape: string): Set<string> {
  return new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] ?? ""));
}
