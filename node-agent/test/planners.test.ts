import { planIRQBalance } from "../src/tuners/irqbalance.ts";
import { step, type PlannedSetting } from "../src/tuners/types.ts";
import { planSysctls } from "../src/tuners/sysctls.ts";
import { describe, expect, it } from "vitest";
import type { InterfaceFacts } from "../src/facts/gather.ts";
import { buildTopology } from "../src/facts/cpu-topology.ts";
import { matches } from "../src/engine/select.ts";
import { matchesGlob } from "../../api/helpers/glob.ts";
import { planChannels } from "../src/tuners/channels.ts";
import { planIRQAffinity } from "../src/tuners/irq.ts";
import { planConntrack } from "../src/tuners/conntrack.ts";
import { planOffloads } from "../src/tuners/offloads.ts";
import { desiredOptions } from "../src/tuners/resolvconf.ts";
import { planRings } from "../src/tuners/rings.ts";
import { flowCountPerQueue } from "../src/tuners/rps.ts";
import { spread } from "../src/tuners/xps.ts";
import { parsePresetAndCurrent, parseFeatures } from "../src/host/ethtool-parse.ts";
import { checkTarget, RefusedTargetError, type Target } from "../src/model/targets.ts";

const cpus = buildTopology({
  online: "0-7",
  siblings: new Map(),
  nodes: new Map([
    [0, "0-3"],
    [1, "4-7"],
  ]),
});

/** An interface as facts; modifiers adjust it. */
function nic(...modifiers: ((facts: InterfaceFacts) => void)[]): InterfaceFacts {
  const facts: InterfaceFacts = {
    name: "eth0",
    driver: "mlx5_core",
    physical: true,
    defaultRoute: false,
    numaNode: 1,
    rxQueues: 8,
    txQueues: 8,
    queueIRQs: [],
  };
  for (const modify of modifiers) modify(facts);
  return facts;
}
const withChannels =
  (text: string) =>
  (f: InterfaceFacts): void => {
    f.channels = parsePresetAndCurrent(text);
  };
const withRings =
  (rx: number, tx: number) =>
  (f: InterfaceFacts): void => {
    f.rings = { max: { rx, tx }, current: { rx: 512, tx: 512 } };
  };
const combinedOnly = withChannels(
  "Pre-set maximums:\nRX:\tn/a\nTX:\tn/a\nCombined:\t6\nCurrent hardware settings:\nCombined:\t2\n",
);

describe("channel planning", () => {
  it.each([
    { name: "a number within the maximum is taken as is", want: { combined: 4 }, got: "4" },
    { name: "a number above the maximum is clamped to it", want: { combined: 64 }, got: "6" },
    { name: "max is the pre-set maximum", want: { combined: "max" }, got: "6" },
    { name: "cpus is one per online CPU, clamped", want: { combined: "cpus" }, got: "6" },
    {
      name: "numa-local-cpus is one per CPU of the NIC's node",
      want: { combined: "numa-local-cpus" },
      got: "4",
    },
  ])("$name", ({ want, got }) => {
    const [planned] = planChannels(want, { iface: nic(combinedOnly), cpus });
    expect(planned?.desired).toBe(got);
    expect(planned?.target).toEqual({
      kind: "ethtool",
      device: "eth0",
      group: "channels",
      param: "combined",
    });
  });

  it("housekeeping-cpus is one per CPU the kubelet leaves to the system", () => {
    const reserved = { ...cpus, housekeeping: { cpus: [0, 1, 2], source: "--reserved-cpus" } };
    const [planned] = planChannels(
      { combined: "housekeeping-cpus" },
      { iface: nic(combinedOnly), cpus: reserved },
    );
    expect(planned?.desired).toBe("3");
  });

  it("housekeeping-cpus without a kubelet is every online CPU, clamped", () => {
    const [planned] = planChannels(
      { combined: "housekeeping-cpus" },
      { iface: nic(combinedOnly), cpus },
    );
    expect(planned?.desired).toBe("6");
  });

  it("reports rx channels on a combined-only driver as unsupported, naming driver and value", () => {
    const [planned] = planChannels({ rx: 2 }, { iface: nic(combinedOnly), cpus });
    expect(planned?.verdict).toEqual({
      state: "Unsupported",
      reason: "NotSupportedByDriver",
      message: "eth0 channels rx=2: driver mlx5_core has no rx channels",
    });
  });
});

