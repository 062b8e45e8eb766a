import { settingResults } from "../../api/v1alpha1/contract.ts";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, stringify } from "yaml";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { SimulatedCluster } from "../../test/harness/cluster.ts";
import type { ControlPlane } from "../../test/harness/control-plane.ts";
import { kubectl } from "../../test/harness/kubectl.ts";
import { eventually, watchObjects } from "../../test/harness/wait.ts";

interface SchemaNode {
  pattern?: string;
  "x-kubernetes-validations"?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
}
interface CRD {
  spec: {
    versions: {
      schema: {
        openAPIV3Schema: { properties: { spec: { properties: Record<string, SchemaNode> } } };
      };
    }[];
  };
}

/** The selector's schema as it was before it checked label keys and values. */
function looseSelector(node: SchemaNode): void {
  delete node.pattern;
  delete node["x-kubernetes-validations"];
  for (const child of [
    ...Object.values(node.properties ?? {}),
    ...(node.additionalProperties ? [node.additionalProperties] : []),
    ...(node.items ? [node.items] : []),
  ])
    looseSelector(child);
}

const nodes = Array.from({ length: 20 }, (_, i) => `sim-${String(i + 1).padStart(2, "0")}`);

let controlPlane: ControlPlane;
let cluster: SimulatedCluster;

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-cluster-");
  controlPlane = cluster.controlPlane;
  await cluster.addNodes(nodes, { pool: "sim" });
  for (const node of nodes) await cluster.startAgent(node);
  cluster.startOperator("operator-a", 18080);
});

afterAll(async () => {
  await cluster.destroy();
});

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function get<T>(kind: string, name: string): Promise<T> {
  return JSON.parse(await run(["get", kind, name, "-o", "json"])) as T;
}

const tuning = (name: string, spec: Record<string, unknown>): string =>
  stringify({ apiVersion: "nettune.io/v1alpha1", kind: "NetworkTuning", metadata: { name }, spec });

const condition = (
  object: NetworkTuning,
  type: string,
): { status: string; reason: string; message: string } | undefined =>
  object.status?.conditions?.find((c) => c.type === type);

async function readyWith(name: string, nodesApplied: string): Promise<NetworkTuning> {
  return eventually(
    async () => {
      const object = await get<NetworkTuning>("nt", name);
      expect(object.status?.observedGeneration).toBe(object.metadata.generation);
      expect(object.status?.nodes).toBe(nodesApplied);
      expect(condition(object, "Ready")?.status).toBe("True");
      return object;
    },
    90_000,
    500,
  );
}

const hostFile = (node: string, file: string): Promise<string> =>
  readFile(path.join(cluster.hostRoot(node), file), "utf8").then((t) => t.trim());

async function deleteAndWait(name: string): Promise<void> {
  await run(["delete", "nt", name, "--wait=false"]);
  await eventually(
    async () => {
      const result = await kubectl(controlPlane, ["get", "nt", name]);
      expect(result.code).not.toBe(0);
    },
    90_000,
    500,
  );
}

