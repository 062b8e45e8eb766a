import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { kubectl, type KubectlTarget } from "../harness/kubectl.ts";

const root = path.resolve(import.meta.dirname, "../..");
const target: KubectlTarget = {
  kubeconfig: inject("kubeconfig"),
  kubectlPath: inject("kubectlPath"),
};

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(target, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");

describe("the CRDs on a real API server", () => {
  afterAll(async () => {
    await kubectl(target, ["delete", "nt,nnt", "--all", "--wait=false"]);
  });

  it("applies crds/ with kubectl", async () => {
    const out = await run(["apply", "-f", path.join(root, "crds")]);
    expect(out).toMatch(/networktunings\.nettune\.io (created|unchanged|configured)/);
    expect(out).toMatch(/nodenetworktunings\.nettune\.io (created|unchanged|configured)/);
  });

  it("explains NetworkTuning spec fields with their descriptions", async () => {
    const spec = await run(["explain", "networktuning.spec"]);
    expect(spec).toContain("The desired settings and the nodes they apply to.");
    expect(spec).toMatch(/priority\s+<integer>/);
    const channels = await run(["explain", "networktuning.spec.interfaces.channels.combined"]);
    expect(channels).toContain("ethtool -L DEV combined N");
    const status = await run(["explain", "nodenetworktuning.status.settings.state"]);
    expect(status).toContain("Unsupported: the driver or kernel cannot do it.");
  });

  it("accepts every example", async () => {
    const examples = (await readdir(path.join(root, "examples"))).filter((f) =>
      f.endsWith(".yaml"),
    );
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const file of examples) {
      const out = await run(["apply", "-f", path.join(root, "examples", file)]);
      expect(out).toMatch(/networktuning\.nettune\.io\/\S+ (created|unchanged|configured)/);
    }
  });

  it("takes status through the status subresource and prints it in the columns", async () => {
    await run(["apply", "-f", path.join(root, "examples/web-pool-throughput.yaml")]);
    const status = {
      status: {
        observedGeneration: 1,
        matchedNodes: 12,
        appliedNodes: 11,
        pendingNodes: 1,
        failedNodes: 0,
        nodes: "11/12",
        advisedNodes: 2,
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "RollingOut",
            message: "11/12 nodes applied",
            lastTransitionTime: now,
          },
        ],
      },
    };
    await run([
      "patch",
      "nt",
      "web-pool-throughput",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify(status),
    ]);
    const table = await run(["get", "nt", "web-pool-throughput"]);
    expect(table).toMatch(/NAME\s+READY\s+NODES\s+MODE\s+ADVICE\s+RAISED\s+AGE/);
    expect(table).toMatch(/web-pool-throughput\s+False\s+11\/12\s+Enforce\s+2\s+\d+s/);
  });

  it("ignores status in a spec write", async () => {
    const before = JSON.parse(await run(["get", "nt", "web-pool-throughput", "-o", "json"])) as {
      status: { nodes: string };
      metadata: { resourceVersion: string };
    };
    const object = JSON.parse(
      await run(["get", "nt", "web-pool-throughput", "-o", "json"]),
    ) as Record<string, unknown> & {
      spec: { priority: number };
      status: { nodes: string };
    };
    object.spec.priority = 11;
    object.status.nodes = "0/0";
    await run(["replace", "-f", "-"], JSON.stringify(object));
    const after = JSON.parse(await run(["get", "nt", "web-pool-throughput", "-o", "json"])) as {
      spec: { priority: number };
      status: { nodes: string };
    };
    expect(after.spec.priority).toBe(11);
    expect(after.status.nodes).toBe(before.status.nodes);
  });

  it("prints NodeNetworkTuning columns", async () => {
    const nnt = {
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name: "node-1" },
      spec: {
        mode: "Enforce",
        sources: [{ name: "web-pool-throughput", generation: 2, priority: 10 }],
        sourceNames: "web-pool-throughput",
        sysctls: { "net.core.somaxconn": "8192" },
      },
    };
    await run(["apply", "-f", "-"], stringify(nnt));
    const status = {
      status: {
        observedGeneration: 1,
        conditions: [
          {
            type: "Applied",
            status: "True",
            reason: "Applied",
            message: "1/1 settings applied",
            lastTransitionTime: now,
          },
          {
            type: "Degraded",
            status: "False",
            reason: "AllSettingsApplied",
            message: "",
            lastTransitionTime: now,
          },
        ],
        settings: [
          {
            name: "sysctl/net.core.somaxconn",
            source: "web-pool-throughput",
            desired: "8192",
            observed: "8192",
            original: "4096",
            state: "Applied",
          },
        ],
      },
    };
    await run([
      "patch",
      "nnt",
      "node-1",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify(status),
    ]);
    const table = await run(["get", "nnt", "node-1"]);
    expect(table).toMatch(/NAME\s+APPLIED\s+DEGRADED\s+TUNINGS\s+MESSAGE/);
    expect(table).toMatch(/node-1\s+True\s+False\s+web-pool-throughput\s+1\/1 settings applied/);
  });

  it("describes applied settings by name with their values, beside the entries of the others", async () => {
    const status = {
      status: {
        applied: { "eth0/rx-0/rps_cpus": "ff", "conntrack.max": "262144" },
        settings: [{ name: "eth0/channels.combined", state: "Unsupported", desired: "8" }],
      },
    };
    await run([
      "patch",
      "nnt.v1beta1.nettune.io",
      "node-1",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify(status),
    ]);
    const described = await run(["describe", "nnt", "node-1"]);
    expect(described).toMatch(/Applied:\s+conntrack\.max:\s+262144\s+eth0\/rx-0\/rps_cpus:\s+ff\s/);
    expect(described).toMatch(/Name:\s+eth0\/channels\.combined\s+State:\s+Unsupported/);
  });

  it("rejects a setting result with an unknown state", async () => {
    const status = { status: { settings: [{ name: "x", state: "Maybe" }] } };
    const result = await kubectl(target, [
      "patch",
      "nnt",
      "node-1",
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify(status),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("status.settings[0].state");
  });
});
