import { settingResults } from "../../api/v1alpha1/contract.ts";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import type { HostInventory, NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { AgentProcess } from "../../test/harness/agent-process.ts";
import { resolveConnection } from "../src/runtime/connection.ts";
import { kubeClient } from "../src/runtime/kube.ts";
import { startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../../test/harness/kubectl.ts";
import { Sandbox } from "../../test/harness/netns.ts";
import { monitoredMetrics, scrapedFamilies } from "../../test/harness/monitoring.ts";
import { promtoolCheckMetrics } from "../../test/harness/promtool.ts";
import { apiServerRequests, eventually, watchObjects } from "../../test/harness/wait.ts";
import { shellName } from "../src/host/shell-runner.ts";

// This file stops and restarts its API server, so it has one of its own.
let controlPlane: ControlPlane;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const binDir = path.dirname(inject("kubectlPath"));
  controlPlane = await startControlPlane({ binDir });
  await installCRDs(controlPlane);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await controlPlane.stop();
});

const spec = {
  mode: "Enforce",
  sources: [{ name: "sandbox", generation: 1, priority: 0 }],
  sourceNames: "sandbox",
  interfaces: [
    {
      match: { names: ["vA"], physicalOnly: false },
      channels: { rx: 2, tx: 2 },
      rings: { rx: "max" },
      rps: { cpus: "all" },
      xps: { spread: "all" },
      txQueueLength: 4000,
    },
  ],
  sysctls: { "net.core.somaxconn": "6000" },
};

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** The notes of the agent's Events about `node`'s `kind` with `reason`, from the API server. */
async function agentEventNotes(node: string, kind: string, reason: string): Promise<string[]> {
  const selector = `reportingController=nettune.io/node-agent,regarding.kind=${kind},regarding.name=${node},reason=${reason}`;
  const list = JSON.parse(
    await run([
      "get",
      "events.events.k8s.io",
      "-n",
      "default",
      "--field-selector",
      selector,
      "-o",
      "json",
    ]),
  ) as { items: { note: string }[] };
  return list.items.map((item) => item.note);
}

async function nnt(name: string): Promise<NodeNetworkTuning> {
  return JSON.parse(await run(["get", "nnt", name, "-o", "json"])) as NodeNetworkTuning;
}

const condition = (
  object: NodeNetworkTuning,
  type: string,
): { status: string; reason: string; message: string } | undefined =>
  object.status?.conditions?.find((c) => c.type === type);

/** Every Drifted condition written for a node's object, as a watch sees them: a poll can miss one. */
function watchDrifted(name: string): ReturnType<typeof condition>[] {
  const seen: ReturnType<typeof condition>[] = [];
  const stopWatch = watchObjects(
    controlPlane,
    "/apis/nettune.io/v1alpha1/nodenetworktunings",
    (object) => {
      const tuning = object as NodeNetworkTuning;
      if (tuning.metadata.name === name) seen.push(condition(tuning, "Drifted"));
    },
  );
  cleanups.push(() => {
    stopWatch();
    return Promise.resolve();
  });
  return seen;
}

/** A sandbox, its NodeNetworkTuning and an agent for it. */
async function node(
  name: string,
  agentArgs: string[],
  nodeSpec: Record<string, unknown> = spec,
): Promise<{ sandbox: Sandbox; agent: AgentProcess }> {
  const sandbox = await Sandbox.create();
  const work = await mkdtemp(path.join(tmpdir(), `nettune-${name}-`));
  const agent = new AgentProcess({
    sandbox,
    apiServer: controlPlane.server,
    token: controlPlane.adminToken,
    caFile: controlPlane.caFile,
    nodeName: name,
    work,
    args: agentArgs,
  });
  cleanups.push(async () => {
    await agent.destroy();
    await sandbox.destroy();
    await kubectl(controlPlane, ["delete", "nnt", name, "--ignore-not-found"]);
    await rm(work, { recursive: true, force: true });
  });
  await run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name },
      spec: nodeSpec,
    }),
  );
  await agent.start();
  return { sandbox, agent };
}

/** The pids of a process's children, from /proc. */
function childPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

