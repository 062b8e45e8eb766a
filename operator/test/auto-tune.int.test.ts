// The operator's side of autoTune on a real API server: three nodes report
// the same advice (as their agents would, by status writes); the tuning's
// rollout budget of one node lets one step out at a time, the next only once
// that node reports its new generation; an explicit value in a tuning ends
// every raise. No agent runs: the test writes each node's report.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { Remedy, Symptom, type Advice } from "../../api/v1alpha1/advice.ts";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { NodeConditionReason, NodeConditionType } from "../../api/v1alpha1/reasons.ts";
import { apiVersion, Kind } from "../../api/v1alpha1/identity.ts";
import { SimulatedCluster } from "../../test/harness/cluster.ts";
import { kubectl } from "../../test/harness/kubectl.ts";
import { eventually } from "../../test/harness/wait.ts";

const nodes = ["auto-1", "auto-2", "auto-3"];
let cluster: SimulatedCluster;

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(cluster.controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const nnt = async (name: string): Promise<NodeNetworkTuning> =>
  JSON.parse(await run(["get", "nnt.v1beta1.nettune.io", name, "-o", "json"])) as NodeNetworkTuning;

const advice: Advice = {
  symptom: Symptom.ListenOverflows,
  evidence: { counter: "TcpExt ListenOverflows", delta: 300, windowSeconds: 45 },
  remedy: { setting: Remedy.Somaxconn, value: "4096", current: "128" },
  bound: "NetTune's ceiling for net.core.somaxconn, 65535",
};

/** What the node's agent would write after applying its current generation, with or without the advice. */
async function report(name: string, advised = true): Promise<void> {
  const object = await nnt(name);
  const at = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const status = {
    observedGeneration: object.metadata.generation,
    conditions: [
      {
        type: NodeConditionType.Applied,
        status: "True",
        reason: NodeConditionReason.Applied,
        message: "",
        lastTransitionTime: at,
      },
    ],
    advice: advised ? [advice] : [],
  };
  await run([
    "patch",
    "nnt.v1beta1.nettune.io",
    name,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status }),
  ]);
}

/** A v1beta1 tuning of the pool's nodes, applied with kubectl. */
async function applyTuning(name: string, spec: Record<string, unknown>): Promise<void> {
  const tuning = {
    apiVersion,
    kind: Kind.NetworkTuning,
    metadata: { name },
    spec: { nodeSelector: { matchLabels: { pool: "auto" } }, ...spec },
  };
  await run(["apply", "-f", "-"], stringify(tuning));
}

const raisedNodes = async (): Promise<string[]> => {
  const raised: string[] = [];
  for (const name of nodes) if ((await nnt(name)).spec.autoRaised?.length) raised.push(name);
  return raised;
};

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-autotune-");
  await cluster.addNodes(nodes, { pool: "auto" });
  cluster.startOperator("operator-auto", 18470);
  await applyTuning("auto", {
    rollout: { maxUnavailable: 1 },
    autoTune: { ceilings: { somaxconn: 16384 }, coolDownSeconds: 10 },
  });
  // The tuning's first generation goes out one node at a time too: report each as it comes.
  await eventually(async () => {
    for (const name of nodes) {
      const object = await nnt(name).catch(() => undefined);
      if (object && object.status?.observedGeneration !== object.metadata.generation)
        await report(name, false);
    }
    const all = await Promise.all(nodes.map(nnt));
    expect(all.every((o) => o.status?.observedGeneration === o.metadata.generation)).toBe(true);
  }, 90_000);
}, 180_000);

afterAll(async () => {
  await cluster.destroy();
});

describe("auto-tuning steps on a real API server", () => {
  it("grants the advised value to one node at a time, within the rollout budget", async () => {
    // Every node reports the advice at once; the budget lets one step out.
    await Promise.all(nodes.map((name) => report(name)));
    const first = await eventually(async () => {
      const raised = await raisedNodes();
      expect(raised).toHaveLength(1);
      return raised[0] ?? "";
    }, 30_000);
    const granted = await nnt(first);
    expect(granted.spec.autoRaised?.[0]).toMatchObject({
      setting: Remedy.Somaxconn,
      value: "4096",
      source: "auto",
      symptom: Symptom.ListenOverflows,
    });
    // While that node has not reported its new generation, no other node gets a step.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await raisedNodes()).toEqual([first]);
    // Its report frees the slot: one more node gets its step.
    await report(first);
    const second = await eventually(async () => {
      const raised = await raisedNodes();
      expect(raised).toHaveLength(2);
      return raised.find((name) => name !== first) ?? "";
    }, 30_000);
    await report(second);
    await eventually(async () => expect(await raisedNodes()).toHaveLength(3), 30_000);
    for (const name of nodes) await report(name);
  });

  it("counts the raised nodes on the tuning", async () => {
    await eventually(async () => {
      const tuning = JSON.parse(
        await run(["get", "nt.v1beta1.nettune.io", "auto", "-o", "json"]),
      ) as NetworkTuning;
      expect(tuning.status?.autoRaisedNodes).toBe(3);
      expect(tuning.status?.autoRaised?.[0]).toMatchObject({ setting: Remedy.Somaxconn, nodes: 3 });
    }, 30_000);
  });

  it("an explicit value in a tuning ends every raise", async () => {
    await applyTuning("explicit", { sysctls: { "net.core.somaxconn": "8192" } });
    await eventually(async () => {
      // The new generation rolls out one node at a time: report each as it comes.
      for (const name of nodes) {
        const object = await nnt(name);
        if (object.status?.observedGeneration !== object.metadata.generation) await report(name);
      }
      expect(await raisedNodes()).toEqual([]);
    }, 60_000);
  });
});
