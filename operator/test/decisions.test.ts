import { describe, expect, it } from "vitest";
import type { LabelSelector } from "../../api/v1alpha1/meta.ts";
import type { NetworkTuning, NetworkTuningSpec } from "../../api/v1alpha1/network-tuning.ts";
import { agentReport, staleReport } from "../../test/gen/reports.ts";
import {
  atGeneration,
  mergedFrom,
  networkTuning,
  nodeTuning,
  withReport,
  withSpec,
} from "../../test/gen/tunings.ts";
import { selectorProblems } from "../../api/helpers/label-selector.ts";
import { unusable } from "../src/cluster/cluster-view.ts";
import { agentAffinity } from "../src/agents/daemonset.ts";
import { mergeForNode } from "../src/rollout/merge.ts";
import { progressOf, RolloutLedger, type NodeView } from "../src/rollout/rollout.ts";
import { tuningStatus } from "../src/status/status.ts";

const tuning = (name: string, spec: Partial<NetworkTuningSpec>, generation = 1): NetworkTuning =>
  networkTuning(name, withSpec(spec), atGeneration(generation));

type Report = "none" | "old" | "applied" | "degraded";

/** A node holding `of`'s generation (or not released yet), with the agent's report. */
function node(name: string, of: NetworkTuning | undefined, report: Report, ready = true): NodeView {
  const view: NodeView = { name, ready, labels: {} };
  if (!of) return view;
  const reported =
    report === "old"
      ? [withReport(staleReport(1))]
      : report === "applied" || report === "degraded"
        ? [withReport(agentReport(2, report))]
        : [];
  view.nnt = nodeTuning(name, atGeneration(2), mergedFrom(of), ...reported);
  return view;
}

