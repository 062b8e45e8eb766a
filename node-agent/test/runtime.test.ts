import { Remedy, Symptom, type Advice } from "../../api/v1alpha1/advice.ts";
import { describe, expect, it } from "vitest";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningStatus,
  SettingResult,
} from "../../api/v1alpha1/node-network-tuning.ts";
import { InvalidSpecError, type EnactResult } from "../src/engine/enact.ts";
import { specCheckers } from "../src/runtime/spec-check.ts";
import { parseSoftnetStat } from "../src/facts/host-counters.ts";
import { Backoff } from "../../common/backoff.ts";
import { setConditions } from "../../common/conditions.ts";
import { ConntrackPressure } from "../src/runtime/conntrack-pressure.ts";
import type { NodeTuningClient } from "../src/runtime/kube.ts";
import { ethtoolEventInterface, linkEventInterface } from "../src/runtime/link-monitor.ts";
import type { Logger } from "../../common/logger.ts";
import { AgentMetrics } from "../src/runtime/metrics.ts";
import { nodeStatus, sameStatus, type RunOutcome } from "../src/runtime/node-status.ts";
import { Reconciler, type ReconcilerDeps } from "../src/runtime/reconciler.ts";
import { hostPathsUnder } from "../src/host/paths.ts";

const t0 = new Date("2026-11-23T10:00:00Z");
const t1 = new Date("2026-11-23T10:05:00Z");

const applied = (name: string, extra: Partial<SettingResult> = {}): SettingResult => ({
  name,
  desired: "1",
  observed: "1",
  state: "Applied",
  reason: "Written",
  ...extra,
});

function outcome(results: SettingResult[], extra: Partial<RunOutcome> = {}): RunOutcome {
  return {
    generation: 3,
    mode: "Enforce",
    results,
    reverted: [],
    driftCorrected: [],
    inventory: {},
    ...extra,
  };
}

const conditionOf = (status: NodeNetworkTuningStatus, type: string): unknown =>
  status.conditions?.find((c) => c.type === type);

describe("node status conditions", () => {
  it.each([
    {
      name: "every setting applied is Applied=True, Degraded=False",
      results: [applied("a"), applied("b")],
      applied: { status: "True", reason: "Applied", message: "2/2 settings applied" },
      degraded: { status: "False" },
    },
    {
      name: "an unsupported setting is still Applied, and says which",
      results: [
        applied("a"),
        {
          name: "eth0/rings.rx",
          desired: "max",
          state: "Unsupported" as const,
          message: "eth0 rings rx=max: driver veth does not support ring changes",
        },
      ],
      applied: {
        status: "True",
        message:
          "1/2 settings applied; 1 unsupported or skipped: eth0 rings rx=max: driver veth does not support ring changes",
      },
      degraded: { status: "False" },
    },
    {
      name: "a failed setting is Applied=False and Degraded=True naming it",
      results: [
        applied("a"),
        {
          name: "b",
          desired: "2",
          state: "Failed" as const,
          reason: "RolledBack",
          message: "b=2: rolled back",
        },
      ],
      applied: { status: "False", reason: "SettingsFailed" },
      degraded: { status: "True", reason: "SettingsFailed", message: "b=2: rolled back" },
    },
    {
      name: "Audit mode counts what would change",
      results: [{ name: "a", desired: "2", state: "WouldChange" as const }],
      extra: { mode: "Audit" as const },
      applied: {
        status: "False",
        reason: "AuditOnly",
        message: "audit: 1/1 settings would change",
      },
      degraded: { status: "False" },
    },
    {
      name: "a refused spec is InvalidSpec on both",
      results: [],
      extra: { invalid: "sysctl kernel.panic refused" },
      applied: { status: "False", reason: "InvalidSpec" },
      degraded: { status: "True", reason: "InvalidSpec" },
    },
  ])("$name", ({ results, extra, applied: wantApplied, degraded }) => {
    const status = nodeStatus(undefined, outcome(results, extra), t0);
    expect(conditionOf(status, "Applied")).toMatchObject({ ...wantApplied, observedGeneration: 3 });
    expect(conditionOf(status, "Degraded")).toMatchObject(degraded);
  });

  it("keeps lastTransitionTime while a condition's status holds and moves it when it flips", () => {
    const first = setConditions(
      undefined,
      [{ type: "Applied", status: "True", reason: "Applied", message: "1/1" }],
      t0,
      1,
    );
    const same = setConditions(
      first,
      [{ type: "Applied", status: "True", reason: "Applied", message: "2/2" }],
      t1,
      2,
    );
    const flipped = setConditions(
      same,
      [{ type: "Applied", status: "False", reason: "SettingsFailed", message: "x" }],
      t1,
      2,
    );
    expect(same[0]?.lastTransitionTime).toBe("2026-11-23T10:00:00Z");
    expect(flipped[0]?.lastTransitionTime).toBe("2026-11-23T10:05:00Z");
  });

  it("shows a drift correction until a later check finds nothing to correct", () => {
    const corrected = nodeStatus(
      undefined,
      outcome([applied("eth0/txqueuelen")], {
        driftCorrected: [{ name: "eth0/txqueuelen", from: "500", to: "1000" }],
      }),
      t0,
    );
    expect(conditionOf(corrected, "Drifted")).toMatchObject({
      status: "True",
      reason: "DriftCorrected",
      message: "corrected 1: eth0/txqueuelen",
    });
    const clean = nodeStatus(
      corrected,
      outcome([applied("eth0/txqueuelen", { reason: "AlreadySet" })]),
      t1,
    );
    expect(conditionOf(clean, "Drifted")).toMatchObject({ status: "False", reason: "NoDrift" });
  });

  it("reads the same whether a check wrote a value or found it set, so that it costs no write", () => {
    const wrote = nodeStatus(undefined, outcome([applied("a", { reason: "Written" })]), t0);
    const found = nodeStatus(wrote, outcome([applied("a", { reason: "AlreadySet" })]), t1);
    expect(sameStatus(wrote, found)).toBe(true);
  });

  it("leaves the inventory out, and differs from an older agent's status that held one", () => {
    const older = {
      ...nodeStatus(undefined, outcome([applied("a")]), t0),
      inventory: { kernel: "6.1" },
    };
    const now = nodeStatus(
      older,
      outcome([applied("a")], { inventory: { kernel: "6.1", conntrack: { count: 99 } } }),
      t1,
    );
    expect(now).not.toHaveProperty("inventory");
    // The first write of a newer agent removes what an older one reported there.
    expect(sameStatus(older, now)).toBe(false);
  });
});

