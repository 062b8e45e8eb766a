import { describe, expect, it } from "vitest";
import { conflicting, describeConflict, otherWriters } from "../src/engine/writer-conflicts.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

const irq: PlannedSetting = {
  name: "eth0/irq/35",
  desired: "2",
  target: { kind: "proc", path: "irq/35/smp_affinity_list" },
};
const somaxconn: PlannedSetting = {
  name: "sysctl/net.core.somaxconn",
  desired: "8192",
  target: { kind: "proc", path: "sys/net/core/somaxconn" },
};

describe("irqbalance as another writer", () => {
  it.each([
    { sentence: "under Report it fights every pinned IRQ", policy: "Report" as const, named: true },
    {
      sentence: "under BanTunedIRQs it leaves them alone",
      policy: "BanTunedIRQs" as const,
      named: false,
    },
  ])("$sentence", ({ policy, named }) => {
    const writers = otherWriters([irq, somaxconn], { irqbalance: policy });
    expect(writers.map((w) => [w.setting, w.kind])).toEqual(
      named ? [["eth0/irq/35", "irqbalance"]] : [],
    );
  });

  it("names the policy that ends the tug of war", () => {
    expect(
      conflicting(otherWriters([irq], { irqbalance: "Report" })).map(describeConflict),
    ).toEqual([
      "irqbalance manages eth0/irq/35 (NetTune sets 2): set irqbalance.policy: BanTunedIRQs in the tuning, or stop irqbalance",
    ]);
  });
});