describe("merge per node", () => {
  const cases: {
    sentence: string;
    tunings: NetworkTuning[];
    sysctls?: Record<string, string>;
    conflicts?: string[];
    mode?: string;
  }[] = [
    {
      sentence: "a higher priority wins the field it sets and leaves the others",
      tunings: [
        tuning("base", { sysctls: { "net.core.somaxconn": "1024", "net.core.rmem_max": "1" } }),
        tuning("web", { priority: 10, sysctls: { "net.core.somaxconn": "8192" } }),
      ],
      sysctls: { "net.core.somaxconn": "8192", "net.core.rmem_max": "1" },
      conflicts: [],
    },
    {
      sentence: "equal priority with different values is a Conflict won by the first name",
      tunings: [
        tuning("zeta", { sysctls: { "net.core.somaxconn": "2048" } }),
        tuning("alpha", { sysctls: { "net.core.somaxconn": "4096" } }),
      ],
      sysctls: { "net.core.somaxconn": "4096" },
      conflicts: ["sysctls.net.core.somaxconn: alpha over zeta"],
    },
    {
      sentence: "equal priority with the same value is no Conflict",
      tunings: [
        tuning("a", { sysctls: { "net.core.somaxconn": "4096" } }),
        tuning("b", { sysctls: { "net.core.somaxconn": "4096" } }),
      ],
      sysctls: { "net.core.somaxconn": "4096" },
      conflicts: [],
    },
    {
      sentence: "an Audit tuning adds nothing while an Enforce one matches",
      tunings: [
        tuning("audit", { mode: "Audit", priority: 50, sysctls: { "net.core.somaxconn": "1" } }),
        tuning("enforce", { sysctls: { "net.core.rmem_max": "2" } }),
      ],
      sysctls: { "net.core.rmem_max": "2" },
      mode: "Enforce",
    },
    {
      sentence: "only Audit tunings make an Audit node spec",
      tunings: [tuning("audit", { mode: "Audit", sysctls: { "net.core.somaxconn": "1" } })],
      sysctls: { "net.core.somaxconn": "1" },
      mode: "Audit",
    },
  ];
  it.each(cases)("$sentence", ({ tunings, sysctls, conflicts, mode }) => {
    const merged = mergeForNode(tunings);
    expect(merged.spec.sysctls).toEqual(sysctls);
    if (conflicts)
      expect(merged.conflicts.map((c) => `${c.field}: ${c.winner} over ${c.loser}`)).toEqual(
        conflicts,
      );
    if (mode) expect(merged.spec.mode).toBe(mode);
  });

  it("an Audit tuning beside an Enforce one travels with the node's spec, released like any source", () => {
    const merged = mergeForNode([
      tuning("audit", { mode: "Audit", priority: 50, sysctls: { "net.core.somaxconn": "1" } }, 3),
      tuning("enforce", { sysctls: { "net.core.rmem_max": "2" } }),
    ]);
    expect(merged.spec.sources?.map((s) => `${s.name}@${s.generation}`)).toEqual([
      "enforce@1",
      "audit@3",
    ]);
    expect(merged.spec.audits).toEqual([
      { name: "audit", settings: { sysctls: { "net.core.somaxconn": "1" } } },
    ]);
  });

  it("diagnosis thresholds merge threshold by threshold, the higher priority first", () => {
    const merged = mergeForNode([
      tuning("strict", {
        priority: 5,
        diagnosis: { thresholds: { listenOverflowsPerSecond: 10, backlogDropsPerSecond: 2 } },
      }),
      tuning("loose", {
        diagnosis: { thresholds: { listenOverflowsPerSecond: 50, insertFailedPerSecond: 1 } },
      }),
    ]);
    expect(merged.spec.diagnosis).toEqual({
      thresholds: {
        listenOverflowsPerSecond: 10,
        backlogDropsPerSecond: 2,
        insertFailedPerSecond: 1,
      },
    });
  });

  it("interface entries with the same match merge setting by setting", () => {
    const match = { names: ["eth0"] };
    const merged = mergeForNode([
      tuning("rings", { interfaces: [{ match, rings: { rx: 4096 } }] }),
      tuning("offloads", { priority: 1, interfaces: [{ match, offloads: { gro: true } }] }),
      tuning("other", { interfaces: [{ match: { names: ["eth1"] }, txQueueLength: 5000 }] }),
    ]);
    expect(merged.spec.interfaces).toEqual([
      { match, offloads: { gro: true }, rings: { rx: 4096 } },
      { match: { names: ["eth1"] }, txQueueLength: 5000 },
    ]);
    expect(merged.spec.sources?.map((s) => s.name)).toEqual(["offloads", "other", "rings"]);
  });

  it("interface entries whose match differs only in key order are the same entry", () => {
    const merged = mergeForNode([
      tuning("rings", {
        interfaces: [{ match: { names: ["eth0"], drivers: ["ixgbe"] }, rings: { rx: 4096 } }],
      }),
      tuning("offloads", {
        priority: 1,
        interfaces: [{ match: { drivers: ["ixgbe"], names: ["eth0"] }, offloads: { gro: true } }],
      }),
    ]);
    expect(merged.spec.interfaces).toHaveLength(1);
    expect(merged.spec.interfaces?.[0]).toMatchObject({
      offloads: { gro: true },
      rings: { rx: 4096 },
    });
  });
});