describe("host signals", () => {
  it.each([
    {
      line: "3: vA@vB: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP",
      want: "vA",
    },
    {
      line: "2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 9001 qdisc mq state DOWN",
      want: "eth0",
    },
    { line: "Deleted 7: veth12ab@if3: <BROADCAST,MULTICAST> mtu 1500", want: "veth12ab" },
    { line: "    link/ether 8a:90:bf:6d:f3:fb brd ff:ff:ff:ff:ff:ff", want: undefined },
  ])("reads the interface of a link event: $want", ({ line, want }) => {
    expect(linkEventInterface(line)).toBe(want);
  });

  it.each([
    // Lines of `ethtool --monitor` (ethtool 6.1) in the nic tier's guest, after -L, -G, -C and -K.
    { line: "listening...", want: undefined },
    { line: "Channel parameters for eth0:", want: "eth0" },
    { line: "Pre-set maximums:", want: undefined },
    { line: "Current hardware settings:", want: undefined },
    { line: "Ring parameters for eth1:", want: "eth1" },
    { line: "Coalesce parameters for eth1:", want: "eth1" },
    { line: "Features for eth0:", want: "eth0" },
    { line: "rx-checksumming: on [fixed]", want: undefined },
    { line: "\ttx-checksum-ipv4: off [fixed]", want: undefined },
  ])("reads the interface of an ethtool notification: $line", ({ line, want }) => {
    expect(ethtoolEventInterface(line)).toBe(want);
  });

  it.each([
    {
      name: "an old kernel's lines, CPUs in order",
      text: "0000a000 00000002 00000010 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n0000b000 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n",
      want: [
        { cpu: 0, processed: 40960, dropped: 2, timeSqueeze: 16 },
        { cpu: 1, processed: 45056, dropped: 0, timeSqueeze: 1 },
      ],
    },
    {
      name: "a new kernel's lines with the CPU index in column 13",
      text: "00000010 00000000 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000004 00000000\n",
      want: [{ cpu: 4, processed: 16, dropped: 0, timeSqueeze: 3 }],
    },
  ])("parses softnet_stat: $name", ({ text, want }) => {
    expect(parseSoftnetStat(text)).toEqual(want);
  });

  it("turns conntrack pressure on only after a full window above 90%, and off after one sample below", () => {
    const pressure = new ConntrackPressure(3, 0.9);
    expect(pressure.add(95, 100)).toBe(false);
    expect(pressure.add(96, 100)).toBe(false);
    expect(pressure.add(97, 100)).toBe(true);
    expect(pressure.current()).toEqual({ ratio: 0.97 });
    expect(pressure.add(50, 100)).toBe(true);
    expect(pressure.current()).toBeUndefined();
  });

  it("backs off exponentially with jitter up to the maximum, and starts over after a reset", () => {
    const backoff = new Backoff(100, 1000, () => 0.5);
    expect([
      backoff.next(),
      backoff.next(),
      backoff.next(),
      backoff.next(),
      backoff.next(),
    ]).toEqual([100, 200, 400, 800, 1000]);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });
});

