// Applying and reverting planned settings against an in-memory host, and the
// ordered rule chains that decide how a setting ends when the host refuses a
// write or lacks the target.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MemoryHost } from "../../test/harness/memory-host.ts";
import { applySettings, type ApplyDeps } from "../src/engine/apply.ts";
import { OriginalsStore } from "../src/engine/originals.ts";
import { absenceRules, classifyRefusal, notPresent, refusalRules } from "../src/engine/outcomes.ts";
import { revertEntries } from "../src/engine/revert.ts";
import { WriteError } from "../src/host/actuator.ts";
import { targetKey, type Target } from "../src/model/targets.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

const somaxconn: Target = { kind: "proc", path: "sys/net/core/somaxconn" };
const queueLength: Target = { kind: "sys", path: "class/net/eth0/tx_queue_len" };
const rings: Target = { kind: "ethtool", device: "eth0", group: "rings", param: "rx" };

const gen = {
  setting(name: string, target: Target, desired: string): PlannedSetting {
    return { name, target, desired };
  },
};

let runDir: string;
let host: MemoryHost;
let store: OriginalsStore;

beforeEach(async () => {
  runDir = await mkdtemp(path.join(tmpdir(), "nettune-apply-"));
  host = new MemoryHost();
  host.values.set(targetKey(somaxconn), "4096");
  host.values.set(targetKey(queueLength), "1000");
  host.values.set(targetKey(rings), "256");
  ({ store } = await OriginalsStore.open(runDir, "boot-1"));
});

afterEach(async () => {
  await rm(runDir, { recursive: true, force: true });
});

const deps = (overrides: Partial<ApplyDeps> = {}): ApplyDeps => ({
  actuator: host,
  store,
  mode: "Enforce",
  initialNetns: true,
  ...overrides,
});

describe("applying planned settings", () => {
  it("records the original before the first write, writes, reads back, and reports Written", async () => {
    const [result] = await applySettings([gen.setting("somaxconn", somaxconn, "8192")], deps());
    expect(result).toMatchObject({
      state: "Applied",
      reason: "Written",
      observed: "8192",
      original: "4096",
    });
    expect(store.originalOf(somaxconn)).toBe("4096");
  });

  it("writes nothing and records nothing for a value the host already holds", async () => {
    const [result] = await applySettings([gen.setting("somaxconn", somaxconn, "4096")], deps());
    expect(result).toMatchObject({ state: "Applied", reason: "AlreadySet" });
    expect(host.writes).toEqual([]);
    expect(store.list()).toEqual([]);
  });

  it("in Audit, says what it would change and writes nothing", async () => {
    const [result] = await applySettings(
      [gen.setting("somaxconn", somaxconn, "8192")],
      deps({ mode: "Audit" }),
    );
    expect(result).toMatchObject({ state: "WouldChange", message: "would change 4096 to 8192" });
    expect(host.writes).toEqual([]);
  });

  it("reports a refused write by the refusal's rule and forgets the original recorded for it", async () => {
    host.refusals.set(targetKey(somaxconn), "EACCES");
    const [result] = await applySettings(
      [gen.setting("somaxconn", somaxconn, "8192")],
      deps({ initialNetns: false }),
    );
    expect(result).toMatchObject({ state: "Skipped", reason: "ReadOnlyInNamespace" });
    expect(store.list()).toEqual([]);
  });

  it("reports a write that did not stick as VerifyMismatch", async () => {
    host.stuck.add(targetKey(queueLength));
    const [result] = await applySettings(
      [gen.setting("eth0/txqueuelen", queueLength, "5000")],
      deps(),
    );
    expect(result).toMatchObject({ state: "Failed", reason: "VerifyMismatch", observed: "1000" });
  });

  it("rolls a NIC change back when the API server stops answering after it", async () => {
    const probes: string[] = [];
    const results = await applySettings(
      [
        gen.setting("eth0/rings.rx", rings, "4096"),
        gen.setting("eth0/txqueuelen", queueLength, "5000"),
      ],
      deps({
        probe: () => {
          probes.push(host.values.get(targetKey(rings)) ?? "");
          return Promise.resolve(false);
        },
      }),
    );
    expect(results.map((r) => [r.name, r.state, r.reason])).toEqual([
      ["eth0/rings.rx", "Failed", "RolledBack"],
      ["eth0/txqueuelen", "Applied", "Written"],
    ]);
    // Probed once, after the ring change alone: a queue length cannot take the NIC down.
    expect(probes).toEqual(["4096"]);
    expect(host.values.get(targetKey(rings))).toBe("256");
    expect(store.originalOf(rings)).toBeUndefined();
  });

  it("reads the IRQs only once irqbalance has taken the ban, so a pass it finished just before is undone", async () => {
    const bans: Target = { kind: "irqbalance-bans" };
    const irq: Target = { kind: "proc", path: "irq/39/smp_affinity_list" };
    host.values.set(targetKey(bans), "NONE");
    host.values.set(targetKey(irq), "3");
    // irqbalance answers the ban only after the pass it was making, which moved IRQ 39 to CPU 2.
    const write = host.write.bind(host);
    host.write = async (target, value) => {
      if (target.kind === "irqbalance-bans") host.values.set(targetKey(irq), "2");
      await write(target, value);
    };
    const results = await applySettings(
      [gen.setting("irqbalance/banned-irqs", bans, "39"), gen.setting("eth1/irq/39", irq, "3")],
      deps(),
    );
    expect(results.map((r) => [r.name, r.reason, r.observed])).toEqual([
      ["irqbalance/banned-irqs", "Written", "39"],
      ["eth1/irq/39", "Written", "3"],
    ]);
    expect(host.values.get(targetKey(irq))).toBe("3");
  });
});