describe("ring, offload and conntrack planning", () => {
  it.each([
    { name: "rings ask for max", rings: { rx: "max" }, max: [8192, 8192], want: "8192" },
    {
      name: "rings above the maximum are clamped",
      rings: { rx: 100000 },
      max: [4096, 4096],
      want: "4096",
    },
  ])("$name", ({ rings, max, want }) => {
    const [planned] = planRings(rings, { iface: nic(withRings(max[0] ?? 0, max[1] ?? 0)), cpus });
    expect(planned?.desired).toBe(want);
  });

  it("names the driver when rings cannot change", () => {
    const [planned] = planRings({ rx: 4096 }, { iface: nic((f) => (f.driver = "veth")), cpus });
    expect(planned?.verdict?.message).toBe(
      "eth0 rings rx=4096: driver veth does not support ring changes",
    );
  });

  it.each([
    {
      name: "a fixed feature that differs is unsupported",
      feature: "lro",
      on: true,
      reason: "FixedFeature",
    },
    {
      name: "an unknown feature is unsupported",
      feature: "warp-drive",
      on: true,
      reason: "NoSuchFeature",
    },
    { name: "a short name maps onto the long one", feature: "gro", on: false, reason: undefined },
  ])("$name", ({ feature, on, reason }) => {
    const features = parseFeatures(
      "large-receive-offload: off [fixed]\ngeneric-receive-offload: on\n",
    );
    const [planned] = planOffloads(
      { [feature]: on },
      { iface: nic((f) => (f.features = features)), cpus },
    );
    expect(planned?.verdict?.reason).toBe(reason);
  });

  it.each([
    {
      name: "maxPerCore times CPUs",
      desired: { maxPerCore: 65536 },
      currentMax: 262144,
      want: "524288",
    },
    {
      name: "maxPerCore raised to min",
      desired: { maxPerCore: 1024, min: 131072 },
      currentMax: 65536,
      want: "131072",
    },
    {
      name: "onlyRaise keeps a larger table",
      desired: { max: 131072, onlyRaise: true },
      currentMax: 262144,
      want: "262144",
    },
    {
      name: "onlyRaise with the table already at that size is a plain step",
      desired: { max: 262144, onlyRaise: true },
      currentMax: 262144,
      want: "262144",
      kept: false,
    },
    {
      name: "onlyRaise still raises a smaller table",
      desired: { max: 524288, onlyRaise: true },
      currentMax: 262144,
      want: "524288",
    },
  ])("conntrack max: $name", ({ desired, currentMax, want, kept }) => {
    const [planned] = planConntrack(desired, { onlineCPUs: 8, currentMax, initialNetns: true });
    expect(planned?.desired).toBe(want);
    // Keeping the node's larger table is a decision, reported as such when the node holds it.
    const keptLarger = kept ?? want === String(currentMax);
    expect(planned?.heldReason).toBe(keptLarger ? "KeptLarger" : undefined);
  });

  it("skips resizing the conntrack hash outside the initial network namespace", () => {
    const [planned] = planConntrack({ buckets: 65536 }, { onlineCPUs: 8, initialNetns: false });
    expect(planned?.verdict?.reason).toBe("ReadOnlyInNamespace");
  });
});

describe("RFS, XPS and resolver helpers", () => {
  it.each([
    { entries: 32768, queues: 8, want: 4096 },
    { entries: 32768, queues: 6, want: 8192 },
    { entries: 4096, queues: 2, want: 2048 },
    { entries: 0, queues: 4, want: 0 },
  ])(
    "rps_flow_cnt for $entries entries over $queues queues is $want",
    ({ entries, queues, want }) => {
      expect(flowCountPerQueue(entries, queues)).toBe(want);
    },
  );

  it.each([
    {
      name: "8 CPUs over 4 queues, two each",
      cpus: [0, 1, 2, 3, 4, 5, 6, 7],
      queues: 4,
      want: [
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
      ],
    },
    { name: "2 CPUs over 3 queues, repeating", cpus: [0, 1], queues: 3, want: [[0], [1], [0]] },
  ])("XPS spreads $name", ({ cpus: list, queues, want }) => {
    expect(spread(list, queues)).toEqual(want);
  });

  it.each([
    {
      name: "adds single-request-reopen and keeps ndots",
      current: ["ndots:5"],
      desired: { singleRequest: "single-request-reopen" as const },
      want: ["ndots:5", "single-request-reopen"],
    },
    {
      name: "swaps single-request for single-request-reopen",
      current: ["single-request", "rotate"],
      desired: { singleRequest: "single-request-reopen" as const },
      want: ["rotate", "single-request-reopen"],
    },
    {
      name: "replaces timeout and removes use-vc",
      current: ["timeout:5", "use-vc"],
      desired: { timeout: 2, useVC: false },
      want: ["timeout:2"],
    },
  ])("resolver options: $name", ({ current, desired, want }) => {
    expect(desiredOptions(current, desired)).toEqual(want);
  });
});