describe("the operator with 20 real agents on simulated hosts", () => {
  it("rolls a tuning out to every node and reports Ready with the counts", async () => {
    await run(
      ["apply", "-f", "-"],
      tuning("somaxconn", {
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "25%" },
        sysctls: { "net.core.somaxconn": "8192" },
      }),
    );
    const object = await readyWith("somaxconn", "20/20");
    expect(object.status).toMatchObject({
      matchedNodes: 20,
      appliedNodes: 20,
      pendingNodes: 0,
      failedNodes: 0,
    });
    for (const node of nodes)
      expect(await hostFile(node, "proc/sys/net/core/somaxconn")).toBe("8192");
    expect(await run(["get", "nt", "somaxconn"])).toMatch(/somaxconn\s+True\s+20\/20\s+Enforce/);
    const events = await run([
      "get",
      "events",
      "-n",
      "default",
      "--field-selector",
      "involvedObject.name=somaxconn",
      "-o",
      "jsonpath={.items[*].reason}",
    ]);
    expect(events).toContain("Applied");
    const daemonSet = JSON.parse(
      await run(["get", "daemonset", "-n", "nettune-system", "nettune-agent", "-o", "json"]),
    ) as { spec: { template: { spec: Record<string, unknown> } } };
    expect(daemonSet.spec.template.spec).toMatchObject({
      hostNetwork: true,
      hostPID: true,
      priorityClassName: "system-node-critical",
      tolerations: [{ operator: "Exists" }],
    });
  });

  it("merges overlapping tunings by priority and reports a Conflict on a tie", async () => {
    await run(
      ["apply", "-f", "-"],
      tuning("fin-high", {
        priority: 10,
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "100%" },
        sysctls: { "net.ipv4.tcp_fin_timeout": "15" },
      }),
    );
    await run(
      ["apply", "-f", "-"],
      tuning("fin-low", {
        priority: 1,
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "100%" },
        sysctls: { "net.ipv4.tcp_fin_timeout": "30", "net.core.netdev_max_backlog": "2000" },
      }),
    );
    await readyWith("fin-low", "20/20");
    await readyWith("fin-high", "20/20");
    const merged = await get<NodeNetworkTuning>("nnt", "sim-05");
    expect(merged.spec.sysctls).toMatchObject({
      "net.ipv4.tcp_fin_timeout": "15",
      "net.core.netdev_max_backlog": "2000",
    });
    expect(merged.spec.sources?.map((s) => s.name)).toEqual(["fin-high", "fin-low", "somaxconn"]);
    expect(await hostFile("sim-05", "proc/sys/net/ipv4/tcp_fin_timeout")).toBe("15");

    await run(
      ["apply", "-f", "-"],
      tuning("fin-tie", {
        priority: 10,
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "100%" },
        sysctls: { "net.ipv4.tcp_fin_timeout": "20" },
      }),
    );
    const tied = await eventually(
      async () => {
        const object = await get<NetworkTuning>("nt", "fin-tie");
        expect(condition(object, "Degraded")?.reason).toBe("Conflict");
        return object;
      },
      60_000,
      500,
    );
    expect(condition(tied, "Degraded")?.message).toBe(
      "Conflict with fin-high on sysctls.net.ipv4.tcp_fin_timeout (equal priority; fin-high wins by name)",
    );
    const events = await run([
      "get",
      "events",
      "-n",
      "default",
      "--field-selector",
      "involvedObject.name=fin-tie,reason=Conflict",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    expect(events).toContain("fin-high");
    for (const name of ["fin-tie", "fin-high", "fin-low"]) await deleteAndWait(name);
  });

  it("never has more nodes in flight than maxUnavailable", async () => {
    // Every change of every NodeNetworkTuning, as it happens: in flight means released to the
    // node (its spec lists this generation) and not yet reported (status behind the spec).
    const latest = new Map<string, NodeNetworkTuning>();
    let maxInFlight = 0;
    const stop = watchObjects(
      controlPlane,
      "/apis/nettune.io/v1alpha1/nodenetworktunings",
      (changed) => {
        const object = changed as NodeNetworkTuning;
        latest.set(object.metadata.name ?? "", object);
        const inFlight = [...latest.values()].filter(
          (nnt) =>
            nnt.spec.sources?.some((s) => s.name === "backlog" && s.generation === 1) &&
            nnt.status?.observedGeneration !== nnt.metadata.generation,
        ).length;
        maxInFlight = Math.max(maxInFlight, inFlight);
      },
    );
    try {
      await run(
        ["apply", "-f", "-"],
        tuning("backlog", {
          nodeSelector: { matchLabels: { pool: "sim" } },
          rollout: { maxUnavailable: 3 },
          sysctls: { "net.core.netdev_max_backlog": "5000" },
        }),
      );
      await readyWith("backlog", "20/20");
    } finally {
      stop();
    }
    expect(maxInFlight).toBeGreaterThan(0);
    expect(maxInFlight).toBeLessThanOrEqual(3);
  });

  it("halts the release at the budget when a node fails, reports it, and resumes after the fix", async () => {
    // sim-07's somaxconn is immutable: it reads, but every write is refused (EPERM).
    const broken = path.join(cluster.hostRoot("sim-07"), "proc/sys/net/core/somaxconn");
    await promisify(execFile)("chattr", ["+i", broken]);
    await run(
      ["apply", "-f", "-"],
      tuning("somaxconn", {
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: 1 },
        sysctls: { "net.core.somaxconn": "9000" },
      }),
    );
    const halted = await eventually(
      async () => {
        const object = await get<NetworkTuning>("nt", "somaxconn");
        expect(condition(object, "Degraded")).toMatchObject({
          status: "True",
          reason: "RolloutHalted",
        });
        return object;
      },
      90_000,
      500,
    );
    expect(condition(halted, "Degraded")?.message).toContain("sim-07");
    expect(condition(halted, "Progressing")).toMatchObject({
      status: "False",
      reason: "RolloutHalted",
    });
    expect(halted.status?.failingNodes?.[0]?.name).toBe("sim-07");
    const appliedWhenHalted = halted.status?.appliedNodes ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect((await get<NetworkTuning>("nt", "somaxconn")).status?.appliedNodes).toBe(
      appliedWhenHalted,
    );
    const events = await run([
      "get",
      "events",
      "-n",
      "default",
      "--field-selector",
      "involvedObject.name=somaxconn,type=Warning",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    expect(events).toContain("sim-07");
    await promisify(execFile)("chattr", ["-i", broken]);
    await readyWith("somaxconn", "20/20");
    expect(await hostFile("sim-07", "proc/sys/net/core/somaxconn")).toBe("9000");
  });

  it("reverts every node when a tuning is deleted, then lets the object go", async () => {
    await deleteAndWait("backlog");
    await deleteAndWait("somaxconn");
    for (const node of nodes) {
      expect(await hostFile(node, "proc/sys/net/core/somaxconn")).toBe("4096");
      expect(await hostFile(node, "proc/sys/net/core/netdev_max_backlog")).toBe("1000");
    }
    const nnt = await get<NodeNetworkTuning>("nnt", "sim-01");
    expect(nnt.spec.sources).toEqual([]);
  });

  it("a tuning stored with a selector Kubernetes refuses is Degraded and blocks no other tuning", async () => {
    // Stored before the schema checked selectors: apply the CRD without those checks, then restore it.
    const crdFile = path.resolve(import.meta.dirname, "../../crds/networktunings.nettune.io.yaml");
    const crd = parse(await readFile(crdFile, "utf8")) as CRD;
    const selector = crd.spec.versions[0]?.schema.openAPIV3Schema.properties.spec.properties
      .nodeSelector as SchemaNode;
    looseSelector(selector);
    await run(["apply", "-f", "-"], stringify(crd));
    await eventually(
      () =>
        run(
          ["apply", "-f", "-"],
          tuning("bad-selector", { nodeSelector: { matchLabels: { "bad key!": "x" } } }),
        ),
      20_000,
      500,
    );
    await run(["apply", "-f", crdFile]);
    await eventually(
      async () => {
        const bad = await get<NetworkTuning>("nt", "bad-selector");
        expect(condition(bad, "Degraded")).toMatchObject({ status: "True", reason: "InvalidSpec" });
        expect(condition(bad, "Ready")?.status).toBe("False");
        expect(condition(bad, "Degraded")?.message).toContain('label key "bad key!"');
      },
      30_000,
      500,
    );
    // Another tuning's agents are still placed: the DaemonSet takes its selector.
    await run(
      ["apply", "-f", "-"],
      tuning("beside-bad", {
        nodeSelector: { matchLabels: { pool: "sim", lane: "beside" } },
        sysctls: { "net.core.somaxconn": "6100" },
      }),
    );
    await eventually(
      async () => {
        const ds = await run([
          "get",
          "daemonset",
          "-n",
          "nettune-system",
          "nettune-agent",
          "-o",
          "json",
        ]);
        expect(ds).toContain('"beside"');
        expect(ds).not.toContain("bad key!");
      },
      30_000,
      500,
    );
    await deleteAndWait("bad-selector");
    await deleteAndWait("beside-bad");
  });

  it("an Audit tuning beside an Enforce one reports what it would change and reaches Ready", async () => {
    await run(
      ["apply", "-f", "-"],
      tuning("enforced", {
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "50%" },
        sysctls: { "net.core.somaxconn": "5000" },
      }),
    );
    await readyWith("enforced", "20/20");
    await run(
      ["apply", "-f", "-"],
      tuning("previewed", {
        mode: "Audit",
        priority: 10,
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "50%" },
        sysctls: { "net.core.somaxconn": "6000", "net.ipv4.tcp_fin_timeout": "60" },
      }),
    );
    await readyWith("previewed", "20/20");
    const [first = ""] = nodes;
    const nnt = await get<NodeNetworkTuning>("nodenetworktuning", first);
    const audited = settingResults(nnt.status).filter((r) => r.source === "previewed");
    expect(audited.map((r) => `${r.name} ${r.state}`).sort()).toEqual([
      "audit/previewed/sysctl/net.core.somaxconn WouldChange",
      "audit/previewed/sysctl/net.ipv4.tcp_fin_timeout Applied",
    ]);
    expect(audited.find((r) => r.state === "WouldChange")?.message).toBe(
      "would change 5000 to 6000",
    );
    // The Enforce tuning's value stays: an audit writes nothing.
    expect(await hostFile(first, "proc/sys/net/core/somaxconn")).toBe("5000");
    await deleteAndWait("previewed");
    await deleteAndWait("enforced");
  });

  it("fails over to a second operator replica within 20 s, which finishes the rollout", async () => {
    cluster.startOperator("operator-b", 18081);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const lease = JSON.parse(
      await run(["get", "lease", "-n", "nettune-system", "nettune-operator", "-o", "json"]),
    ) as { spec: { holderIdentity: string; renewTime: string } };
    expect(lease.spec.holderIdentity).toBe("operator-a");
    expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await cluster.stop("operator/operator-a", "SIGKILL");
    const killedAt = Date.now();
    await run(
      ["apply", "-f", "-"],
      tuning("after-failover", {
        nodeSelector: { matchLabels: { pool: "sim" } },
        rollout: { maxUnavailable: "50%" },
        sysctls: { "net.core.somaxconn": "7777" },
      }),
    );
    await eventually(
      async () => {
        const current = JSON.parse(
          await run(["get", "lease", "-n", "nettune-system", "nettune-operator", "-o", "json"]),
        ) as { spec: { holderIdentity: string } };
        expect(current.spec.holderIdentity).toBe("operator-b");
      },
      20_000,
      250,
    );
    expect(Date.now() - killedAt).toBeLessThan(20_000);
    await readyWith("after-failover", "20/20");
    await deleteAndWait("after-failover");
  });
});
