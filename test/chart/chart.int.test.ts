import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { configFrom } from "../../operator/src/config.ts";
import { chartDir, helm, renderChart } from "../harness/helm.ts";

interface OperatorDeployment {
  kind: string;
  spec: { template: { spec: { containers: { args?: string[] }[] } } };
}

const golden = path.join(import.meta.dirname, "golden");
const customValues = path.join(import.meta.dirname, "custom-values.yaml");

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it instead. */
async function matchesGolden(name: string, rendered: string): Promise<void> {
  const file = path.join(golden, `${name}.yaml`);
  if (process.env.UPDATE_GOLDEN === "1") await writeFile(file, rendered);
  expect(rendered).toBe(await readFile(file, "utf8"));
}

function kinds(rendered: string): string[] {
  // Strict YAML tools refuse a mapping with a key twice (a pod's labels, say): so does this.
  const problems = parseAllDocuments(rendered, { uniqueKeys: true }).flatMap((doc) =>
    doc.errors.map((error) => error.message),
  );
  expect(problems).toEqual([]);
  return parseAllDocuments(rendered)
    .map((doc) => doc.toJS() as { kind?: string; metadata?: { name?: string } } | null)
    .filter((object) => object !== null)
    .map((object) => `${object.kind ?? ""}/${object.metadata?.name ?? ""}`);
}

describe("the Helm chart", () => {
  it("passes helm lint --strict with default and custom values", async () => {
    for (const args of [[], ["--values", customValues]]) {
      const result = await helm(["lint", "--strict", chartDir, ...args]);
      expect(result.stdout + result.stderr, args.join(" ")).toContain("0 chart(s) failed");
      expect(result.code).toBe(0);
    }
  });

  it("renders the default values as the golden file", async () => {
    const rendered = await renderChart("nettune-system");
    await matchesGolden("default", rendered);
    expect(kinds(rendered).sort()).toEqual(
      [
        "ClusterRole/nettune-agent",
        "ClusterRole/nettune-operator",
        "ClusterRole/nettune-uninstall",
        "ClusterRole/nettune-migrate",
        "ClusterRoleBinding/nettune-migrate",
        "Job/nettune-migrate",
        "ServiceAccount/nettune-migrate",
        "ClusterRoleBinding/nettune-agent",
        "ClusterRoleBinding/nettune-operator",
        "ClusterRoleBinding/nettune-uninstall",
        "Deployment/nettune-operator",
        "Job/nettune-uninstall",
        "Lease/nettune-operator",
        "MutatingWebhookConfiguration/nettune-dns",
        "PodDisruptionBudget/nettune-operator",
        "Role/nettune-agent-events",
        "Role/nettune-operator",
        "Role/nettune-operator-events",
        "RoleBinding/nettune-agent-events",
        "RoleBinding/nettune-operator",
        "RoleBinding/nettune-operator-events",
        "Secret/nettune-operator-webhook-tls",
        "Service/nettune-operator-metrics",
        "Service/nettune-operator-webhook",
        "ServiceAccount/nettune-agent",
        "ServiceAccount/nettune-operator",
        "ServiceAccount/nettune-uninstall",
        "ClusterRole/nettune-security-sensitive-sysctls",
        "ValidatingAdmissionPolicy/nettune-agent-own-node",
        "ValidatingAdmissionPolicy/nettune-node-tuning-writers",
        "ValidatingAdmissionPolicy/nettune-operator-writes",
        "ValidatingAdmissionPolicy/nettune-security-sensitive-sysctls",
        "ValidatingAdmissionPolicyBinding/nettune-agent-own-node",
        "ValidatingAdmissionPolicyBinding/nettune-node-tuning-writers",
        "ValidatingAdmissionPolicyBinding/nettune-operator-writes",
        "ValidatingAdmissionPolicyBinding/nettune-security-sensitive-sysctls",
      ].sort(),
    );
  });

  it("renders custom values as the golden file: labelled namespace, ServiceMonitor, no PDB for one replica", async () => {
    const rendered = await renderChart("nettune-system", ["--values", customValues]);
    await matchesGolden("custom", rendered);
    const names = kinds(rendered);
    expect(names).toContain("Namespace/nettune-system");
    expect(names).toContain("ServiceMonitor/nettune-operator");
    expect(names).not.toContain("PodDisruptionBudget/nettune-operator");
    expect(rendered).toContain("pod-security.kubernetes.io/enforce: privileged");
    expect(names).toContain("NetworkPolicy/nettune-operator");
    expect(rendered).toContain(
      "--agent-image=registry.example.com/platform/nettune:0.2.0-rc1@sha256:0123456789abcdef",
    );
    expect(rendered).toContain("--agent-metrics-address=127.0.0.1");
    expect(rendered).toContain("--agent-arg=--resync-seconds=120");
    expect(rendered).toContain("--agent-image-pull-secret=registry-credentials");
  });

  it("passes the operator flags its parser takes, with default and custom values", async () => {
    // Helm renders a large whole number such as 7776000 as 7.776e+06.
    for (const args of [[], ["--values", customValues]]) {
      const rendered = await renderChart("nettune-system", args);
      const deployment = parseAllDocuments(rendered)
        .map((doc) => doc.toJS() as OperatorDeployment | null)
        .find((object) => object?.kind === "Deployment");
      const container = deployment?.spec.template.spec.containers[0];
      expect(container?.args?.length, args.join(" ")).toBeGreaterThan(5);
      expect(() => configFrom(container?.args ?? [], {}), args.join(" ")).not.toThrow();
    }
  });

  it("installs the CRDs from crds/, identical to the top-level crds/", async () => {
    for (const file of ["networktunings.nettune.io.yaml", "nodenetworktunings.nettune.io.yaml"]) {
      expect(await readFile(path.join(chartDir, "crds", file), "utf8")).toBe(
        await readFile(path.join(chartDir, "../../crds", file), "utf8"),
      );
    }
  });

  const refused: { sentence: string; set: string; names: string }[] = [
    { sentence: "an unknown key is refused", set: "operator.replica=2", names: "replica" },
    { sentence: "an unknown top-level key is refused", set: "agnet.extraArgs={}", names: "agnet" },
    { sentence: "a wrong type is refused", set: "operator.workers=many", names: "workers" },
    { sentence: "an agent flag must be a flag", set: "agent.extraArgs={oops}", names: "extraArgs" },
    {
      sentence: "an unknown pull policy is refused",
      set: "image.pullPolicy=Sometimes",
      names: "pullPolicy",
    },
  ];
  it.each(refused)("values.schema.json: $sentence, naming the field", async ({ set, names }) => {
    const result = await helm(["template", "nettune", chartDir, "--set", set]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(names);
  });
});