describe("rollout budget", () => {
  const t = tuning("t", { rollout: { maxUnavailable: 2 } }, 5);
  const older = tuning("t", { rollout: { maxUnavailable: 2 } }, 4);
  const cases: { sentence: string; nodes: NodeView[]; releases: number; halted?: boolean }[] = [
    {
      sentence: "nothing in flight releases up to maxUnavailable",
      nodes: [
        node("a", undefined, "none"),
        node("b", undefined, "none"),
        node("c", undefined, "none"),
      ],
      releases: 2,
    },
    {
      sentence: "a node released and not yet reported holds the budget",
      nodes: [node("a", t, "old"), node("b", undefined, "none"), node("c", undefined, "none")],
      releases: 1,
    },
    {
      sentence: "a node that reported Applied frees its place",
      nodes: [node("a", t, "applied"), node("b", undefined, "none"), node("c", undefined, "none")],
      releases: 2,
    },
    {
      sentence: "NotReady nodes in flight do not count and are released freely",
      nodes: [
        node("a", t, "old", false),
        node("b", t, "old", false),
        node("c", undefined, "none", false),
        node("d", undefined, "none"),
      ],
      releases: 2,
    },
    {
      sentence: "a node still applying an older generation holds the budget too",
      nodes: [
        node("a", older, "old"),
        node("b", older, "old"),
        node("c", undefined, "none"),
        node("d", undefined, "none"),
      ],
      releases: 0,
    },
    {
      sentence: "a node that reported an older generation queues for the current one",
      nodes: [node("a", older, "applied"), node("b", older, "applied"), node("c", t, "old")],
      releases: 1,
    },
    {
      sentence: "failures reaching maxUnavailable halt the release",
      nodes: [node("a", t, "degraded"), node("b", t, "degraded"), node("c", undefined, "none")],
      releases: 0,
      halted: true,
    },
  ];
  it.each(cases)("$sentence", ({ nodes, releases, halted = false }) => {
    const ledger = new RolloutLedger([t], () => nodes);
    const pending = nodes.filter((n) => progressOf(t, n) === "pending");
    const released = pending.filter((n) => ledger.tryRelease(n, ["t"]));
    expect(released.length).toBe(releases);
    expect(ledger.halted("t")).toBe(halted);
  });

  it("a node still applying an older generation gets the current one only after it reports", () => {
    const nodes = [node("a", older, "old"), node("b", undefined, "none")];
    const ledger = new RolloutLedger([t], () => nodes);
    expect(nodes.filter((n) => ledger.tryRelease(n, ["t"])).map((n) => n.name)).toEqual(["b"]);
  });

  it("serves the nodes furthest behind first, so none starves under continuous changes", () => {
    const one = tuning("t", { rollout: { maxUnavailable: 1 } }, 5);
    const behind = tuning("t", {}, 2);
    const recent = tuning("t", {}, 4);
    const nodes = [
      node("a", recent, "applied"),
      node("b", behind, "applied"),
      node("c", recent, "applied"),
    ];
    const ledger = new RolloutLedger([one], () => nodes);
    expect(ledger.of("t")?.queue).toEqual(["b", "a", "c"]);
    expect(ledger.tryRelease(nodes[0] as NodeView, ["t"])).toBe(false);
    expect(ledger.tryRelease(nodes[1] as NodeView, ["t"])).toBe(true);
    expect(ledger.tryRelease(nodes[2] as NodeView, ["t"])).toBe(false);
    expect(new RolloutLedger([one], () => nodes).nextInLine()).toEqual(["b"]);
  });

  it("a percentage is of the matched nodes, rounded down but at least one", () => {
    const pct = tuning("p", { rollout: { maxUnavailable: "10%" } });
    const nodes = Array.from({ length: 25 }, (_, i) => node(`n${i}`, undefined, "none"));
    expect(new RolloutLedger([pct], () => nodes).of("p")?.budget).toBe(2);
    expect(new RolloutLedger([pct], () => nodes.slice(0, 3)).of("p")?.budget).toBe(1);
  });
});