describe("interface selection and IRQ discovery", () => {
  it.each([
    { name: "a glob with * matches a prefix", glob: "ens*", iface: "ens5", want: true },
    { name: "a glob with a class matches one of it", glob: "eth[0-3]", iface: "eth2", want: true },
    { name: "a glob's dot is literal", glob: "eth0.1*", iface: "eth0x10", want: false },
    { name: "a glob's ? matches one character", glob: "eth?", iface: "eth12", want: false },
    { name: "a star may match nothing", glob: "e*th*0", iface: "eth0", want: true },
    { name: "a star backs off to let the rest match", glob: "*0*0", iface: "e00x0", want: true },
    {
      name: "a class of ranges and single characters",
      glob: "en[a-cx]*",
      iface: "enx9",
      want: true,
    },
    { name: "a backwards range matches nothing", glob: "[z-a]", iface: "m", want: false },
    { name: "an unclosed bracket is literal", glob: "eth[0", iface: "eth[0", want: true },
    {
      // A backtracking RegExp takes hours on this one (the test's timeout ends it).
      name: "the worst pattern the schema allows fails without backtracking",
      glob: `${"*".repeat(31)}x`,
      iface: "a".repeat(15),
      want: false,
    },
  ])("$name", ({ glob, iface, want }) => {
    expect(matchesGlob(glob, iface)).toBe(want);
  });

  it("leaves virtual interfaces out unless physicalOnly is false", () => {
    const veth = nic((f) => (f.physical = false));
    expect(matches({ names: ["eth0"] }, veth)).toBe(false);
    expect(matches({ names: ["eth0"], physicalOnly: false }, veth)).toBe(true);
  });

  it.each([
    {
      sentence: "an exact vendor:device matches",
      wanted: ["8086:1572"],
      has: "8086:1572",
      want: true,
    },
    {
      sentence: "another device of the vendor does not",
      wanted: ["8086:1572"],
      has: "8086:1583",
      want: false,
    },
    {
      sentence: "vendor:* matches any device of the vendor",
      wanted: ["15b3:*"],
      has: "15b3:1017",
      want: true,
    },
    {
      sentence: "vendor:* does not match another vendor",
      wanted: ["15b3:*"],
      has: "8086:1017",
      want: false,
    },
    {
      sentence: "any entry of the list may match",
      wanted: ["15b3:*", "1af4:1041"],
      has: "1af4:1041",
      want: true,
    },
    {
      sentence: "a device without PCI IDs never matches",
      wanted: ["8086:*"],
      has: undefined,
      want: false,
    },
  ])("pciDevices: $sentence", ({ wanted, has, want }) => {
    const facts = nic((f) => {
      if (has !== undefined) f.pciDevice = has;
    });
    expect(matches({ pciDevices: wanted }, facts)).toBe(want);
  });

  it("pciDevices combines with the other criteria", () => {
    const facts = nic((f) => (f.pciDevice = "8086:1572"));
    expect(matches({ pciDevices: ["8086:1572"], drivers: ["i40e"] }, facts)).toBe(false);
    expect(matches({ pciDevices: ["8086:1572"], drivers: ["mlx5_core"] }, facts)).toBe(true);
  });
});

describe("IRQ affinity without queue IRQs", () => {
  it("says the driver's naming is not known rather than that there are no IRQs", () => {
    const unknown = nic((f) => {
      f.driver = "sim";
      f.queueIRQsUnknown = "queue IRQs unknown: NetTune does not know how sim names its 2 vectors";
    });
    const [planned] = planIRQAffinity({ policy: "Spread" }, { iface: unknown, cpus });
    expect(planned?.verdict).toEqual({
      state: "Skipped",
      reason: "QueueIRQsUnknown",
      message: "eth0: queue IRQs unknown: NetTune does not know how sim names its 2 vectors",
    });
  });

  it("says a device without vectors has no queue IRQs", () => {
    const [planned] = planIRQAffinity({ policy: "Spread" }, { iface: nic(), cpus });
    expect(planned?.verdict?.reason).toBe("NoQueueIRQs");
  });
});