function childrenOf(pid: number): string[] {
  return childPids(pid).map((child) =>
    readFileSync(`/proc/${child}/cmdline`, "utf8").replaceAll("\0", " "),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function read(sandbox: Sandbox, file: string): Promise<string> {
  return (await sandbox.exec("cat", [file])).stdout.trim();
}

/** GET a path of the agent's health server, from inside its namespace. */
async function scrape(sandbox: Sandbox, path: string): Promise<string> {
  const script = `fetch("http://127.0.0.1:9464${path}").then((r) => r.text()).then((t) => process.stdout.write(t))`;
  return (await sandbox.exec(process.execPath, ["-e", script])).stdout;
}

/** rps_cpus for "all": every online CPU. */
const fullMask = async (sandbox: Sandbox): Promise<string> => {
  const cpus = Number((await sandbox.exec("nproc", [])).stdout.trim());
  return ((1 << Math.min(cpus, 31)) - 1).toString(16);
};

describe("the agent's status write", () => {
  it("never lands on an object deleted and created again under the same name", async () => {
    const client = kubeClient(await resolveConnection({}, { KUBECONFIG: controlPlane.kubeconfig }));
    const object = (name: string): string =>
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NodeNetworkTuning",
        metadata: { name },
        spec,
      });
    await run(["apply", "-f", "-"], object("reborn"));
    const first = (await nnt("reborn")).metadata.uid;
    await run(["delete", "nnt", "reborn"]);
    await run(["apply", "-f", "-"], object("reborn"));
    const second = (await nnt("reborn")).metadata.uid;
    expect(second).not.toBe(first);
    const status = { observedGeneration: 1, conditions: [] };
    // The check that began with the first object writes its status: refused, not misplaced.
    await expect(client.patchStatus("reborn", first, status)).rejects.toMatchObject({ code: 422 });
    expect((await nnt("reborn")).status).toBeUndefined();
    await client.patchStatus("reborn", second, status);
    expect((await nnt("reborn")).status?.observedGeneration).toBe(1);
    await run(["delete", "nnt", "reborn"]);
  });
});

