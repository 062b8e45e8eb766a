// Device IRQs kept on a CPU set: which IRQs are planned, onto which CPUs.
import { describe, expect, it } from "vitest";
import { buildTopology } from "../src/facts/cpu-topology.ts";
import { planDeviceIRQs, type DeviceIRQContext } from "../src/tuners/device-irqs.ts";
import { planQueuesAndNode } from "../src/engine/plan.ts";
import type { NodeFacts } from "../src/facts/gather.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";

const cpus = buildTopology({ online: "0-3", siblings: new Map(), nodes: new Map([[0, "0-3"]]) });
const irqs = [
  { irq: 9, name: "acpi" },
  { irq: 27, name: "virtio0-requests" },
  { irq: 31, name: "virtio2-input.0" },
  { irq: 32, name: "virtio2-output.0" },
];
const context = (modify: Partial<DeviceIRQContext> = {}): DeviceIRQContext => ({
  irqs,
  cpus,
  placed: new Set(),
  ...modify,
});

describe("device IRQs", () => {
  it.each([
    { sentence: "every named IRQ is placed on the CPUs asked for", set: "0-1", want: "0-1" },
    { sentence: "all is every online CPU", set: "all", want: "0-3" },
    { sentence: "CPUs that are not online are left out", set: "1,7", want: "1" },
  ])("$sentence", ({ set, want }) => {
    const planned = planDeviceIRQs({ cpus: set }, context());
    expect(planned.map((p) => [p.name, p.desired, p.note])).toEqual([
      ["irq/9", want, "acpi"],
      ["irq/27", want, "virtio0-requests"],
      ["irq/31", want, "virtio2-input.0"],
      ["irq/32", want, "virtio2-output.0"],
    ]);
    expect(planned[0]?.target).toEqual({ kind: "proc", path: "irq/9/smp_affinity_list" });
  });

  it("leaves the IRQs an interface's irqAffinity places to it", () => {
    const planned = planDeviceIRQs({ cpus: "0" }, context({ placed: new Set([31, 32]) }));
    expect(planned.map((p) => p.name)).toEqual(["irq/9", "irq/27"]);
  });

  it("housekeeping keeps IRQs off the CPUs Guaranteed pods hold", () => {
    const withPods = { ...cpus, housekeeping: { cpus: [0, 3], source: "cpu_manager_state" } };
    const planned = planDeviceIRQs({ cpus: "housekeeping" }, context({ cpus: withPods }));
    expect(new Set(planned.map((p) => p.desired))).toEqual(new Set(["0,3"]));
  });

  it("refuses a set with no online CPU, naming the field, and places nothing", () => {
    expect(planDeviceIRQs({ cpus: "9" }, context())).toEqual([
      {
        name: "deviceIRQs",
        desired: "9",
        verdict: {
          state: "Invalid",
          reason: "Refused",
          message: "deviceIRQs cpus=9: none of CPUs 9 is online",
        },
      },
    ]);
  });
});

describe("device IRQs in a node's plan", () => {
  const facts: NodeFacts = {
    interfaces: [
      {
        name: "eth0",
        driver: "virtio_net",
        physical: true,
        defaultRoute: true,
        numaNode: 0,
        rxQueues: 1,
        txQueues: 1,
        queueIRQs: [
          { irq: 31, name: "virtio2-input.0", queue: 0 },
          { irq: 32, name: "virtio2-output.0", queue: 0 },
        ],
      },
    ],
    cpus,
    irqs,
    initialNetns: true,
    bootId: "boot",
    kernel: "6.1.0",
    irqbalanceRunning: true,
    irqbalanceBanned: [],
  };
  const spec: NodeNetworkTuningSpec = {
    interfaces: [{ match: { names: ["eth0"] }, irqAffinity: { policy: "Pin", cpus: "3" } }],
    deviceIRQs: { cpus: "0-1" },
    irqbalance: { policy: "BanTunedIRQs" },
  };

  it("places the other IRQs beside the queue IRQs, and bans them all from irqbalance first", async () => {
    const planned = await planQueuesAndNode(spec, facts, {});
    expect(planned.map((p) => [p.name, p.desired])).toEqual([
      ["irqbalance/banned-irqs", "9 27 31 32"],
      ["eth0/irq/31", "3"],
      ["eth0/irq/32", "3"],
      ["irq/9", "0-1"],
      ["irq/27", "0-1"],
    ]);
  });
});
