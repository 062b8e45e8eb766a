import { describe, expect, it } from "vitest";
import * as tunings from "../../test/gen/tunings.ts";
import { Remedy, Symptom, type Advice, type RemedyName } from "../../api/v1alpha1/advice.ts";
import type { AutoRaise } from "../../api/v1alpha1/auto-tune.ts";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { decideAutoRaises, stepChecks, type AutoRaiseInput } from "../src/rollout/auto-raise.ts";
import { autoRaiseSummary } from "../src/status/auto-raise-summary.ts";
import { mergeForNode } from "../src/rollout/merge.ts";

const now = new Date("2026-12-07T10:00:00Z");
const minutesAgo = (m: number): string =>
  new Date(now.getTime() - m * 60_000).toISOString().replace(/\.\d+Z$/, "Z");

type Mod<T> = (value: T) => void;

const gen = {
  advice(setting: RemedyName, value: string, current: string, ...mods: Mod<Advice>[]): Advice {
    const advice: Advice = {
      symptom: Symptom.ListenOverflows,
      evidence: { counter: "TcpExt ListenOverflows", delta: 90, windowSeconds: 45 },
      remedy: { setting, value, current },
      bound: "a ceiling",
    };
    for (const mod of mods) mod(advice);
    return advice;
  },
  raise(
    setting: RemedyName,
    value: string,
    raisedAt: string,
    ...mods: Mod<AutoRaise>[]
  ): AutoRaise {
    const raise: AutoRaise = {
      setting,
      value,
      source: "auto",
      symptom: Symptom.ListenOverflows,
      evidence: { counter: "TcpExt ListenOverflows", delta: 90, windowSeconds: 45 },
      raisedAt,
    };
    for (const mod of mods) mod(raise);
    return raise;
  },
  input(...mods: Mod<AutoRaiseInput>[]): AutoRaiseInput {
    const input: AutoRaiseInput = {
      spec: {
        autoTune: { ceilings: { somaxconn: 16384, conntrackMax: 4096 }, coolDownSeconds: 300 },
      },
      owners: { somaxconn: "auto", conntrackMax: "auto" },
      held: [],
      advice: [],
      now,
    };
    for (const mod of mods) mod(input);
    return input;
  },
};

const advising =
  (...advice: Advice[]): Mod<AutoRaiseInput> =>
  (input) => {
    input.advice = advice;
  };
const holding =
  (...held: AutoRaise[]): Mod<AutoRaiseInput> =>
  (input) => {
    input.held = held;
  };
const withSpec =
  (spec: NodeNetworkTuningSpec): Mod<AutoRaiseInput> =>
  (input) => {
    input.spec = { ...input.spec, ...spec };
  };

const somaxconn = (value: string, current: string): Advice =>
  gen.advice(Remedy.Somaxconn, value, current);

interface Row {
  input: AutoRaiseInput;
  /** The values the node should hold afterwards, by setting. */
  raised: Record<string, string>;
  granted: number;
  atCeiling?: string[];
  retryAfterMs?: number;
}