describe("tuning status", () => {
  const t = tuning("t", { rollout: { maxUnavailable: 1 } }, 5);
  const now = new Date("2026-11-23T10:00:00Z");
  const refused =
    'agent pods are refused in namespace nettune-system (1 of 1 missing): violates PodSecurity "baseline:latest"';
  function statusOf(
    nodes: NodeView[],
    agentProblem?: string,
    of = t,
    webhookProblem?: string,
    agentsDown?: string,
  ) {
    const ledger = new RolloutLedger([of], () => nodes);
    const progress = ledger.of("t");
    if (!progress) throw new Error("no progress");
    return tuningStatus({
      tuning: of,
      unusable: unusable(of),
      progress,
      halted: ledger.halted("t"),
      failureMessages: new Map([["n2", "eth0 rings rx=4096: not supported by driver"]]),
      conflicts: [],
      agentProblem,
      agentsDown,
      webhookProblem,
      now,
    });
  }
  const conditions = (nodes: NodeView[], agentProblem?: string): string[] =>
    (statusOf(nodes, agentProblem).conditions ?? []).map(
      (c) => `${c.type}=${c.status}/${c.reason}`,
    );

  const cases: {
    sentence: string;
    nodes: NodeView[];
    agentProblem?: string;
    expected: string[];
    nodesColumn: string;
  }[] = [
    {
      sentence: "every node applied is Ready and no longer Progressing",
      nodes: [node("n1", t, "applied"), node("n2", t, "applied")],
      expected: ["Ready=True/Applied", "Progressing=False/Complete", "Degraded=False/AsExpected"],
      nodesColumn: "2/2",
    },
    {
      sentence: "nodes still pending are Progressing and not Ready",
      nodes: [node("n1", t, "applied"), node("n2", undefined, "none")],
      expected: [
        "Ready=False/RollingOut",
        "Progressing=True/RollingOut",
        "Degraded=False/AsExpected",
      ],
      nodesColumn: "1/2",
    },
    {
      sentence: "a failure at the budget is Degraded and halts the rollout",
      nodes: [node("n1", t, "applied"), node("n2", t, "degraded"), node("n3", undefined, "none")],
      expected: [
        "Ready=False/Failed",
        "Progressing=False/RolloutHalted",
        "Degraded=True/RolloutHalted",
      ],
      nodesColumn: "1/3",
    },
    {
      sentence: "pending nodes whose agent pods are refused say why instead of RollingOut",
      nodes: [node("n1", t, "applied"), node("n2", undefined, "none")],
      agentProblem: refused,
      expected: [
        "Ready=False/AgentsNotRunning",
        "Progressing=True/RollingOut",
        "Degraded=True/AgentsNotRunning",
      ],
      nodesColumn: "1/2",
    },
    {
      sentence: "refused agent pods do not matter once every node applied",
      nodes: [node("n1", t, "applied"), node("n2", t, "applied")],
      agentProblem: refused,
      expected: ["Ready=True/Applied", "Progressing=False/Complete", "Degraded=False/AsExpected"],
      nodesColumn: "2/2",
    },
    {
      sentence: "no matching node is Ready with its own reason",
      nodes: [],
      expected: [
        "Ready=True/NoMatchingNodes",
        "Progressing=False/Complete",
        "Degraded=False/AsExpected",
      ],
      nodesColumn: "0/0",
    },
  ];
  it.each(cases)("$sentence", ({ nodes, agentProblem, expected, nodesColumn }) => {
    expect(conditions(nodes, agentProblem)).toEqual(expected);
    expect(statusOf(nodes, agentProblem).nodes).toBe(nodesColumn);
  });

  it("an applied tuning whose matched node's agent cannot start stays Ready and is Degraded, saying where", () => {
    const down = "agent pods cannot start on 1 of 2 nodes; ...: n2: ImagePullBackOff (nettune:bad)";
    const nodes = [node("n1", t, "applied"), node("n2", t, "applied")];
    const status = statusOf(nodes, down, t, undefined, down);
    expect((status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "Ready=True/Applied",
      "Progressing=False/Complete",
      "Degraded=True/AgentsNotRunning",
    ]);
    expect(status.conditions?.find((c) => c.type === "Degraded")?.message).toBe(down);
  });

  it("a tuning whose selector Kubernetes refuses is Degraded, never Ready with no nodes", () => {
    const bad = tuning("t", { nodeSelector: { matchLabels: { "bad key!": "x" } } }, 5);
    const status = statusOf([], undefined, bad);
    expect((status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "Ready=False/InvalidSpec",
      "Progressing=False/InvalidSpec",
      "Degraded=True/InvalidSpec",
    ]);
    expect(status.conditions?.[2]?.message).toContain('label key "bad key!"');
  });

  it("lists the security-sensitive sysctls a tuning sets, and the node's spec allows them", () => {
    const sensitive = tuning("t", {
      allowSecuritySensitiveSysctls: true,
      sysctls: { "net.ipv4.ip_forward": "1", "net.core.somaxconn": "4096" },
    });
    expect(statusOf([], undefined, sensitive).securitySensitiveSysctls).toEqual([
      "net.ipv4.ip_forward",
    ]);
    expect(mergeForNode([sensitive]).spec.allowSecuritySensitiveSysctls).toBe(true);
    expect(
      mergeForNode([tuning("plain", { sysctls: { "net.core.somaxconn": "1" } })]).spec,
    ).not.toHaveProperty("allowSecuritySensitiveSysctls");
  });

  it("a DNS webhook without a certificate degrades the tunings with dns.pods, and no other", () => {
    const problem =
      "the DNS webhook has no certificate: Secret nettune-system/nettune-operator-webhook-tls: HTTP 403";
    const applied = [node("n1", t, "applied")];
    const dns = tuning("t", { dns: { pods: { singleRequest: "single-request" } } }, 5);
    const status = statusOf(applied, undefined, dns, problem);
    expect((status.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "Ready=True/Applied",
      "Progressing=False/Complete",
      "Degraded=True/DNSWebhookUnavailable",
    ]);
    expect(status.conditions?.[2]?.message).toBe(problem);
    const plain = statusOf(applied, undefined, t, problem);
    expect(plain.conditions?.[2]?.reason).toBe("AsExpected");
  });

  it("the Ready message of refused agents carries the API server's reason", () => {
    const status = statusOf([node("n1", undefined, "none")], refused);
    expect(status.conditions?.find((c) => c.type === "Ready")?.message).toBe(
      `0/1 nodes applied; ${refused}`,
    );
  });

  it("the Ready message names the failing node and its agent's message", () => {
    const status = statusOf([node("n1", t, "applied"), node("n2", t, "degraded")]);
    expect(status.conditions?.find((c) => c.type === "Ready")?.message).toBe(
      "1/2 nodes applied; n2: eth0 rings rx=4096: not supported by driver",
    );
    expect(status.failingNodes).toEqual([
      { name: "n2", message: "eth0 rings rx=4096: not supported by driver" },
    ]);
  });
});