describe("the target allowlist", () => {
  it.each<{ name: string; target: Target }>([
    { name: "a sysctl outside net", target: { kind: "proc", path: "sys/kernel/panic" } },
    {
      name: "a parent segment in a sysctl",
      target: { kind: "proc", path: "sys/net/core/../../kernel/panic" },
    },
    {
      name: "a sysfs file that is not a queue setting",
      target: { kind: "sys", path: "class/net/eth0/device/remove" },
    },
    {
      name: "an interface name that climbs",
      target: { kind: "sys", path: "class/net/../queues/rx-0/rps_cpus" },
    },
    {
      name: "an ethtool flag smuggled as a parameter",
      target: { kind: "ethtool", device: "eth0", group: "rings", param: "--reset" },
    },
    {
      name: "an ethtool device that is a path",
      target: { kind: "ethtool", device: "../eth0", group: "channels", param: "rx" },
    },
  ])("refuses $name", ({ target }) => {
    expect(() => checkTarget(target)).toThrow(RefusedTargetError);
  });
});

describe("security-sensitive sysctls on the node", () => {
  it("are refused before any write unless the spec allows them", () => {
    const [refused] = planSysctls({ "net.ipv4.ip_forward": "1" });
    expect(refused?.verdict).toMatchObject({ state: "Invalid", reason: "Refused" });
    expect(refused?.verdict?.message).toContain("allowSecuritySensitiveSysctls");
    const [allowed] = planSysctls({ "net.ipv4.ip_forward": "1" }, undefined, true);
    expect(allowed?.target).toEqual({ kind: "proc", path: "sys/net/ipv4/ip_forward" });
    expect(allowed?.note).toBe("not on the list known to be safe, allowed by the spec");
  });
});

describe("irqbalance policies", () => {
  const irq = (n: number): PlannedSetting =>
    step(
      `eth0/irq/${n}`,
      "3",
      { kind: "proc", path: `irq/${n}/smp_affinity_list` },
      "t",
      `eth0-TxRx-${n}`,
    );
  const rps = step("eth0/rx-0/rps_cpus", "f", {
    kind: "sys",
    path: "class/net/eth0/queues/rx-0/rps_cpus",
  });
  const report =
    "irqbalance is running and may move this IRQ; NetTune puts it back at each re-check";
  it.each([
    {
      name: "Report notes on every placed IRQ that a running irqbalance may move it",
      policy: "Report" as const,
      facts: { running: true },
      ban: undefined,
      note: `eth0-TxRx-40; ${report}`,
    },
    {
      name: "Report says nothing when irqbalance is not running",
      policy: "Report" as const,
      facts: { running: false },
      ban: undefined,
      note: "eth0-TxRx-40",
    },
    {
      name: "BanTunedIRQs adds the placed IRQs to irqbalance's bans, first",
      policy: "BanTunedIRQs" as const,
      facts: { running: true, banned: [7, 41] },
      ban: { desired: "7 40 41", target: { kind: "irqbalance-bans" } },
      note: "eth0-TxRx-40; banned from irqbalance",
    },
    {
      name: "BanTunedIRQs is Skipped when irqbalance is not running",
      policy: "BanTunedIRQs" as const,
      facts: { running: false },
      ban: { desired: "40 41", verdict: { state: "Skipped", reason: "IRQBalanceNotRunning" } },
      note: "eth0-TxRx-40",
    },
    {
      name: "BanTunedIRQs is Unsupported when irqbalance's socket does not answer, and warns as Report",
      policy: "BanTunedIRQs" as const,
      facts: { running: true, socketProblem: "its control socket did not answer (ENOENT)" },
      ban: { desired: "40 41", verdict: { state: "Unsupported", reason: "IRQBalanceUnreachable" } },
      note: `eth0-TxRx-40; ${report}`,
    },
  ])("$name", ({ policy, facts, ban, note }) => {
    const planned = planIRQBalance({ policy }, [irq(40), irq(41), rps], facts);
    const [first] = planned;
    if (ban === undefined) expect(planned).toHaveLength(3);
    else expect(first).toMatchObject({ name: "irqbalance/banned-irqs", ...ban });
    expect(planned.find((p) => p.name === "eth0/irq/40")?.note).toBe(note);
    expect(planned.find((p) => p.name === rps.name)).toEqual(rps);
  });

  it("plans nothing about irqbalance when no IRQ is placed", () => {
    expect(
      planIRQBalance({ policy: "BanTunedIRQs" }, [rps], { running: true, banned: [] }),
    ).toEqual([rps]);
  });
});
