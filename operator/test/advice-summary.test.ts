import { describe, expect, it } from "vitest";
import { Remedy, Symptom, type Advice } from "../../api/v1alpha1/advice.ts";
import { adviceSummary } from "../src/status/advice-summary.ts";

const advice = (symptom: Advice["symptom"], setting?: Advice["remedy"]): Advice => ({
  symptom,
  evidence: { counter: "c", delta: 1, windowSeconds: 6 },
  ...(setting ? { remedy: setting } : {}),
  bound: "b",
});
const raise = (setting: (typeof Remedy)[keyof typeof Remedy], iface?: string) => ({
  setting,
  value: "1",
  ...(iface ? { interface: iface } : {}),
});

describe("what a tuning's nodes advise, counted", () => {
  it.each([
    {
      sentence: "no node advises anything: a count of 0 and no list",
      nodes: [
        { name: "a", advice: undefined },
        { name: "b", advice: [] },
      ],
      want: { advisedNodes: 0 },
    },
    {
      sentence: "nodes with the same symptom and remedy count together, most nodes first",
      nodes: [
        { name: "c", advice: [advice(Symptom.ConntrackTableFull, raise(Remedy.ConntrackMax))] },
        { name: "a", advice: [advice(Symptom.ConntrackTableFull, raise(Remedy.ConntrackMax))] },
        { name: "b", advice: [advice(Symptom.ListenOverflows, raise(Remedy.Somaxconn))] },
      ],
      want: {
        advisedNodes: 3,
        advice: [
          {
            symptom: "ConntrackTableFull",
            setting: "conntrack.max",
            nodes: 2,
            nodeNames: ["a", "c"],
          },
          {
            symptom: "ListenOverflows",
            setting: "sysctls.net.core.somaxconn",
            nodes: 1,
            nodeNames: ["b"],
          },
        ],
      },
    },
    {
      sentence: "a node at its bound has no setting to advise, and is counted apart",
      nodes: [
        { name: "a", advice: [advice(Symptom.NICMissedPackets)] },
        { name: "b", advice: [advice(Symptom.NICMissedPackets, raise(Remedy.RingsRx, "eth0"))] },
      ],
      want: {
        advisedNodes: 2,
        advice: [
          { symptom: "NICMissedPackets", nodes: 1, nodeNames: ["a"] },
          {
            symptom: "NICMissedPackets",
            setting: "interfaces.rings.rx",
            nodes: 1,
            nodeNames: ["b"],
          },
        ],
      },
    },
    {
      sentence: "a node with the symptom on two interfaces counts once",
      nodes: [
        {
          name: "a",
          advice: [
            advice(Symptom.NICMissedPackets, raise(Remedy.RingsRx, "eth0")),
            advice(Symptom.NICMissedPackets, raise(Remedy.RingsRx, "eth1")),
          ],
        },
      ],
      want: {
        advisedNodes: 1,
        advice: [
          {
            symptom: "NICMissedPackets",
            setting: "interfaces.rings.rx",
            nodes: 1,
            nodeNames: ["a"],
          },
        ],
      },
    },
  ])("$sentence", ({ nodes, want }) => {
    expect(adviceSummary(nodes)).toEqual(want);
  });

  it("names at most five nodes per entry and keeps at most 16 entries", () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      name: `node-${String(i).padStart(2, "0")}`,
      advice: [advice(Symptom.BacklogDrops, raise(Remedy.NetdevMaxBacklog))],
    }));
    const summary = adviceSummary(many);
    expect(summary.advisedNodes).toBe(40);
    expect(summary.advice?.[0]?.nodes).toBe(40);
    expect(summary.advice?.[0]?.nodeNames).toEqual([
      "node-00",
      "node-01",
      "node-02",
      "node-03",
      "node-04",
    ]);
    const symptoms = Object.values(Symptom);
    const remedies = Object.values(Remedy);
    // 20 different pairs of symptom and setting: the list keeps the 16 the schema allows.
    const wide = Array.from({ length: 20 }, (_, i) => ({
      name: `n${String(i).padStart(2, "0")}`,
      advice: [
        advice(
          symptoms[i % symptoms.length] ?? Symptom.BacklogDrops,
          raise(remedies[Math.floor(i / symptoms.length)] ?? Remedy.RingsRx),
        ),
      ],
    }));
    expect(adviceSummary(wide).advice).toHaveLength(16);
  });
});
