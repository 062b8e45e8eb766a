// The rollout's promises under faults, on a real API server with two operator
// replicas and 20 real agents (simulated hosts). Watches sample every object
// the API server hands out, and each scenario checks the same promises:
// the budget is never exceeded, no Ready before every matched node applied the
// generation, no status goes back, and the leader that lost its lease writes
// nothing after it.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { SimulatedCluster } from "../../test/harness/cluster.ts";
import { kubectl } from "../../test/harness/kubectl.ts";
import { apiServerGet, eventually, watchAnswer, watchObjects } from "../../test/harness/wait.ts";

const nodes = Array.from({ length: 20 }, (_, i) => `fault-${String(i + 1).padStart(2, "0")}`);
const operators = ["op-a", "op-b"];
let cluster: SimulatedCluster;
const stops: (() => void)[] = [];

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(cluster.controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const apply = (name: string, spec: Record<string, unknown>): Promise<string> =>
  run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name },
      spec,
    }),
  );

/** The tuning most scenarios roll out: a new backlog value is a new generation. */
const applyTakeover = (backlog: string): Promise<string> =>
  apply("takeover", {
    nodeSelector: { matchLabels: { pool: "faults" } },
    rollout: { maxUnavailable: 2 },
    sysctls: { "net.core.netdev_max_backlog": backlog },
  });

interface Seen {
  generation: number;
  applied: number;
  matched: number;
  ready?: { status: string; reason: string };
}

/** The promises a status version must keep: each returns what it broke, or nothing. */
const promises: ((
  name: string,
  now: Seen,
  before: Seen | undefined,
  expected?: number,
) => string)[] = [
  (name, now, _before, expected) =>
    now.ready?.status === "True" && expected !== undefined && now.matched !== expected
      ? `${name}: Ready (${now.ready.reason}) with ${now.matched} matched, not ${expected}`
      : "",
  (name, now) =>
    now.ready?.status === "True" && now.applied < now.matched
      ? `${name}: Ready with ${now.applied}/${now.matched} applied`
      : "",
  (name, now, before) =>
    before && now.generation < before.generation
      ? `${name}: observedGeneration back from ${before.generation} to ${now.generation}`
      : "",
];

function brokenPromises(
  name: string,
  now: Seen,
  before: Seen | undefined,
  expected?: number,
): string[] {
  return promises.map((promise) => promise(name, now, before, expected)).filter(Boolean);
}

/** Every status of every tuning the API server handed out, and the promises it broke. */
class TuningSampler {
  readonly broken: string[] = [];
  private readonly last = new Map<string, Seen>();
  /** Who wrote each tuning's status, and when (managedFields). */
  readonly writers: { tuning: string; manager: string; time: number }[] = [];
  readonly expectedMatched = new Map<string, number>();

  see(object: NetworkTuning & { metadata: { managedFields?: ManagedField[] } }): void {
    const name = object.metadata.name ?? "";
    const status = object.status;
    if (!status?.conditions) return;
    const ready = status.conditions.find((c) => c.type === "Ready");
    const now: Seen = {
      generation: status.observedGeneration ?? 0,
      applied: status.appliedNodes ?? 0,
      matched: status.matchedNodes ?? 0,
      ...(ready ? { ready } : {}),
    };
    this.broken.push(
      ...brokenPromises(name, now, this.last.get(name), this.expectedMatched.get(name)),
    );
    this.last.set(name, now);
    for (const field of object.metadata.managedFields ?? [])
      if (field.subresource === "status")
        this.writers.push({ tuning: name, manager: field.manager, time: Date.parse(field.time) });
  }
}

interface ManagedField {
  manager: string;
  subresource?: string;
  time: string;
}

/** Every NodeNetworkTuning version: how many Ready nodes apply the tuning at once, and what each got. */
class NodeSampler {
  private readonly inFlight = new Map<string, boolean>();
  readonly received = new Map<string, Set<number>>();
  maxInFlight = 0;
  private readonly tuning: string;