/** A client that records status writes and never talks to a server. */
function fakeClient(): NodeTuningClient & { writes: NodeNetworkTuningStatus[] } {
  const writes: NodeNetworkTuningStatus[] = [];
  return {
    writes,
    get: () => Promise.resolve({ object: undefined, resourceVersion: "1" }),
    watch: () => Promise.resolve({ abort: () => undefined }),
    patchStatus: (_name, _uid, status) => {
      writes.push(status);
      return Promise.resolve();
    },
    probe: () => Promise.resolve(true),
  };
}

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function reconcilerWith(enactResults: SettingResult[][]): {
  reconciler: Reconciler;
  client: ReturnType<typeof fakeClient>;
  metrics: AgentMetrics;
  reverts: number[];
  /** How many checks ran (calls to enact). */
  checks: () => number;
  /** What the symptom watch holds now; a test sets it. */
  advice: Advice[];
  /** How many times the inventory was gathered, and what was published. */
  inventories: { gathered: number; published: number };
} {
  const inventories = { gathered: 0, published: 0 };
  const client = fakeClient();
  const metrics = new AgentMetrics(hostPathsUnder("/nonexistent", "/nonexistent"));
  const reverts: number[] = [];
  const advice: Advice[] = [];
  let call = 0;
  const deps: ReconcilerDeps = {
    client,
    nodeName: "node-1",
    now: () => t0,
    log: quiet,
    metrics,
    enact: () => {
      const results = enactResults[Math.min(call++, enactResults.length - 1)] ?? [];
      return Promise.resolve({
        mode: "Enforce",
        results,
        reverted: [],
        discardedStaleOriginals: 0,
        hostWrites: results.filter((r) => r.reason === "Written").length,
        changes: results
          .filter((r) => r.reason === "Written")
          .map((r) => ({ name: r.name, from: "0", to: r.observed ?? "" })),
        otherWriters: [],
      } as unknown as EnactResult);
    },
    revertAll: () => {
      reverts.push(1);
      return Promise.resolve([]);
    },
    inventory: () => {
      inventories.gathered++;
      return Promise.resolve({});
    },
    publishInventory: () => {
      inventories.published++;
      return Promise.resolve();
    },
    conntrackPressure: () => undefined,
    advice: () => [...advice],
    events: { record: () => Promise.resolve() },
  };
  return {
    reconciler: new Reconciler(deps),
    client,
    metrics,
    reverts,
    checks: () => call,
    advice,
    inventories,
  };
}

const object = (generation: number, status?: NodeNetworkTuningStatus): NodeNetworkTuning => ({
  apiVersion: "nettune.io/v1alpha1",
  kind: "NodeNetworkTuning",
  metadata: { name: "node-1", generation },
  spec: { sysctls: { "net.core.somaxconn": "1" } },
  ...(status ? { status } : {}),
});