const rows: [string, Row][] = [
  [
    "the advised value is granted when it is below the ceiling",
    {
      input: gen.input(advising(somaxconn("4096", "1024"))),
      raised: { [Remedy.Somaxconn]: "4096" },
      granted: 1,
    },
  ],
  [
    "an advised value above the ceiling is granted at the ceiling",
    {
      input: gen.input(advising(somaxconn("65535", "8192"))),
      raised: { [Remedy.Somaxconn]: "16384" },
      granted: 1,
    },
  ],
  [
    "a node already at or above the ceiling gets nothing and is at the ceiling",
    {
      input: gen.input(advising(somaxconn("65535", "16384"))),
      raised: {},
      granted: 0,
      atCeiling: [`${Remedy.Somaxconn}/`],
    },
  ],
  [
    "a ceiling below what the node has never lowers it",
    {
      input: gen.input(advising(somaxconn("32768", "20000"))),
      raised: {},
      granted: 0,
      atCeiling: [`${Remedy.Somaxconn}/`],
    },
  ],
  [
    "a held raise at the ceiling whose symptom stays is at the ceiling and not raised further",
    {
      input: gen.input(
        advising(somaxconn("65535", "16384")),
        holding(gen.raise(Remedy.Somaxconn, "16384", minutesAgo(60))),
      ),
      raised: { [Remedy.Somaxconn]: "16384" },
      granted: 0,
      atCeiling: [`${Remedy.Somaxconn}/`],
    },
  ],
  [
    "the next step waits for the cool-down after the last one, and says when to look again",
    {
      input: gen.input(
        advising(somaxconn("16384", "4096")),
        holding(gen.raise(Remedy.Somaxconn, "4096", minutesAgo(2))),
      ),
      raised: { [Remedy.Somaxconn]: "4096" },
      granted: 0,
      retryAfterMs: 3 * 60_000,
    },
  ],
  [
    "after the cool-down the next step is granted",
    {
      input: gen.input(
        advising(somaxconn("16384", "4096")),
        holding(gen.raise(Remedy.Somaxconn, "4096", minutesAgo(6))),
      ),
      raised: { [Remedy.Somaxconn]: "16384" },
      granted: 1,
    },
  ],
  [
    "advice the node was already granted (the agent has not seen it fail yet) is not granted again",
    {
      input: gen.input(
        advising(somaxconn("4096", "1024")),
        holding(gen.raise(Remedy.Somaxconn, "4096", minutesAgo(60))),
      ),
      raised: { [Remedy.Somaxconn]: "4096" },
      granted: 0,
    },
  ],
  [
    "a node whose tunings only audit is granted nothing: the grant would be written nowhere",
    {
      input: gen.input(advising(somaxconn("4096", "1024")), withSpec({ mode: "Audit" })),
      raised: {},
      granted: 0,
    },
  ],
  [
    "a remedy without a ceiling is never raised",
    {
      input: gen.input(advising(gen.advice(Remedy.NetdevBudget, "600", "300"))),
      raised: {},
      granted: 0,
    },
  ],
  [
    "a remedy auto-tuning does not raise (a resolver option) is left to people",
    {
      input: gen.input(
        advising(gen.advice(Remedy.PodsSingleRequestReopen, "single-request-reopen", "")),
      ),
      raised: {},
      granted: 0,
    },
  ],
  [
    "an explicit sysctl of the tunings wins over auto, and drops a raise held before",
    {
      input: gen.input(
        advising(somaxconn("16384", "4096")),
        holding(gen.raise(Remedy.Somaxconn, "4096", minutesAgo(60))),
        withSpec({ sysctls: { "net.core.somaxconn": "8192" } }),
      ),
      raised: {},
      granted: 0,
    },
  ],
  [
    "an explicit conntrack size (maxPerCore) wins over auto's conntrack.max",
    {
      input: gen.input(
        advising(gen.advice(Remedy.ConntrackMax, "2048", "1024")),
        withSpec({ conntrack: { maxPerCore: 1024 } }),
      ),
      raised: {},
      granted: 0,
    },
  ],
  [
    "an explicit RX ring for that interface wins over auto",
    {
      input: gen.input(
        advising(
          gen.advice(
            Remedy.RingsRx,
            "512",
            "256",
            (a) => a.remedy && (a.remedy.interface = "eth0"),
          ),
        ),
        withSpec({
          autoTune: { ceilings: { rxRing: 4096 } },
          interfaces: [{ match: { names: ["eth0"] }, rings: { rx: 1024 } }],
        }),
        (input) => (input.owners = { rxRing: "auto" }),
      ),
      raised: {},
      granted: 0,
    },
  ],
  [
    "an RX ring is granted per interface",
    {
      input: gen.input(
        advising(
          gen.advice(
            Remedy.RingsRx,
            "512",
            "256",
            (a) => a.remedy && (a.remedy.interface = "eth1"),
          ),
        ),
        withSpec({ autoTune: { ceilings: { rxRing: 4096 } } }),
        (input) => (input.owners = { rxRing: "auto" }),
      ),
      raised: { [Remedy.RingsRx]: "512" },
      granted: 1,
    },
  ],
  [
    "a ceiling lowered below a held raise brings the raise down to it",
    {
      input: gen.input(holding(gen.raise(Remedy.ConntrackMax, "8192", minutesAgo(60)))),
      raised: { [Remedy.ConntrackMax]: "4096" },
      granted: 0,
    },
  ],
  [
    "a raise whose autoTune is gone is dropped: the agent restores the original",
    {
      input: gen.input(holding(gen.raise(Remedy.Somaxconn, "4096", minutesAgo(60))), (input) => {
        input.spec = {};
        input.owners = {};
      }),
      raised: {},
      granted: 0,
    },
  ],
];