  constructor(tuning: string) {
    this.tuning = tuning;
  }

  see(object: NodeNetworkTuning): void {
    const node = object.metadata.name ?? "";
    const source = object.spec.sources?.find((s) => s.name === this.tuning);
    const applying =
      source !== undefined && object.status?.observedGeneration !== object.metadata.generation;
    this.inFlight.set(node, applying);
    if (source)
      (this.received.get(node) ?? this.received.set(node, new Set()).get(node))?.add(
        source.generation,
      );
    this.maxInFlight = Math.max(
      this.maxInFlight,
      [...this.inFlight.values()].filter(Boolean).length,
    );
  }

  reset(): void {
    this.maxInFlight = [...this.inFlight.values()].filter(Boolean).length;
    this.received.clear();
  }
}

const tunings = new TuningSampler();
const churn = new NodeSampler("churn");

const run_ = promisify(execFile);

/** The messages of a tuning's Events of one reason, space-separated. */
const events = (tuning: string, reason: string): Promise<string> =>
  run([
    "get",
    "events",
    "-n",
    "default",
    "--field-selector",
    `involvedObject.name=${tuning},reason=${reason}`,
    "-o",
    "jsonpath={.items[*].message}",
  ]);

async function degradedOf(
  name: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  const object = JSON.parse(await run(["get", "nt", name, "-o", "json"])) as NetworkTuning;
  return object.status?.conditions?.find((c) => c.type === "Degraded");
}

/** libfaketime, which moves one process's wall clock (Debian's faketime package). */
async function libfaketime(): Promise<string> {
  const { stdout } = await run_("sh", ["-c", "ls /usr/lib/*/faketime/libfaketime.so.1"]);
  return stdout.trim().split("\n")[0] ?? "";
}

async function leader(): Promise<string> {
  return run([
    "-n",
    "nettune-system",
    "get",
    "lease",
    "nettune-operator",
    "-o",
    "jsonpath={.spec.holderIdentity}",
  ]);
}

async function readyAt(name: string, generation: number, applied = nodes.length): Promise<void> {
  await eventually(
    async () => {
      const object = JSON.parse(await run(["get", "nt", name, "-o", "json"])) as NetworkTuning;
      expect(object.status?.observedGeneration).toBe(generation);
      expect(object.status?.nodes).toBe(`${applied}/${nodes.length}`);
      expect(object.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    },
    120_000,
    500,
  );
}

const generationOf = async (name: string): Promise<number> =>
  Number(await run(["get", "nt", name, "-o", "jsonpath={.metadata.generation}"]));

/**
 * Waits until the takeover tuning's current generation reached a node, then
 * checks that not every node has reported it: a fault that follows strikes in
 * the middle of the rollout, not after it.
 */
async function rolloutUnderWay(): Promise<void> {
  const generation = await generationOf("takeover");
  const carrying = async (): Promise<NodeNetworkTuning[]> =>
    (
      JSON.parse(await run(["get", "nnt", "-o", "json"])) as { items: NodeNetworkTuning[] }
    ).items.filter((nnt) =>
      nnt.spec.sources?.some((s) => s.name === "takeover" && s.generation === generation),
    );
  const holding = await eventually(
    async () => {
      const found = await carrying();
      expect(found.length).toBeGreaterThan(0);
      return found;
    },
    30_000,
    50,
  );
  const reported = holding.filter(
    (nnt) => nnt.status?.observedGeneration === nnt.metadata.generation,
  );
  expect(reported.length, "the rollout ended before the fault").toBeLessThan(nodes.length);
}

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-faults-");
  await cluster.addNodes(nodes, { pool: "faults" });
  for (const node of nodes) await cluster.startAgent(node);
  operators.forEach((identity, i) => {
    cluster.startOperator(identity, 18390 + i);
  });
  const target = cluster.controlPlane;
  stops.push(
    watchObjects(target, "/apis/nettune.io/v1alpha1/networktunings", (object) => {
      tunings.see(object as NetworkTuning & { metadata: { managedFields?: ManagedField[] } });
    }),
    watchObjects(target, "/apis/nettune.io/v1alpha1/nodenetworktunings", (object) => {
      churn.see(object as NodeNetworkTuning);
    }),
  );
});

