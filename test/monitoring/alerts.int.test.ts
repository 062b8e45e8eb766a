// The chart's alerting rules: valid for Prometheus, each alert fired by the
// series it watches for and silent on those it must ignore (promtool test
// rules on test/monitoring/alerts.test.yaml), and every metric they name is
// one NetTune exports.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { monitoredMetrics } from "../harness/monitoring.ts";

const root = path.resolve(import.meta.dirname, "../..");
const rules = path.join(root, "charts/nettune/files/alerts.yaml");

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  const { stdout } = await promisify(execFile)("bash", [
    path.join(root, "scripts/ensure-promtool.sh"),
  ]);
  const binary = stdout.trim().split("\n").at(-1) ?? "promtool";
  return promisify(execFile)(binary, args, { cwd: root }).then(
    ({ stdout: out, stderr }) => ({ code: 0, output: out + stderr }),
    (error: unknown) => {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, output: failed.stdout + failed.stderr };
    },
  );
}

describe("the chart's alerting rules", () => {
  it("are valid Prometheus rules", async () => {
    const result = await promtool("check", "rules", rules);
    expect(result.output).toContain("SUCCESS: 13 rules found");
    expect(result.code).toBe(0);
  });

  it("fire on the series they watch for, with their summaries, and stay silent on the rest", async () => {
    const result = await promtool("test", "rules", "test/monitoring/alerts.test.yaml");
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
  });

  it("point each alert at a runbook section README has", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    const headings = new Set(
      [...readme.matchAll(/^### (.+)$/gm)].map(
        (m) =>
          `README.md#${(m[1] ?? "")
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, "")
            .replace(/ /g, "-")}`,
      ),
    );
    const runbooks = [...readFileSync(rules, "utf8").matchAll(/runbook: (\S+)/g)].map((m) => m[1]);
    expect(runbooks).toHaveLength(13);
    for (const runbook of runbooks) expect(headings, runbook).toContain(runbook);
  });

  it("name, with the dashboard, only metrics the agent and the operator declare", () => {
    // Real scrapes check the same list in the agent's and the operator's integration tests.
    const declared = ["node-agent/src/runtime/metrics.ts", "operator/src/metrics.ts"]
      .map((file) => readFileSync(path.join(root, file), "utf8"))
      .join("\n");
    const used = [...monitoredMetrics("agent"), ...monitoredMetrics("operator")];
    expect(used.length).toBeGreaterThan(12);
    for (const name of used) expect(declared, name).toContain(`"${name}"`);
  });

  it("the dashboard is JSON with its panels' queries on a node variable", () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(root, "charts/nettune/files/dashboard.json"), "utf8"),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBe(10);
    for (const panel of dashboard.panels)
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});
