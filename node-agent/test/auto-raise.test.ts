import { describe, expect, it } from "vitest";
import { Remedy, Symptom, type RemedyName } from "../../api/v1alpha1/advice.ts";
import type { AutoRaise } from "../../api/v1alpha1/auto-tune.ts";
import type {
  NodeNetworkTuningSpec,
  SettingResult,
} from "../../api/v1alpha1/node-network-tuning.ts";
import { AgentEventReason, SettingReason } from "../../api/v1alpha1/reasons.ts";
import { autoChanges, markAutoResults, withAutoRaises } from "../src/engine/auto-raise.ts";
import { agentEvents } from "../src/runtime/agent-events.ts";
import { adviceEvents } from "../src/runtime/node-advice.ts";
import { SymptomWatch } from "../src/runtime/symptom-watch.ts";
import { counterSample, nodeBounds, overflows } from "./gen/counters.ts";

function raise(setting: RemedyName, value: string, iface?: string): AutoRaise {
  return {
    setting,
    ...(iface ? { interface: iface } : {}),
    value,
    source: "auto",
    symptom: Symptom.ListenOverflows,
    evidence: { counter: "TcpExt ListenOverflows", delta: 90, windowSeconds: 45 },
    raisedAt: "2026-12-07T10:00:00Z",
  };
}

const spec = (more: NodeNetworkTuningSpec, ...raises: AutoRaise[]): NodeNetworkTuningSpec => ({
  mode: "Enforce",
  ...more,
  autoRaised: raises,
});

describe("granted raises become settings of the spec the agent enacts", () => {
  const rows: [string, NodeNetworkTuningSpec, Partial<NodeNetworkTuningSpec>, string[]][] = [
    [
      "a sysctl raise is a sysctl",
      spec({}, raise(Remedy.Somaxconn, "4096")),
      { sysctls: { "net.core.somaxconn": "4096" } },
      ["sysctl/net.core.somaxconn"],
    ],
    [
      "conntrack.max is raised with onlyRaise, keeping the tunings' timeouts",
      spec({ conntrack: { timeouts: { udpSeconds: 30 } } }, raise(Remedy.ConntrackMax, "1024")),
      { conntrack: { timeouts: { udpSeconds: 30 }, max: 1024, onlyRaise: true } },
      ["conntrack.max"],
    ],
    [
      "an explicit sysctl wins",
      spec({ sysctls: { "net.core.somaxconn": "512" } }, raise(Remedy.Somaxconn, "4096")),
      { sysctls: { "net.core.somaxconn": "512" } },
      [],
    ],
    [
      "explicit conntrack sizing wins",
      spec({ conntrack: { maxPerCore: 1000 } }, raise(Remedy.ConntrackMax, "1024")),
      { conntrack: { maxPerCore: 1000 } },
      [],
    ],
    [
      "an RX ring goes first among the interface entries, so a later entry matching by pattern wins",
      spec(
        { interfaces: [{ match: { namePattern: "eth*" }, rings: { rx: 2048 } }] },
        raise(Remedy.RingsRx, "512", "eth0"),
      ),
      {
        interfaces: [
          { match: { names: ["eth0"] }, rings: { rx: 512 } },
          { match: { namePattern: "eth*" }, rings: { rx: 2048 } },
        ],
      },
      ["eth0/rings.rx"],
    ],
    [
      "an RX ring the tunings set for that interface by name wins, as the operator's grant rule says",
      spec(
        { interfaces: [{ match: { names: ["eth0"] }, rings: { rx: 2048 } }] },
        raise(Remedy.RingsRx, "512", "eth0"),
      ),
      { interfaces: [{ match: { names: ["eth0"] }, rings: { rx: 2048 } }] },
      [],
    ],
  ];
  it.each(rows)("%s", (_sentence, given, expected, names) => {
    const auto = withAutoRaises(given);
    expect(auto.spec).toMatchObject(expected);
    expect([...auto.byResult.keys()]).toEqual(names);
  });

  it("leaves a spec without raises as it is", () => {
    const plain: NodeNetworkTuningSpec = {
      mode: "Enforce",
      sysctls: { "net.core.somaxconn": "1" },
    };
    expect(withAutoRaises(plain).spec).toBe(plain);
  });
});

describe("what the agent reports of raised settings", () => {
  const auto = withAutoRaises(spec({}, raise(Remedy.Somaxconn, "4096")));
  const result = (over: Partial<SettingResult>): SettingResult => ({
    name: "sysctl/net.core.somaxconn",
    desired: "4096",
    state: "Applied",
    reason: SettingReason.Written,
    ...over,
  });

  it("a held raise is Applied with reason AutoRaised and source auto/<tuning>", () => {
    expect(markAutoResults([result({})], auto)[0]).toMatchObject({
      reason: SettingReason.AutoRaised,
      source: "auto/auto",
    });
  });

  it("a failed or rolled-back raise keeps its own reason", () => {
    const failed = result({ state: "Failed", reason: SettingReason.RolledBack });
    expect(markAutoResults([failed], auto)[0]?.reason).toBe(SettingReason.RolledBack);
  });

  it("an AutoRaised Event gives from and to, the tuning, the symptom and its counter", () => {
    const steps = autoChanges(
      [{ name: "sysctl/net.core.somaxconn", from: "128", to: "4096" }],
      auto,
    );
    const events = agentEvents(
      {
        generation: 2,
        mode: "Enforce",
        results: markAutoResults([result({})], auto),
        reverted: [],
        driftCorrected: [],
        inventory: {},
        autoRaised: steps,
      },
      { observedGeneration: 2 },
    );
    expect(events.find((e) => e.reason === AgentEventReason.AutoRaised)?.note).toBe(
      "raised 1 setting: sysctl/net.core.somaxconn 128 → 4096 under auto's autoTune: ListenOverflows (TcpExt ListenOverflows +90 in 45s)",
    );
  });
});

describe("advice after the node reached the advised value", () => {
  /** Overflows rise 5 a second throughout; somaxconn reads `held()` at each tick. */
  function watch(held: () => number): SymptomWatch {
    let tick = 0;
    return new SymptomWatch({
      sample: () => Promise.resolve(counterSample(tick, overflows(5 * tick++))),
      bounds: () => Promise.resolve(nodeBounds((b) => (b.sysctls.somaxconn = held()))),
      now: () => tick * 1000,
    });
  }

  it("moves on to the next step once a whole window after reaching it still shows the symptom", async () => {
    let somaxconn = 4096;
    const w = watch(() => somaxconn);
    for (let i = 0; i < 4; i++) await w.tick();
    expect(w.current()[0]?.remedy).toMatchObject({ value: "16384", current: "4096" });
    somaxconn = 16384; // the raise arrived
    const revisions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const change = await w.tick();
      revisions.push(...(change?.revised.map((a) => a.remedy?.value ?? "") ?? []));
    }
    expect(revisions).toEqual(["65535"]);
    const change = { started: [], ended: [], revised: w.current(), current: w.current() };
    expect(adviceEvents(change)[0]).toMatchObject({ reason: AgentEventReason.SymptomPersists });
  });

  it("keeps the advice while the node has not reached it", async () => {
    const w = watch(() => 4096);
    const revised: number[] = [];
    for (let i = 0; i < 10; i++) revised.push((await w.tick())?.revised.length ?? 0);
    expect(revised.every((n) => n === 0)).toBe(true);
    expect(w.current()[0]?.remedy?.value).toBe("16384");
  });
});
