// Day two on a real node: the previous release (test/harness/previous-release.ts)
// installed and tuning the node, upgraded to this one as the README says
// (kubectl apply -f crds/, then helm upgrade), staged with the previous
// agents while a spec change rolls out, then helm rollback, then helm uninstall. Each agent that takes the node over
// writes nothing to it and keeps its originals; the tuning stays Ready.
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { chartDir, helm } from "../harness/helm.ts";
import type { CommandResult } from "../harness/kubectl.ts";
import { previousChart, previousRelease } from "../harness/previous-release.ts";
import { nodeSteps } from "./node-steps.ts";
import { clusterProvider, type ClusterProvider } from "./provider.ts";

const root = path.resolve(import.meta.dirname, "../..");
const namespace = "nettune-upgrade";
const tuning = "upgrade-web";
const crdNames = ["networktunings.nettune.io", "nodenetworktunings.nettune.io"];
/** The kind this release added; the previous release has no such CRD. */
const inventoryCRD = "nodenetworkinventories.nettune.io";
let provider: ClusterProvider;
const {
  kubectl,
  ok,
  eventually,
  jsonpath,
  example,
  nodeValues,
  agentPod,
  agentMetric,
  tuningReady,
} = nodeSteps(() => provider, namespace);

const helmIn = (args: string[]): Promise<CommandResult> =>
  helm([...args, "-n", namespace, "--kubeconfig", provider.kubeconfig]);

/** helm upgrade to this release's chart with `flags`, waiting for the operator; fails the test if helm does. */
async function upgradeTo(...flags: string[]): Promise<void> {
  const upgraded = await helmIn([
    "upgrade",
    "nettune",
    chartDir,
    ...flags,
    "--wait",
    "--timeout",
    "300s",
  ]);
  expect(upgraded.code, upgraded.stderr).toBe(0);
}

/** What a takeover must leave as it was: no host write, the same originals, the same values. */
async function tookOverUntouched(agent: string, values: Record<string, string>): Promise<void> {
  expect(await agentMetric(agent, "nettune_agent_host_writes_total")).toBe(0);
  expect(await originals()).toBe(recorded);
  expect(await nodeValues()).toEqual(values);
}

/** Every Ready/Progressing pair the tuning shows while a change of release runs. */
function watchConditions(): { seen: string[]; stop(): void } {
  const seen: string[] = [];
  const template =
    '{.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Progressing")].status}{"\\n"}';
  const child: ChildProcess = spawn(provider.kubectlPath, [
    "--kubeconfig",
    provider.kubeconfig,
    "get",
    "nt",
    tuning,
    "--watch",
    "-o",
    `jsonpath=${template}`,
  ]);
  child.stdout?.on("data", (chunk: Buffer) => {
    seen.push(
      ...chunk
        .toString()
        .split("\n")
        .filter((line) => line !== ""),
    );
  });
  return { seen, stop: () => child.kill() };
}

/** The running agent pod other than `old`, once its first check has run. */
async function takenOverBy(old: string, image: string): Promise<string> {
  const fresh = await eventually(
    "the new agent pod",
    async () => {
      const pod = await agentPod();
      if (!pod || pod === old || pod.includes(" ")) return undefined;
      const running = await jsonpath(
        ["-n", namespace, "get", "pod", pod],
        "{.spec.containers[0].image}",
      );
      return running === image ? pod : undefined;
    },
    240_000,
  );
  await eventually(
    "the new agent's first check",
    async () =>
      (await agentMetric(fresh, "nettune_agent_apply_duration_seconds_count")) >= 1 || undefined,
  );
  return fresh;
}

/**
 * kubectl caches which versions a group serves; after the CRDs' versions change (and the
 * previous CRDs serve fewer than a test before left), a stale cache sends its reads to a
 * version the API server no longer has. api-resources fetches them anew.
 */
const refreshDiscovery = async (): Promise<void> => {
  await ok(["api-resources", "--api-group=nettune.io"]);
};

const leader = (): Promise<string> =>
  jsonpath(["-n", namespace, "get", "lease", "nettune-operator"], "{.spec.holderIdentity}");

const originals = async (): Promise<string> =>
  (await provider.onNode("cat", ["/run/nettune/originals.json"])).stdout;

let untouched: Record<string, string>;
let tuned: Record<string, string>;
/** originals.json as the previous release's agent wrote it. */
let recorded: string;
let previousChartDir: string;