describe("auto-tuning steps (the operator's decision)", () => {
  it.each(rows)("%s", (_sentence, row) => {
    const decision = decideAutoRaises(row.input);
    expect(Object.fromEntries(decision.raised.map((r) => [r.setting, r.value]))).toEqual(
      row.raised,
    );
    expect(decision.granted).toHaveLength(row.granted);
    expect(decision.atCeiling).toEqual(row.atCeiling ?? []);
    expect(decision.retryAfterMs).toEqual(row.retryAfterMs);
  });

  it("a granted step carries its symptom, evidence, source tuning and the time it was granted", () => {
    const { granted } = decideAutoRaises(gen.input(advising(somaxconn("4096", "1024"))));
    expect(granted[0]).toEqual({
      setting: Remedy.Somaxconn,
      value: "4096",
      source: "auto",
      symptom: Symptom.ListenOverflows,
      evidence: { counter: "TcpExt ListenOverflows", delta: 90, windowSeconds: 45 },
      raisedAt: "2026-12-07T10:00:00Z",
    });
  });

  it("the checks run in a fixed order, each named", () => {
    expect(stepChecks.map((c) => c.name)).toEqual([
      "the remedy is one auto-tuning raises",
      "the node enforces its settings",
      "a tuning sets a ceiling for it",
      "no tuning sets the value itself",
      "the advice asks for more than the node was granted",
      "the ceiling is above what the node has",
      "the last step's cool-down is over",
      "grant the advised value, within the ceiling",
    ]);
  });
});

describe("autoTune in the merge", () => {
  const tuning = (name: string, priority: number, somaxconn: number): NetworkTuning =>
    tunings.networkTuning(
      name,
      tunings.withPriority(priority),
      tunings.withSpec({ autoTune: { ceilings: { somaxconn } } }),
    );

  it("the ceiling of the higher-priority tuning wins, and that tuning owns the raises", () => {
    const merged = mergeForNode([tuning("low", 0, 65535), tuning("high", 10, 8192)]);
    expect(merged.spec.autoTune?.ceilings.somaxconn).toBe(8192);
    expect(merged.autoTuneOwners).toEqual({ somaxconn: "high" });
  });
});

describe("the tuning's Raised summary", () => {
  const raise = (value: string, source = "auto"): AutoRaise =>
    gen.raise(Remedy.Somaxconn, value, minutesAgo(1), (r) => (r.source = source));

  it("counts nodes that run a raise of this tuning, those at its ceiling with the symptom still there, and the highest value", () => {
    const summary = autoRaiseSummary("auto", { ceilings: { somaxconn: 16384 } }, [
      { name: "a", raised: [raise("4096")], advice: [] },
      { name: "b", raised: [raise("16384")], advice: [somaxconn("65535", "16384")] },
      { name: "c", raised: [raise("16384", "other")], advice: [] },
      { name: "d", raised: undefined, advice: undefined },
    ]);
    expect(summary).toEqual({
      autoRaisedNodes: 2,
      autoRaised: [
        {
          setting: Remedy.Somaxconn,
          nodes: 2,
          atCeiling: 1,
          highest: "16384",
          nodeNames: ["a", "b"],
        },
      ],
    });
  });

  it("a tuning without autoTune and no raised nodes says nothing", () => {
    expect(autoRaiseSummary("auto", undefined, [{ name: "a", raised: [], advice: [] }])).toEqual(
      {},
    );
  });
});