describe("the node agent against a real API server", () => {
  it("applies its NodeNetworkTuning, reports every setting in status, and its inventory apart", async () => {
    const { sandbox } = await node("node-a", ["--resync-seconds", "60"]);
    const object = await eventually(async () => {
      const current = await nnt("node-a");
      expect(current.status?.observedGeneration).toBe(1);
      expect(condition(current, "Applied")?.status).toBe("True");
      return current;
    });
    const settings = new Map(settingResults(object.status).map((s) => [s.name, s]));
    // The compact form: an Applied setting that reads back as desired, of the node's one
    // tuning, is its name and value in applied (the original stays on the node).
    expect(object.status?.applied?.["vA/channels.rx"]).toBe("2");
    expect(object.status?.settings?.map((s) => s.name)).not.toContain("vA/channels.rx");
    expect(settings.get("vA/channels.rx")).toEqual({
      name: "vA/channels.rx",
      desired: "2",
      state: "Applied",
    });
    expect(settings.get("vA/rings.rx")).toMatchObject({
      state: "Unsupported",
      reason: "NotSupportedByDriver",
    });
    expect(settings.get("sysctl/net.core.somaxconn")).toMatchObject({
      state: "Applied",
      desired: "6000",
    });
    expect(condition(object, "Applied")?.message).toMatch(
      /settings applied; 1 unsupported or skipped: vA rings rx=max: driver veth does not support ring changes/,
    );
    expect(condition(object, "Degraded")).toMatchObject({ status: "False" });
    expect(object.status).not.toHaveProperty("inventory");
    const inventory = await eventually(async () => {
      const answer = JSON.parse(await run(["get", "nni", "node-a", "-o", "json"])) as {
        status?: HostInventory;
      };
      expect(answer.status?.interfaces?.find((i) => i.name === "vA")).toMatchObject({
        driver: "veth",
        rxQueues: 2,
        txQueues: 2,
      });
      return answer;
    });
    expect(inventory.status?.conntrack).not.toHaveProperty("count");
    expect(await read(sandbox, "/proc/sys/net/core/somaxconn")).toBe("6000");
    const table = await run(["get", "nnt", "node-a"]);
    expect(table).toMatch(/node-a\s+True\s+False\s+sandbox\s+\d+\/\d+ settings applied/);
  });

  it("corrects a NIC reset that re-created the queues within 2 s of the link events", async () => {
    const { sandbox } = await node("node-b", ["--resync-seconds", "600"]);
    await eventually(async () =>
      expect(condition(await nnt("node-b"), "Applied")?.status).toBe("True"),
    );
    const mask = await fullMask(sandbox);
    // Drifted=True lasts until the next check finds nothing to correct, which the link going up
    // may start a moment later: every status the agent writes is watched, not polled.
    const drifted = watchDrifted("node-b");
    // What a NIC reset does: the driver's default queue count comes back, the queues' masks are
    // cleared, the link goes down and up. veth keeps masks across channel changes, so they are
    // cleared by hand here, as a real driver's queue re-allocation would.
    await sandbox.exec("sh", [
      "-c",
      [
        "ethtool -L vA rx 4 tx 4",
        "for f in /sys/class/net/vA/queues/rx-*/rps_cpus /sys/class/net/vA/queues/tx-*/xps_cpus; do echo 0 > $f; done",
        "ip link set vA down && ip link set vA up",
      ].join(" && "),
    ]);
    const started = Date.now();
    await eventually(
      async () => {
        expect(await read(sandbox, "/sys/class/net/vA/queues/rx-0/rps_cpus")).toBe(mask);
        expect(
          (await sandbox.exec("ls", ["/sys/class/net/vA/queues"])).stdout
            .split("\n")
            .filter((q) => q.startsWith("rx-")),
        ).toHaveLength(2);
      },
      5000,
      100,
    );
    expect(Date.now() - started).toBeLessThan(2500);
    await eventually(() => {
      expect(drifted).toContainEqual(
        expect.objectContaining({ status: "True", reason: "DriftCorrected" }),
      );
      return Promise.resolve();
    });
  });

  it("corrects a value changed behind its back on the next re-verify", async () => {
    const { sandbox } = await node("node-c", ["--resync-seconds", "2"]);
    await eventually(async () =>
      expect(condition(await nnt("node-c"), "Applied")?.status).toBe("True"),
    );
    // Drifted=True lasts until the next check (2 s here) finds nothing to correct: every status
    // the agent writes is watched, not polled.
    const seen = watchDrifted("node-c");
    // RPS masks change without a link event: only the periodic re-verify can see this.
    const mask = await fullMask(sandbox);
    await sandbox.exec("sh", ["-c", "echo 0 > /sys/class/net/vA/queues/rx-0/rps_cpus"]);
    await eventually(
      async () => expect(await read(sandbox, "/sys/class/net/vA/queues/rx-0/rps_cpus")).toBe(mask),
      8000,
    );
    const drifted = await eventually(() => {
      const found = seen.find((c) => c?.status === "True");
      expect(found).toMatchObject({ status: "True", reason: "DriftCorrected" });
      return Promise.resolve(found);
    });
    expect(drifted?.message).toContain("vA/rx-0/rps_cpus");
    // The Events say what changed, on the Node and on the NodeNetworkTuning alike.
    for (const kind of ["Node", "NodeNetworkTuning"])
      await eventually(async () =>
        expect(await agentEventNotes("node-c", kind, "DriftCorrected")).toContainEqual(
          expect.stringContaining(`vA/rx-0/rps_cpus 0 → ${mask}`),
        ),
      );
    const metrics = await scrape(sandbox, "/metrics");
    expect(metrics).toMatch(/^nettune_agent_drift_corrections_total\{writer="unknown"\} [1-9]/m);
    expect(metrics).toMatch(/^nettune_conntrack_entries \d+/m);
    expect(metrics).toMatch(/^nettune_softnet_dropped_total\{cpu="0"\} \d+/m);
    expect(metrics).toMatch(/^nettune_nic_drops_total\{interface="vA",counter="rx_dropped"\} \d+/m);
    expect(metrics).toMatch(/^# TYPE nettune_conntrack_insert_failed_total counter$/m);
    // Prometheus' own linter: counters named _total, units in names, help on every metric.
    expect(await promtoolCheckMetrics(metrics)).toBe("");
    // Every agent metric the chart's alerts and dashboard query is one this agent exports.
    const families = scrapedFamilies(metrics);
    const queried = monitoredMetrics("agent");
    expect(queried.length).toBeGreaterThan(10);
    for (const name of queried) expect(families, name).toContain(name);
    expect(metrics).toMatch(/^nettune_agent_apply_duration_seconds_count\{cause="\w+"\} [1-9]/m);
    expect(await scrape(sandbox, "/readyz")).toBe("ok\n");
  });

  it("rolls back a NIC change when the API server probe fails after it", async () => {
    const { sandbox } = await node("node-d", [
      "--resync-seconds",
      "600",
      "--probe-server",
      "https://127.0.0.1:1",
      "--probe-timeout-seconds",
      "1",
    ]);
    const object = await eventually(async () => {
      const current = await nnt("node-d");
      expect(condition(current, "Degraded")?.status).toBe("True");
      return current;
    });
    const settings = new Map(settingResults(object.status).map((s) => [s.name, s]));
    expect(settings.get("vA/channels.rx")).toMatchObject({
      state: "Failed",
      reason: "RolledBack",
      observed: "4",
    });
    expect(
      (await sandbox.exec("ethtool", ["-l", "vA"])).stdout.split("Current hardware settings:")[1],
    ).toMatch(/RX:\s+4\nTX:\s+4/);
    expect(settings.get("sysctl/net.core.somaxconn")).toMatchObject({ state: "Applied" });
    // The rollback's own link events start no new attempt: the NIC is left alone, not flapped.
    const rollbacks = async (): Promise<string> =>
      /^nettune_agent_rollbacks_total (\d+)/m.exec(await scrape(sandbox, "/metrics"))?.[1] ?? "";
    const settled = await rollbacks();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await rollbacks()).toBe(settled);
    expect(await agentEventNotes("node-d", "Node", "RolledBack")).toContainEqual(
      expect.stringContaining("vA/channels.rx RolledBack"),
    );
  });

  it("keeps the settings while the API server is down, does not crash, and picks up a change after it returns", async () => {
    const { sandbox, agent } = await node("node-e", ["--resync-seconds", "2"]);
    await eventually(async () =>
      expect(condition(await nnt("node-e"), "Applied")?.status).toBe("True"),
    );
    await controlPlane.stopAPIServer();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await read(sandbox, "/proc/sys/net/core/somaxconn")).toBe("6000");
    await controlPlane.startAPIServer();
    await run([
      "patch",
      "nnt",
      "node-e",
      "--type=merge",
      "-p",
      JSON.stringify({ spec: { sysctls: { "net.core.somaxconn": "7000" } } }),
    ]);
    await eventually(async () => {
      const current = await nnt("node-e");
      expect(current.status?.observedGeneration).toBe(2);
      expect(await read(sandbox, "/proc/sys/net/core/somaxconn")).toBe("7000");
    }, 30_000);
    expect(await agent.stop("SIGTERM")).toBe(0);
    expect(await read(sandbox, "/proc/sys/net/core/somaxconn")).toBe("7000");
  });

  it("leaves no process behind when it is killed with SIGKILL", async () => {
    const { agent } = await node("node-k", ["--resync-seconds", "600"]);
    await eventually(async () =>
      expect(condition(await nnt("node-k"), "Applied")?.status).toBe("True"),
    );
    const pid = agent.pid() ?? 0;
    const children = (): string[] => childrenOf(pid);
    await eventually(() => {
      // ip monitor runs for as long as the agent does, and so do the shells that ran ethtool.
      expect(children().some((command) => command.includes("monitor link"))).toBe(true);
      expect(children().some((command) => command.startsWith(shellName))).toBe(true);
      return Promise.resolve();
    });
    const started = childPids(pid);
    await agent.stop("SIGKILL");
    await eventually(() => {
      expect(started.filter((child) => alive(child))).toEqual([]);
      return Promise.resolve();
    }, 5000);
  });

  it("makes no status writes at steady state, and a restarted agent changes nothing that is right", async () => {
    const { agent } = await node("node-f", ["--resync-seconds", "1"]);
    await eventually(async () =>
      expect(condition(await nnt("node-f"), "Applied")?.status).toBe("True"),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const patches = (): Promise<number> =>
      apiServerRequests(controlPlane, {
        resource: "nodenetworktunings",
        subresource: "status",
        verb: "PATCH",
      });
    const inventoryWrites = (): Promise<number> =>
      apiServerRequests(controlPlane, {
        resource: "nodenetworkinventories",
        subresource: "status",
        // Server-side apply counts as its own verb.
        verb: "APPLY",
      });
    const before = await patches();
    const inventoryBefore = await inventoryWrites();
    expect(inventoryBefore).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await patches()).toBe(before);
    // Six re-verifies found the same hardware: not one inventory request.
    expect(await inventoryWrites()).toBe(inventoryBefore);
    expect(await agent.stop("SIGTERM")).toBe(0);
    const settingsBefore = settingResults((await nnt("node-f")).status);
    await agent.start();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await patches()).toBe(before);
    expect(settingResults((await nnt("node-f")).status)).toEqual(settingsBefore);
  });
});