describe("a selector Kubernetes would refuse", () => {
  it.each<{ sentence: string; selector: LabelSelector }>([
    { sentence: "a key with a blank and a bang", selector: { matchLabels: { "bad key!": "x" } } },
    {
      sentence: "an empty matchExpressions key",
      selector: { matchExpressions: [{ key: "", operator: "Exists" }] },
    },
    { sentence: "a prefix that is no DNS name", selector: { matchLabels: { "Ex_ample/a": "x" } } },
    { sentence: "a value with a blank", selector: { matchLabels: { pool: "a b" } } },
    {
      sentence: "In without values",
      selector: { matchExpressions: [{ key: "pool", operator: "In" }] },
    },
  ])("$sentence is found, and leaves the other tunings' agent placement intact", ({ selector }) => {
    expect(selectorProblems(selector)).not.toEqual([]);
    const good = tuning("good", { nodeSelector: { matchLabels: { pool: "web" } } });
    const bad = tuning("bad", { nodeSelector: selector });
    expect(agentAffinity([good, bad])).toEqual(agentAffinity([good]));
  });

  it("accepts what Kubernetes accepts", () => {
    expect(
      selectorProblems({
        matchLabels: {
          "node-role.kubernetes.io/egress-gateway": "",
          "topology.kubernetes.io/zone": "eu-1a",
        },
        matchExpressions: [{ key: "pool", operator: "NotIn", values: ["a", "b.c"] }],
      }),
    ).toEqual([]);
  });
});