describe("the reconciler", () => {
  it("writes status once for a new generation and not again when a re-check finds the same", async () => {
    const { reconciler, client } = reconcilerWith([
      [applied("a", { reason: "Written" })],
      [applied("a", { reason: "AlreadySet" })],
    ]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    reconciler.trigger("resync");
    await reconciler.idle();
    expect(client.writes).toHaveLength(1);
  });

  it("gathers the inventory again after a check that wrote to the node, not after one that found it right", async () => {
    const { reconciler, inventories } = reconcilerWith([
      [applied("a", { reason: "Written" })],
      [applied("a", { reason: "AlreadySet" })],
      [applied("a", { reason: "Written" })],
    ]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    expect(inventories.gathered).toBe(1);
    reconciler.trigger("resync");
    await reconciler.idle();
    expect(inventories.gathered).toBe(1);
    reconciler.trigger("resync");
    await reconciler.idle();
    expect(inventories).toEqual({ gathered: 2, published: 3 });
  });

  it("carries the advice into the status when a symptom starts, and out when it ends", async () => {
    const { reconciler, client, advice, checks } = reconcilerWith([
      [applied("a", { reason: "Written" })],
      [applied("a", { reason: "AlreadySet" })],
    ]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    expect(client.writes.at(-1)).not.toHaveProperty("advice");
    advice.push({
      symptom: Symptom.ListenOverflows,
      evidence: { counter: "TcpExt ListenOverflows", delta: 3126, windowSeconds: 6 },
      remedy: { setting: Remedy.Somaxconn, value: "16384" },
      bound: "at most 65535",
    });
    reconciler.trigger("advice");
    await reconciler.idle();
    expect(client.writes).toHaveLength(2);
    expect(client.writes.at(-1)?.advice).toEqual(advice);
    // The advice is re-reported from the last check: the host is not checked again.
    expect(checks()).toBe(1);
    reconciler.trigger("resync");
    await reconciler.idle();
    expect(client.writes).toHaveLength(2);
    advice.length = 0;
    reconciler.trigger("advice");
    await reconciler.idle();
    expect(client.writes).toHaveLength(3);
    expect(client.writes.at(-1)).not.toHaveProperty("advice");
  });

  it("counts writes in a re-check of the same generation as drift corrections", async () => {
    const { reconciler, client, metrics } = reconcilerWith([
      [applied("a")],
      [applied("a", { reason: "Written" })],
    ]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    reconciler.trigger("resync");
    await reconciler.idle();
    const corrections = (await metrics.driftCorrections.get()).values;
    expect(corrections.find((v) => v.labels.writer === "unknown")?.value).toBe(1);
    expect(client.writes.at(-1)?.conditions?.find((c) => c.type === "Drifted")).toMatchObject({
      status: "True",
      reason: "DriftCorrected",
    });
  });

  it("does not start a check for a status-only update of the same generation", async () => {
    const { reconciler, client, checks } = reconcilerWith([[applied("a")]]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    expect(checks()).toBe(1);
    reconciler.setObject(object(1, client.writes[0]));
    await reconciler.idle();
    expect(checks()).toBe(1);
    expect(client.writes).toHaveLength(1);
  });

  it("restores everything when its object is deleted", async () => {
    const { reconciler, reverts } = reconcilerWith([[applied("a")]]);
    reconciler.setObject(object(1));
    await reconciler.idle();
    reconciler.setObject(undefined);
    await reconciler.idle();
    expect(reverts).toHaveLength(1);
  });
});

describe("the agent's own check of its NodeNetworkTuning spec", () => {
  it.each([
    {
      sentence: "a backwards CPU range stored under an older schema",
      spec: { interfaces: [{ match: { names: ["eth0"] }, rps: { cpus: "7-3" } }] },
      says: "CPU list 7-3: ranges must run upwards",
    },
    {
      sentence: "a sysctl outside the allowlist",
      spec: { sysctls: { "kernel.panic": "1" } },
      says: "sysctl key kernel.panic is not accepted",
    },
    {
      sentence: "a field the schema does not know",
      spec: { tunables: {} },
      says: "spec.tunables: unknown field",
    },
  ])("refuses $sentence before any write", ({ spec, says }) => {
    const checks = specCheckers();
    expect(() => {
      checks.spec("node-1", spec);
    }).toThrow(InvalidSpecError);
    expect(() => {
      checks.spec("node-1", spec);
    }).toThrow(says);
  });

  it("passes a spec the API server would accept", () => {
    const checks = specCheckers();
    expect(() => {
      checks.spec("node-1", { sysctls: { "net.core.somaxconn": "4096" } });
    }).not.toThrow();
    expect(() => {
      checks.audit("audit", { sysctls: { "net.ipv4.ip_forward": "1" } });
    }).toThrow("sysctl net.ipv4.ip_forward is not on the list of sysctls known to be safe");
  });
});