describe("where an IRQ fires", () => {
  const irq: Target = { kind: "proc", path: "irq/30/smp_affinity_list" };
  const cases: {
    sentence: string;
    before: string;
    effective?: string;
    state: string;
    reason: string;
  }[] = [
    {
      sentence: "a written affinity the kernel delivers within is Applied",
      before: "0-3",
      effective: "2",
      state: "Applied",
      reason: "Written",
    },
    {
      sentence:
        "a written affinity the kernel still delivers elsewhere says EffectivePending, not Written",
      before: "0-3",
      effective: "0",
      state: "Applied",
      reason: "EffectivePending",
    },
    {
      sentence: "without an effective affinity, the read-back decides",
      before: "0-3",
      state: "Applied",
      reason: "Written",
    },
    {
      sentence:
        "an affinity already set but delivered elsewhere says EffectivePending, not AlreadySet",
      before: "2-3",
      effective: "1",
      state: "Applied",
      reason: "EffectivePending",
    },
  ];
  it.each(cases)("$sentence", async ({ before, effective, state, reason }) => {
    host.values.set(targetKey(irq), before);
    if (effective !== undefined) host.effective.set(targetKey(irq), effective);
    const [result] = await applySettings([gen.setting("eth0/irq-30", irq, "2-3")], deps());
    expect(result).toMatchObject({ state, reason });
    if (reason === "EffectivePending")
      expect(result?.message).toContain(`the kernel still delivers it on CPUs ${effective ?? ""}`);
  });
});

describe("reverting", () => {
  it("restores every original, newest first, and forgets each once it is back", async () => {
    await applySettings(
      [
        gen.setting("somaxconn", somaxconn, "8192"),
        gen.setting("eth0/txqueuelen", queueLength, "5000"),
      ],
      deps(),
    );
    const results = await revertEntries(store.list(), { actuator: host, store });
    expect(results.map((r) => [r.name, r.state, r.observed])).toEqual([
      ["eth0/txqueuelen", "Reverted", "1000"],
      ["somaxconn", "Reverted", "4096"],
    ]);
    expect(store.list()).toEqual([]);
  });
});