afterAll(async () => {
  for (const stop of stops) stop();
  await cluster.destroy();
});

describe("the rollout's promises under faults", () => {
  it("keeps maxUnavailable and serves every node while the spec changes 40 times", async () => {
    tunings.expectedMatched.set("churn", nodes.length);
    const spec = (value: number): Record<string, unknown> => ({
      nodeSelector: { matchLabels: { pool: "faults" } },
      rollout: { maxUnavailable: 5 },
      sysctls: { "net.core.somaxconn": String(4096 + value) },
    });
    await apply("churn", spec(0));
    await readyAt("churn", 1);
    churn.reset();
    for (let change = 1; change <= 40; change++) {
      await apply("churn", spec(change));
      await sleep(250);
    }
    await readyAt("churn", await generationOf("churn"));
    expect(churn.maxInFlight).toBeLessThanOrEqual(5);
    const counts = nodes.map((node) => churn.received.get(node)?.size ?? 0);
    // Every node got the final generation and a fair share of those in between.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(Math.max(...counts) / 3);
    expect(tunings.broken).toEqual([]);
  });

  it("a new leader after a SIGKILL reports nothing Ready before its caches have listed", async () => {
    tunings.expectedMatched.set("takeover", nodes.length);
    const before = await leader();
    await applyTakeover("4000");
    await sleep(1500);
    await cluster.stop(`operator/${before}`, "SIGKILL");
    try {
      await eventually(async () => expect(await leader()).not.toBe(before), 30_000, 500);
      await readyAt("takeover", 1);
      expect(tunings.broken).toEqual([]);
    } finally {
      cluster.startOperator(before, 18390 + operators.indexOf(before));
    }
  });

  it("a leader paused past its lease writes nothing once resumed", async () => {
    const paused = await leader();
    cluster.signal(`operator/${paused}`, "SIGSTOP");
    try {
      await pausedLeader(paused);
    } finally {
      cluster.signal(`operator/${paused}`, "SIGCONT");
      await cluster.stop(`operator/${paused}`, "SIGKILL");
      cluster.startOperator(paused, 18390 + operators.indexOf(paused));
    }
  });

  async function pausedLeader(paused: string): Promise<void> {
    await eventually(async () => expect(await leader()).not.toBe(paused), 30_000, 500);
    // The new leader rolls out a new generation while the old one sleeps.
    await applyTakeover("5000");
    await readyAt("takeover", 2);
    const resumedAt = Date.now();
    cluster.signal(`operator/${paused}`, "SIGCONT");
    await applyTakeover("6000");
    await readyAt("takeover", 3);
    await sleep(3000);
    // managedFields name the replica that wrote the status last: never the resumed one.
    const stale = tunings.writers.filter((w) => w.manager === paused && w.time >= resumedAt - 1000);
    expect(stale).toEqual([]);
    expect(tunings.broken).toEqual([]);
  }

  it("one writer at a time with a replica's clock a minute ahead and one a minute behind", async () => {
    const before = await eventually(async () => {
      const holder = await leader();
      expect(holder).not.toBe("");
      return holder;
    });
    const lease = async (): Promise<{ holder: string; transitions: number }> => {
      const object = JSON.parse(
        await run(["-n", "nettune-system", "get", "lease", "nettune-operator", "-o", "json"]),
      ) as { spec: { holderIdentity: string; leaseTransitions?: number } };
      return { holder: object.spec.holderIdentity, transitions: object.spec.leaseTransitions ?? 0 };
    };
    const transitions = (await lease()).transitions;
    const skewed = { ahead: "+60s", behind: "-60s" };
    for (const [name, offset] of Object.entries(skewed))
      cluster.startOperator(
        `op-${name}`,
        18392 + Object.keys(skewed).indexOf(name),
        [],
        undefined,
        {
          LD_PRELOAD: await libfaketime(),
          FAKETIME: offset,
          FAKETIME_DONT_FAKE_MONOTONIC: "1",
        },
      );
    try {
      // Three lease durations: a replica that judged expiry by its own wall clock takes over.
      await sleep(18_000);
      expect(await lease()).toEqual({ holder: before, transitions });
      // The leader and the other standby go: one of the skewed replicas takes over, once.
      const standby = operators.find((o) => o !== before) ?? "";
      await cluster.stop(`operator/${standby}`, "SIGTERM");
      await cluster.stop(`operator/${before}`, "SIGKILL");
      const killedAt = Date.now();
      await eventually(
        async () => expect((await lease()).holder).toMatch(/^op-(ahead|behind)$/),
        30_000,
        500,
      );
      // It waits one lease duration (6 s) on its own clock, not a minute more or less.
      expect(Date.now() - killedAt).toBeLessThan(6_000 + 8_000);
      expect((await lease()).transitions).toBe(transitions + 1);
      await apply("skew", {
        nodeSelector: { matchLabels: { pool: "faults" } },
        sysctls: { "net.core.optmem_max": "40960" },
      });
      await readyAt("skew", 1);
      // Status writes after the takeover come from the new leader alone.
      const after = tunings.writers.filter((w) => w.time > killedAt + 1000);
      expect(new Set(after.map((w) => w.manager)).size).toBeLessThanOrEqual(1);
      await run(["delete", "nt", "skew"]);
    } finally {
      for (const name of Object.keys(skewed)) await cluster.stop(`operator/op-${name}`, "SIGTERM");
      operators.forEach((identity, i) => {
        cluster.startOperator(identity, 18390 + i);
      });
    }
    expect(tunings.broken).toEqual([]);
  });

  it("finishes the rollout after the API server restarts in the middle of it", async () => {
    await applyTakeover("7000");
    await rolloutUnderWay();
    await cluster.controlPlane.stopAPIServer();
    await sleep(3000);
    await cluster.controlPlane.startAPIServer();
    await readyAt("takeover", 4);
    expect(tunings.broken).toEqual([]);
  });

  it("finishes the rollout after etcd restarts in the middle of it", async () => {
    await applyTakeover("8000");
    await rolloutUnderWay();
    await cluster.controlPlane.stopEtcd();
    await sleep(3000);
    await cluster.controlPlane.startEtcd();
    await readyAt("takeover", 5);
    expect(tunings.broken).toEqual([]);
  });

  it("finishes the rollout after etcd compacts the history every watch stood on (410)", async () => {
    const nodeTunings = "/apis/nettune.io/v1alpha1/nodenetworktunings";
    const seen = (
      JSON.parse(await apiServerGet(cluster.controlPlane, nodeTunings)) as {
        metadata: { resourceVersion: string };
      }
    ).metadata.resourceVersion;
    await applyTakeover("9000");
    await rolloutUnderWay();
    // With the API server down, its watch cache goes too: when it comes back, every
    // watch that resumes from a revision before the compaction is answered 410 Gone.
    await cluster.controlPlane.stopAPIServer();
    await cluster.controlPlane.compactEtcd();
    await cluster.controlPlane.startAPIServer();
    expect(await watchAnswer(cluster.controlPlane, nodeTunings, seen)).toBe(410);
    await readyAt("takeover", 6);
    expect(tunings.broken).toEqual([]);
  });

  it("a restore the kernel refuses keeps the tuning and names the node, before and after a failover", async () => {
    const [stuck = ""] = nodes;
    const file = path.join(cluster.hostRoot(stuck), "proc/sys/net/ipv4/tcp_fin_timeout");
    const original = await readFile(file, "utf8");
    await apply("stuck", {
      nodeSelector: { matchLabels: { pool: "faults" } },
      sysctls: { "net.ipv4.tcp_fin_timeout": "17" },
    });
    await readyAt("stuck", 1);
    // The kernel refuses the write back (EPERM), as a locked-down sysctl would.
    await run_("chattr", ["+i", file]);
    try {
      await run(["delete", "nt", "stuck", "--wait=false"]);
      const refusal = new RegExp(
        `could not restore their original values.*${stuck} \\(.*tcp_fin_timeout`,
      );
      await eventually(
        async () => expect(await events("stuck", "RevertFailed")).toMatch(refusal),
        60_000,
        500,
      );
      expect(await degradedOf("stuck")).toMatchObject({ status: "True", reason: "RevertFailed" });
      // A new leader finds the same in the status and the node's report: the tuning stays.
      const before = await leader();
      await cluster.stop(`operator/${before}`, "SIGKILL");
      try {
        await eventually(async () => expect(await leader()).not.toBe(before), 30_000, 500);
        await sleep(5000);
        expect(await degradedOf("stuck")).toMatchObject({ reason: "RevertFailed" });
        expect((await degradedOf("stuck"))?.message).toContain(stuck);
        expect(await events("stuck", "Reverted")).toBe("");
      } finally {
        cluster.startOperator(before, 18390 + operators.indexOf(before));
      }
    } finally {
      await run_("chattr", ["-i", file]);
    }
    // The agent tries again; once the kernel takes the value, the deletion finishes.
    await eventually(
      async () =>
        expect((await kubectl(cluster.controlPlane, ["get", "nt", "stuck"])).code).not.toBe(0),
      120_000,
      1000,
    );
    expect(await readFile(file, "utf8")).toBe(original.trim());
    // The new leader tells what it saw: the node it held for, restored; and only that.
    expect(await events("stuck", "Reverted")).toBe(
      `1 node(s) restored their original values: ${stuck}`,
    );
  });

  it("24 tunings with long names on the same nodes all converge", async () => {
    // Their names together pass the 1024 characters a node's sourceNames holds.
    const names = Array.from(
      { length: 24 },
      (_, i) => `a-tuning-with-a-long-and-descriptive-name-${String(i).padStart(3, "0")}`,
    );
    for (const [i, name] of names.entries())
      await apply(name, {
        nodeSelector: { matchLabels: { pool: "faults" } },
        priority: i + 1,
        sysctls: { "net.ipv4.tcp_fin_timeout": String(20 + i) },
      });
    for (const name of names) await readyAt(name, 1);
    const node = JSON.parse(
      await run(["get", "nnt", nodes[0] ?? "", "-o", "json"]),
    ) as NodeNetworkTuning;
    expect(node.spec.sources).toHaveLength(24 + 2);
    expect(node.spec.sourceNames).toMatch(/ and \d+ more$/);
    await run(["delete", "nt", ...names]);
  });

  it("a deletion waits for the touched node whose agent is down, and says who went away", async () => {
    const [down = ""] = nodes.slice(-1);
    await cluster.stop(`agent/${down}`, "SIGKILL");
    await run(["delete", "nt", "takeover", "--wait=false"]);
    await eventually(
      async () =>
        expect(await events("takeover", "Reverting")).toMatch(
          /^waiting for \d+ node\(s\) to restore their original values: fault-/,
        ),
      30_000,
      500,
    );
    await sleep(3000);
    expect((await kubectl(cluster.controlPlane, ["get", "nt", "takeover"])).code).toBe(0);
    await run(["delete", "node", down]);
    await eventually(
      async () =>
        expect((await kubectl(cluster.controlPlane, ["get", "nt", "takeover"])).code).not.toBe(0),
      30_000,
      500,
    );
    const reverted = await events("takeover", "Reverted");
    expect(reverted).toContain(`${nodes.length - 1} node(s) restored their original values`);
    expect(reverted).toContain(
      `went away before restoring theirs (NetTune did not restore them): ${down}`,
    );
  });
});