describe("upgrade and roll back on a real node", () => {
  beforeAll(async () => {
    provider = clusterProvider();
    untouched = await nodeValues();
    previousChartDir = await previousChart();
  });

  afterAll(async () => {
    await helmIn(["uninstall", "nettune", "--wait", "--timeout", "300s"]);
    // The rolled-back release's uninstall does not know the inventories this one wrote.
    await kubectl(["delete", "nni", "--all", "--ignore-not-found"]);
    await kubectl(["delete", "namespace", namespace, "--wait=true", "--ignore-not-found"]);
    await kubectl(["label", "node", provider.nodeName, "node.kubernetes.io/pool-"]);
    // The previous chart was unpacked into a directory of its own (charts/nettune under it).
    if (previousChartDir)
      await rm(path.resolve(previousChartDir, "../.."), { recursive: true, force: true });
  });

  it(`the previous release (${previousRelease.tag}) tunes the node`, async () => {
    // Another test may have left this release's CRDs; the previous ones cannot replace them.
    await ok(["delete", "crd", ...crdNames, inventoryCRD, "--ignore-not-found", "--wait=true"]);
    await ok(["apply", "-f", path.join(root, "test/fixtures/previous-release/crds")]);
    await ok(["wait", "--for=condition=Established", "crd", ...crdNames, "--timeout=60s"]);
    await refreshDiscovery();
    await ok(["create", "namespace", namespace]);
    await ok(["label", "namespace", namespace, "pod-security.kubernetes.io/enforce=privileged"]);
    const installed = await helmIn([
      "install",
      "nettune",
      previousChartDir,
      "--wait",
      "--timeout",
      "240s",
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    await ok(["label", "node", provider.nodeName, "node.kubernetes.io/pool=web", "--overwrite"]);
    const object = parse(await example("web-pool-throughput.yaml", provider.nic)) as {
      apiVersion: string;
      metadata: { name: string };
    };
    object.apiVersion = "nettune.io/v1alpha1";
    object.metadata.name = tuning;
    await ok(["apply", "-f", "-"], stringify(object));
    await eventually(
      `${tuning} Ready`,
      async () => /^True 1\/1 1=1$/.test(await tuningReady(tuning)) || undefined,
      240_000,
    ).catch(async (error: unknown) => {
      // What the tuning, the node's report and the agent said, to tell why.
      const said = await Promise.all([
        kubectl(["get", "nt", tuning, "-o", "yaml"]),
        kubectl(["get", "nnt", "-o", "yaml"]),
        kubectl(["-n", namespace, "logs", "daemonset/nettune-agent", "--tail=40"]),
      ]);
      throw new Error(said.map((r) => r.stdout + r.stderr).join("\n---\n"), { cause: error });
    });
    tuned = await nodeValues();
    expect(tuned).not.toEqual(untouched);
    recorded = await originals();
    expect(recorded).toContain("somaxconn");
  });

  it("upgrades with kubectl apply -f crds/ and helm upgrade: the new agent writes nothing, keeps the originals, the leader changes, the tuning stays Ready, stored objects move to v1beta1", async () => {
    const oldAgent = await agentPod();
    const oldLeader = await leader();
    const watch = watchConditions();
    try {
      await ok(["apply", "-f", path.join(root, "crds")]);
      await ok([
        "wait",
        "--for=condition=Established",
        "crd",
        ...crdNames,
        inventoryCRD,
        "--timeout=60s",
      ]);
      await refreshDiscovery();
      await upgradeTo();
      const agent = await takenOverBy(oldAgent, "ghcr.io/nettune/nettune:0.2.0");
      await tookOverUntouched(agent, tuned);
      // The new agent moved the inventory out of its report into the node's own object.
      await eventually("the node's NodeNetworkInventory", async () =>
        (await jsonpath(["get", "nni", provider.nodeName], "{.status.kernel}")) !== ""
          ? true
          : undefined,
      );
      expect(await jsonpath(["get", "nnt", provider.nodeName], "{.status.inventory}")).toBe("");
      const newLeader = await eventually("a leader of this release", async () => {
        const holder = await leader();
        return holder && holder !== oldLeader ? holder : undefined;
      });
      const operators = await jsonpath(
        ["-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=operator"],
        "{.items[*].metadata.name}",
      );
      expect(operators.split(" ")).toContain(newLeader);
      for (const crd of crdNames)
        expect(await jsonpath(["get", "crd", crd], "{.status.storedVersions}")).toBe('["v1beta1"]');
      expect(await tuningReady(tuning)).toMatch(/^True 1\/1 1=1$/);
    } finally {
      watch.stop();
    }
    expect(watch.seen.length).toBeGreaterThan(0);
    expect(
      watch.seen.filter((pair) => !pair.startsWith("True/") || pair.endsWith("/True")),
    ).toEqual([]);
  });

  it("this release's operator with the previous release's agents (a staged upgrade): the agent takes over writing nothing, and a spec change rolls out", async () => {
    const oldAgent = await agentPod();
    await upgradeTo("--set", `agent.imageTag=${previousRelease.version}`);
    const agent = await takenOverBy(oldAgent, `ghcr.io/nettune/nettune:${previousRelease.version}`);
    expect(await agentMetric(agent, "nettune_agent_host_writes_total")).toBe(0);
    expect(await originals()).toBe(recorded);
    await ok([
      "patch",
      "nt",
      tuning,
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { sysctls: { "net.core.somaxconn": "4096" } } }),
    ]);
    await eventually(
      `${tuning} Ready at generation 2`,
      async () => /^True 1\/1 2=2$/.test(await tuningReady(tuning)) || undefined,
    );
    expect((await provider.onNode("cat", ["/proc/sys/net/core/somaxconn"])).stdout.trim()).toBe(
      "4096",
    );
    tuned = await nodeValues();
  });

  it("then this release's agents take over from the previous ones, writing nothing", async () => {
    const oldAgent = await agentPod();
    // Without values given, helm upgrade would keep the last release's agent.imageTag.
    await upgradeTo("--reset-values");
    const agent = await takenOverBy(oldAgent, "ghcr.io/nettune/nettune:0.2.0");
    await tookOverUntouched(agent, tuned);
    expect(await tuningReady(tuning)).toMatch(/^True 1\/1 2=2$/);
  });

  it("an agent image that cannot start holds the agent rollout, the tuning says Degraded on which node, and the next upgrade recovers writing nothing", async () => {
    const oldAgent = await agentPod();
    await upgradeTo("--set", "agent.imageTag=0.0.0-missing");
    const degraded = await eventually("Degraded=True AgentsNotRunning", async () => {
      const reason = await jsonpath(
        ["get", "nt", tuning],
        "{.status.conditions[?(@.type=='Degraded')].reason}",
      );
      if (reason !== "AgentsNotRunning") return undefined;
      return jsonpath(["get", "nt", tuning], "{.status.conditions[?(@.type=='Degraded')].message}");
    });
    expect(degraded).toMatch(
      new RegExp(
        `cannot start on 1 of 1 nodes.*${provider.nodeName}: (ErrImagePull|ImagePullBackOff) \\(ghcr.io/nettune/nettune:0.0.0-missing\\)`,
      ),
    );
    // The node keeps its values; Ready still says so.
    expect(await tuningReady(tuning)).toMatch(/^True 1\/1 2=2$/);
    await upgradeTo("--reset-values");
    const agent = await takenOverBy(oldAgent, "ghcr.io/nettune/nettune:0.2.0");
    await tookOverUntouched(agent, tuned);
    await eventually(
      "Degraded=False again",
      async () =>
        (await jsonpath(
          ["get", "nt", tuning],
          "{.status.conditions[?(@.type=='Degraded')].status}",
        )) === "False" || undefined,
    );
  });

  it("rolls back with helm rollback: the previous agent writes nothing and keeps the originals, the tuning stays Ready", async () => {
    const oldAgent = await agentPod();
    const watch = watchConditions();
    try {
      const rolledBack = await helmIn(["rollback", "nettune", "1", "--wait", "--timeout", "300s"]);
      expect(rolledBack.code, rolledBack.stderr).toBe(0);
      const agent = await takenOverBy(
        oldAgent,
        `ghcr.io/nettune/nettune:${previousRelease.version}`,
      );
      await tookOverUntouched(agent, tuned);
      expect(await tuningReady(tuning)).toMatch(/^True 1\/1 2=2$/);
    } finally {
      watch.stop();
    }
    expect(
      watch.seen.filter((pair) => !pair.startsWith("True/") || pair.endsWith("/True")),
    ).toEqual([]);
  });

  it("helm uninstall after both restores every original value", async () => {
    const uninstalled = await helmIn(["uninstall", "nettune", "--wait", "--timeout", "300s"]);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    expect(await nodeValues()).toEqual(untouched);
    expect(await ok(["get", "nt", "-o", "name"])).toBe("");
  });
});