describe("the outcome chains", () => {
  it("name every rule and end with one that always applies", () => {
    for (const rules of [refusalRules, absenceRules]) {
      expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
      expect(rules.at(-1)?.applies(undefined as never)).toBe(true);
    }
  });

  it.each([
    {
      sentence: "a NIC setting the driver lacks is Unsupported, in any namespace",
      target: rings,
      initialNetns: false,
      want: { state: "Unsupported", reason: "NotSupportedByDriver" },
    },
    {
      sentence: "irqbalance's bans without irqbalance are Skipped",
      target: { kind: "irqbalance-bans" } as Target,
      initialNetns: true,
      want: { state: "Skipped", reason: "IRQBalanceNotRunning" },
    },
    {
      sentence: "a global net sysctl from a child namespace is ReadOnlyInNamespace",
      target: { kind: "proc", path: "sys/net/core/netdev_budget" } as Target,
      initialNetns: false,
      want: { state: "Skipped", reason: "ReadOnlyInNamespace" },
    },
    {
      sentence: "conntrack's files before the module loads are NotPresent, and say why",
      target: { kind: "proc", path: "sys/net/netfilter/nf_conntrack_max" } as Target,
      initialNetns: true,
      want: {
        state: "Skipped",
        reason: "NotPresent",
        message: expect.stringContaining("the nf_conntrack module is not loaded") as unknown,
      },
    },
  ])("absent: $sentence", ({ target, initialNetns, want }) => {
    expect(notPresent({ name: "x", state: "Skipped" }, target, initialNetns)).toMatchObject(want);
  });
});

describe("refused writes", () => {
  const irq: Target = { kind: "proc", path: "irq/42/smp_affinity_list" };
  const sysctl: Target = { kind: "proc", path: "sys/net/netfilter/nf_conntrack_max" };
  const channels: Target = {
    kind: "ethtool",
    device: "eth2",
    group: "channels",
    param: "combined",
  };
  const rings: Target = { kind: "ethtool", device: "eth0", group: "rings", param: "rx" };
  const setting = { name: "eth0/irq/42", desired: "3", note: "eth0-TxRx-0" };
  it.each([
    {
      name: "an IRQ the kernel manages (EIO) is Unsupported, not fatal",
      target: irq,
      code: "EIO",
      initialNetns: true,
      want: { state: "Unsupported", reason: "KernelManagedIRQ" },
    },
    {
      name: "an IRQ refused with EPERM is Unsupported too",
      target: irq,
      code: "EPERM",
      initialNetns: true,
      want: { state: "Unsupported", reason: "KernelManagedIRQ" },
    },
    {
      name: "an IRQ refused with EPERM in a child namespace is still the kernel's, not the namespace's",
      target: irq,
      code: "EPERM",
      initialNetns: false,
      want: { state: "Unsupported", reason: "KernelManagedIRQ" },
    },
    {
      name: "an ethtool change refused as not supported in a child namespace is the driver's",
      target: channels,
      code: "EOPNOTSUPP",
      initialNetns: false,
      want: { state: "Unsupported", reason: "NotSupportedByDriver" },
    },
    {
      name: "a read-only sysctl in a child namespace is Skipped",
      target: sysctl,
      code: "EACCES",
      initialNetns: false,
      want: { state: "Skipped", reason: "ReadOnlyInNamespace" },
    },
    {
      name: "a read-only sysctl in the host namespace is Failed",
      target: sysctl,
      code: "EACCES",
      initialNetns: true,
      want: { state: "Failed", reason: "ReadOnly" },
    },
    {
      name: "an ethtool change the driver refuses as not supported is Unsupported",
      target: channels,
      code: "EOPNOTSUPP",
      initialNetns: true,
      want: { state: "Unsupported", reason: "NotSupportedByDriver" },
    },
    {
      name: "an ethtool change refused for another reason is Failed",
      target: rings,
      code: "ETHTOOL",
      initialNetns: true,
      want: { state: "Failed", reason: "WriteFailed" },
    },
    {
      name: "any other refusal is Failed with the error",
      target: sysctl,
      code: "EINVAL",
      initialNetns: true,
      want: { state: "Failed", reason: "WriteFailed" },
    },
  ])("$name", ({ target, code, initialNetns, want }) => {
    expect(
      classifyRefusal(new WriteError("refused", code), target, initialNetns, setting),
    ).toMatchObject(want);
  });
});
