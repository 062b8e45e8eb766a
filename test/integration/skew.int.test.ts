// Version skew the other way round from the node tier's staged upgrade: the
// previous release's operator (its own build, from its commit) with this
// release's agents, on a real API server with this release's CRDs, as a
// rollback of the operator alone leaves a cluster. The previous operator reads
// and writes v1alpha1; the agents read v1beta1 and report with its fields.
import { settingResults } from "../../api/v1alpha1/contract.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { SimulatedCluster } from "../harness/cluster.ts";
import { kubectl } from "../harness/kubectl.ts";
import { previousBuild, previousRelease } from "../harness/previous-release.ts";
import { eventually } from "../harness/wait.ts";

const nodes = ["skew-1", "skew-2"];
let cluster: SimulatedCluster;

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(cluster.controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A tuning as a user of the previous release writes it: v1alpha1. */
const applyTuning = (backlog: string): Promise<string> =>
  run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: "skew" },
      spec: {
        nodeSelector: { matchLabels: { pool: "skew" } },
        sysctls: { "net.core.netdev_max_backlog": backlog },
      },
    }),
  );

/** "Ready applied/matched observed=generation", from the tuning's status. */
const tuningState = (): Promise<string> =>
  run([
    "get",
    "networktunings.v1alpha1.nettune.io",
    "skew",
    "-o",
    "jsonpath={.status.conditions[?(@.type=='Ready')].status} {.status.appliedNodes}/{.status.matchedNodes} {.status.observedGeneration}={.metadata.generation}",
  ]);

const backlogOn = async (node: string): Promise<string> =>
  (
    await readFile(
      path.join(cluster.hostRoot(node), "proc/sys/net/core/netdev_max_backlog"),
      "utf8",
    )
  ).trim();

let originals: string[];

beforeAll(async () => {
  const previous = await previousBuild();
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-skew-");
  await cluster.addNodes(nodes, { pool: "skew" });
  for (const node of nodes) await cluster.startAgent(node);
  cluster.startOperator("previous", 18395, [], undefined, {}, previous);
  originals = await Promise.all(nodes.map(backlogOn));
}, 600_000);

afterAll(async () => {
  await cluster.destroy();
});

describe(`the previous release's operator (${previousRelease.tag}) with this release's agents`, () => {
  it("rolls a v1alpha1 tuning out to every node and calls it Ready from the agents' reports", async () => {
    await applyTuning("3000");
    await eventually(
      async () => expect(await tuningState()).toMatch(/^True 2\/2 (\d+)=\1$/),
      60_000,
    );
    expect(await Promise.all(nodes.map(backlogOn))).toEqual(["3000", "3000"]);
  });

  it("rolls a spec change out the same way", async () => {
    await applyTuning("4000");
    await eventually(async () => {
      expect(await tuningState()).toMatch(/^True 2\/2 (\d+)=\1$/);
      expect(await Promise.all(nodes.map(backlogOn))).toEqual(["4000", "4000"]);
    }, 60_000);
  });

  it("keeps the agents' v1beta1 report whole through the previous operator's writes", async () => {
    // The previous operator writes each node's spec under v1alpha1; the agents' status
    // (written under v1beta1, with fields the previous release has no name for) stays.
    const report = JSON.parse(
      await run(["get", "nodenetworktunings.v1beta1.nettune.io", nodes[0] ?? "", "-o", "json"]),
    ) as NodeNetworkTuning;
    expect(settingResults(report.status).length).toBeGreaterThan(0);
    // The inventory is apart, in a kind the previous release does not know, and stays there.
    expect(report.status).not.toHaveProperty("inventory");
    const inventory = JSON.parse(await run(["get", "nni", nodes[0] ?? "", "-o", "json"])) as {
      status?: { interfaces?: unknown[] };
    };
    expect(inventory.status?.interfaces).toBeDefined();
  });

  it("reverts every node on delete and releases the finalizer", async () => {
    await run(["delete", "networktunings.v1alpha1.nettune.io", "skew", "--timeout=60s"]);
    expect(await Promise.all(nodes.map(backlogOn))).toEqual(originals);
  });
});
