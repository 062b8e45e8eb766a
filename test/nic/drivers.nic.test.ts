// Real NIC drivers with real MSI-X IRQs in a QEMU guest (virtio_net with 4
// queues, e1000e, vmxnet3), the agent running in the guest's initial network
// namespace: every value asserted here was read back from the guest kernel
// (ethtool, /proc, /sys), not taken from the agent's report.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { HostInventory, InterfaceInventory } from "../../api/v1alpha1/node-network-tuning.ts";
import { runInGuest, type GuestRun } from "../harness/guest/guest.ts";
import { parseCPUList } from "../../api/helpers/cpu-list.ts";
import { ringCountersOf } from "../../node-agent/src/facts/ring-counters.ts";
import { parseStatistics } from "../../node-agent/src/host/ethtool-parse.ts";
import {
  current,
  effectiveAffinities,
  ethtoolField,
  globalValue,
  guestShell,
  irqAffinities,
  section as sectionOf,
} from "../harness/guest/readback.ts";

const spec = {
  apiVersion: "nettune.io/v1alpha1",
  kind: "NodeNetworkTuning",
  metadata: { name: "guest" },
  spec: {
    interfaces: [
      {
        match: { drivers: ["virtio_net"] },
        channels: { combined: 2 },
        // virtio can only shrink its rings (256 is the most), and coalesce only tx-frames.
        rings: { rx: 128 },
        coalesce: { txFrames: 32 },
        offloads: { gro: false },
        rss: { equalQueues: 1 },
        irqAffinity: { policy: "Spread" },
        rps: { cpus: "all", flowEntries: 32768 },
        xps: { spread: "all" },
      },
      {
        match: { drivers: ["e1000e"] },
        rings: { rx: 1024 },
        coalesce: { rxUsecs: 50 },
        irqAffinity: { policy: "Pin", cpus: "3" },
      },
      {
        match: { drivers: ["vmxnet3"] },
        irqAffinity: { policy: "Pin", cpus: "2" },
        rings: { rx: 2048 },
        channels: { combined: 2 },
        rss: { equalQueues: 2 },
      },
    ],
    sysctls: {
      "net.core.netdev_budget": "600",
      "net.core.netdev_max_backlog": "3000",
      // Below the kernel's minimum: refused with EINVAL, and nothing else is lost.
      "net.core.netdev_budget_usecs": "100",
    },
    // 4 CPUs x 40000, raised over the kernel's default and never lowered.
    conntrack: { maxPerCore: 40000, onlyRaise: true, buckets: 32768 },
    // The guest's own /etc/resolv.conf (an overlay over the machine's, so the machine's stays).
    dns: { node: { singleRequest: "single-request-reopen", timeout: 2 } },
  },
};

// Every device IRQ but e1000e's (which its own irqAffinity pins) onto CPUs 0-1.
const deviceSpec = {
  apiVersion: "nettune.io/v1beta1",
  kind: "NodeNetworkTuning",
  metadata: { name: "guest" },
  spec: {
    interfaces: [{ match: { drivers: ["e1000e"] }, irqAffinity: { policy: "Pin", cpus: "3" } }],
    deviceIRQs: { cpus: "0-1" },
  },
};

// The value Debian's network-throughput profile gives tcp_rmem, and NetTune's, under TuneD.
const tunedSpec = {
  apiVersion: "nettune.io/v1beta1",
  kind: "NodeNetworkTuning",
  metadata: { name: "guest" },
  spec: { sysctls: { "net.ipv4.tcp_rmem": "4096 131072 16777216" } },
};

// Each state of the guest, read from the kernel into /job/<label>.
const job = `${guestShell}
allirqs() {
  for d in /proc/irq/[0-9]*; do
    echo "irq \${d##*/} $(cat $d/smp_affinity_list) $(grep -E "^ *\${d##*/}:" /proc/interrupts | awk '{print $NF}')"
  done > /job/$1
}
nics
readback before
for d in e1000e vmxnet3 virtio_net; do ethtool -S $(cat /job/nic-$d) > /job/S-$d.txt 2>&1; done
node dist/node-agent/src/cli.js inventory --output json > /job/inventory.json 2> /job/inventory.err
node dist/node-agent/src/cli.js apply --file /job/spec.yaml --output json > /job/apply.json
readback applied
node dist/node-agent/src/cli.js revert --output json > /job/revert.json
readback reverted
allirqs irqs-before
node dist/node-agent/src/cli.js apply --file /job/device-irqs.yaml --output json > /job/device-apply.json
allirqs irqs-applied
node dist/node-agent/src/cli.js revert --output json > /job/device-revert.json
allirqs irqs-reverted
rmem() { echo "$1 $(tr '\t' ' ' < /proc/sys/net/ipv4/tcp_rmem)" >> /job/tuned-state; }
echo network-throughput > /etc/tuned/active_profile
echo manual > /etc/tuned/profile_mode
tuned --no-dbus --no-socket -l /job/tuned.log -p network-throughput &
tunedpid=$!
echo "pid $tunedpid" > /job/tuned-state
n=0; until grep -q 87380 /proc/sys/net/ipv4/tcp_rmem || [ $n -gt 600 ]; do n=$((n+1)); sleep 0.1; done
rmem tuned
node dist/node-agent/src/cli.js apply --file /job/tuned-spec.yaml --output json > /job/tuned-apply.json
rmem applied
sleep 3
rmem later
node dist/node-agent/src/cli.js revert --output json > /job/tuned-revert.json
rmem reverted
kill $tunedpid; wait $tunedpid || true
`;

let guest: GuestRun;
const state: Record<string, string> = {};

beforeAll(async () => {
  guest = await runInGuest(job, {
    files: {
      "spec.yaml": stringify(spec),
      "device-irqs.yaml": stringify(deviceSpec),
      "tuned-spec.yaml": stringify(tunedSpec),
    },
  });
  for (const label of [
    "before",
    "applied",
    "reverted",
    "irqs-before",
    "irqs-applied",
    "irqs-reverted",
  ])
    state[label] = await guest.read(label).catch(() => "");
}, 360_000);

afterAll(async () => {
  if (process.env.NETTUNE_KEEP_WORK !== "1") await guest.removeWork();
});

const section = (label: string, driver: string): string => sectionOf(state[label] ?? "", driver);

/** The rings an `ethtool -x` table in a section points at, in order of first use. */
function rssRings(text: string): string[] {
  const block = text.slice(text.indexOf("-- ethtool -x"));
  const rings = [...block.matchAll(/^[ \t]*\d+:((?:[ \t]+\d+)+)[ \t]*$/gm)].flatMap((m) =>
    (m[1] ?? "").trim().split(/\s+/),
  );
  return [...new Set(rings)];
}

describe("real NIC drivers in a QEMU guest", () => {
  it("booted with the three drivers and ran the agent to the end", async () => {
    const log = await guest.read("log").catch(() => guest.console);
    expect(log).toMatch(/exit 0\s*$/);
    expect(state.before).toContain("== virtio_net");
    expect(state.before).toContain("== e1000e");
    expect(state.before).toContain("== vmxnet3");
  });

  it("inventory shows each NIC's driver, queue counts and maxima, queue IRQs and NUMA node", async () => {
    const text = await guest.read("inventory.json");
    expect(text, await guest.read("inventory.err")).not.toBe("");
    const inventory = JSON.parse(text) as HostInventory;
    const nic = (driver: string): InterfaceInventory | undefined =>
      inventory.interfaces?.find((i) => i.driver === driver);
    // virtio's IRQs and NUMA node sit on its parent PCI function, on node 1's expander.
    expect(nic("virtio_net")).toMatchObject({ numaNode: 1, rxQueues: 4, txQueues: 4 });
    expect(nic("virtio_net")?.channels).toEqual({ combined: 4, maxCombined: 4 });
    expect(nic("virtio_net")?.irqs).toHaveLength(8);
    expect(nic("virtio_net")?.irqs?.[0]?.name).toMatch(/^virtio\d+-input\.0$/);
    expect(nic("virtio_net")?.irqs?.[0]?.queue).toBe(0);
    expect(nic("e1000e")).toMatchObject({ numaNode: 1 });
    expect(nic("e1000e")?.irqs?.map((q) => q.name)).toEqual([
      expect.stringMatching(/-rx-0$/),
      expect.stringMatching(/-tx-0$/),
    ]);
    expect(nic("vmxnet3")).toMatchObject({
      numaNode: -1,
      channels: { combined: 4, maxCombined: 4 },
    });
    expect(nic("vmxnet3")?.irqs).toHaveLength(4);
  });

  it("inventory shows each queue IRQ's current affinity, the CPUs' NUMA nodes and SMT, and no irqbalance", async () => {
    const inventory = JSON.parse(await guest.read("inventory.json")) as HostInventory;
    const vmxnet3 = inventory.interfaces?.find((i) => i.driver === "vmxnet3");
    expect(vmxnet3?.irqs).toHaveLength(4);
    // Each IRQ's affinity as the kernel had it before any change.
    const before = new Map(
      sectionOf(state.before ?? "", "vmxnet3")
        .split("\n")
        .filter((l) => l.startsWith("irq "))
        .map((l) => [Number(l.split(" ")[1]), l.split(" ")[2]]),
    );
    for (const q of vmxnet3?.irqs ?? []) expect(q.affinity).toBe(before.get(q.irq));
    expect(inventory.cpus).toMatchObject({
      count: 4,
      smt: true,
      numaNodes: [
        { id: 0, cpus: "0-1" },
        { id: 1, cpus: "2-3" },
      ],
    });
    expect(inventory.irqbalanceRunning).toBe(false);
  });

  it("sets virtio_net's channels to 2 and back to 4", () => {
    expect(current(section("before", "virtio_net"), "l", "Combined")).toBe("4");
    expect(current(section("applied", "virtio_net"), "l", "Combined")).toBe("2");
    expect(current(section("reverted", "virtio_net"), "l", "Combined")).toBe("4");
  });

  it("sets e1000e's RX ring and rx-usecs, and restores them", () => {
    const before = section("before", "e1000e");
    expect(current(section("applied", "e1000e"), "g", "RX")).toBe("1024");
    expect(section("applied", "e1000e")).toMatch(/rx-usecs:\s+50\b/);
    expect(current(section("reverted", "e1000e"), "g", "RX")).toBe(current(before, "g", "RX"));
    expect(/rx-usecs:\s+(\d+)/.exec(section("reverted", "e1000e"))?.[1]).toBe(
      /rx-usecs:\s+(\d+)/.exec(before)?.[1],
    );
  });

  it("pins vmxnet3's queue IRQs, not its event vector, to CPU 2 and restores them", () => {
    const applied = irqAffinities(section("applied", "vmxnet3"), /-rxtx-\d+$/);
    expect(applied.map(([, cpus]) => cpus)).toEqual(["2", "2", "2", "2"]);
    expect(irqAffinities(section("applied", "vmxnet3"), /-event-\d+$/)).toEqual(
      irqAffinities(section("before", "vmxnet3"), /-event-\d+$/),
    );
    expect(irqAffinities(section("reverted", "vmxnet3"), /-(rxtx|event)-\d+$/)).toEqual(
      irqAffinities(section("before", "vmxnet3"), /-(rxtx|event)-\d+$/),
    );
  });

  it("pins e1000e's queue IRQs to CPU 3 in /proc/irq and restores them", () => {
    const queueIRQs = (label: string): string[] =>
      section(label, "e1000e")
        .split("\n")
        .filter((l) => /^irq \d+ \S+ eth\d+-(rx|tx)-\d+$/.test(l))
        .map((l) => l.split(" ")[2] ?? "");
    expect(queueIRQs("applied")).toEqual(["3", "3"]);
    expect(queueIRQs("reverted")).toEqual(queueIRQs("before"));
  });

  it("reports an IRQ Written only where the kernel delivers it within the CPUs asked, EffectivePending while it does not", async () => {
    const apply = JSON.parse(await guest.read("apply.json")) as {
      results: { name: string; state: string; reason?: string }[];
    };
    const seen: Record<string, number> = {};
    for (const driver of ["e1000e", "virtio_net", "vmxnet3"]) {
      const irqs = effectiveAffinities(section("applied", driver));
      expect(irqs.size, driver).toBeGreaterThan(0);
      for (const [irq, [asked, effective]] of irqs) {
        const result = apply.results.find((r) => r.name.endsWith(`/irq/${irq}`));
        if (!result) continue;
        const within = new Set(parseCPUList(asked));
        const delivered = parseCPUList(effective).every((cpu) => within.has(cpu));
        const label = `${driver} irq ${irq}: asked ${asked}, effective ${effective}`;
        expect([label, result.state]).toEqual([label, "Applied"]);
        // The kernel may finish a pending move between the agent's check and the read-back,
        // never undo one: Written means delivered within; not delivered means EffectivePending.
        expect(["Written", "EffectivePending"]).toContain(result.reason);
        if (result.reason === "Written") expect([label, delivered]).toEqual([label, true]);
        if (!delivered) expect([label, result.reason]).toEqual([label, "EffectivePending"]);
        const key = `${driver} ${result.reason ?? ""}`;
        seen[key] = (seen[key] ?? 0) + 1;
      }
    }
    console.log(`IRQ affinity as the kernel delivers it: ${JSON.stringify(seen)}`);
    // Which IRQs the kernel has moved by the read-back varies from run to run (e1000e's two
    // queue IRQs, virtio_net's eight, vmxnet3's four); each of the 14 is classified as the kernel says.
    expect(Object.values(seen).reduce((sum, n) => sum + n, 0)).toBe(14);
  });

  it("finds the ring counters it reads by driver in the real drivers' ethtool -S", async () => {
    for (const driver of ["e1000e", "vmxnet3"]) {
      const stats = parseStatistics(await guest.read(`S-${driver}.txt`));
      const names = ringCountersOf(driver);
      expect(names.length, driver).toBeGreaterThan(0);
      for (const name of names)
        expect([driver, name, stats.has(name)]).toEqual([driver, name, true]);
    }
    // virtio_net names none: its ethtool -S is not read for the diagnosis.
    expect(ringCountersOf("virtio_net")).toEqual([]);
  });

  it("keeps every other device IRQ on CPUs 0-1, reports the ones the kernel manages, and restores all", async () => {
    const affinities = (label: string): Map<string, string> =>
      new Map(
        (state[label] ?? "")
          .split("\n")
          .filter((line) => line.startsWith("irq "))
          .map((line) => line.split(" "))
          .map((fields): [string, string] => [fields[1] ?? "", fields[2] ?? ""]),
      );
    const apply = JSON.parse(await guest.read("device-apply.json")) as {
      results: { name: string; state: string; reason?: string; message?: string }[];
    };
    const device = apply.results.filter((r) => /^irq\/\d+$/.test(r.name));
    const managed = device.filter((r) => r.reason === "KernelManagedIRQ");
    const placed = device.filter((r) => r.state === "Applied");
    console.log(
      `device IRQs: ${placed.length} placed on 0-1, kernel-managed: ${managed.map((r) => r.message ?? r.name).join("; ")}`,
    );
    // Every device IRQ is either placed or refused as the kernel's own; nothing else fails.
    expect(device.filter((r) => r.state !== "Applied" && r.reason !== "KernelManagedIRQ")).toEqual(
      [],
    );
    expect(managed.map((r) => r.state)).toEqual(managed.map(() => "Unsupported"));
    // The timer's IRQ is the kernel's own (no balancing): it refuses the move with EIO.
    expect(managed.map((r) => r.message)).toContain(
      "irq/0 (timer): the kernel manages this IRQ's affinity (EIO)",
    );
    expect(placed.length).toBeGreaterThan(10);
    const after = affinities("irqs-applied");
    for (const { name } of placed) expect([name, after.get(name.slice(4))]).toEqual([name, "0-1"]);
    // e1000e's queue IRQs are its irqAffinity's, not deviceIRQs'.
    const e1000e = irqAffinities(state["irqs-applied"] ?? "", /^eth\d+-(rx|tx)-0$/);
    expect(e1000e.map(([, cpus]) => cpus)).toEqual(["3", "3"]);
    expect(affinities("irqs-reverted")).toEqual(affinities("irqs-before"));
  });

  it("names Debian's TuneD daemon, running with network-throughput, as the other writer of tcp_rmem, and keeps NetTune's value in plain sight", async () => {
    const tuned = await guest.read("tuned-state");
    const pid = /^pid (\d+)$/m.exec(tuned)?.[1];
    const rmem = (label: string): string | undefined =>
      new RegExp(`^${label} (.+)$`, "m").exec(tuned)?.[1]?.trim().replace(/\s+/g, " ");
    // TuneD's daemon applied its profile before NetTune came.
    expect(rmem("tuned"), await guest.read("tuned.log").catch(() => "")).toBe(
      "4096 87380 16777216",
    );
    const apply = JSON.parse(await guest.read("tuned-apply.json")) as {
      results: { name: string; state: string; alsoWrittenBy?: string[] }[];
      conflicts: string[];
    };
    expect(apply.results.find((r) => r.name === "sysctl/net.ipv4.tcp_rmem")).toMatchObject({
      state: "Applied",
      alsoWrittenBy: ["tuned"],
    });
    expect(apply.conflicts).toEqual([
      `TuneD (pid ${pid}, profile network-throughput) writes sysctl/net.ipv4.tcp_rmem=4096 87380 16777216 at its start (NetTune holds 4096 131072 16777216): remove [sysctl] net.ipv4.tcp_rmem in /usr/lib/tuned/network-throughput/tuned.conf, or set it to NetTune's value there`,
    ]);
    expect(rmem("applied")).toBe("4096 131072 16777216");
    // The running daemon does not write it back behind NetTune's back (static tuning, no reapply).
    expect(rmem("later")).toBe("4096 131072 16777216");
    // Revert gives back what the node had: TuneD's value.
    expect(rmem("reverted")).toBe("4096 87380 16777216");
  });

  it("spreads virtio_net's queue IRQs NUMA-local first, hyper-thread siblings last", () => {
    // virtio sits on node 1 (CPUs 2-3); CPU 3 is CPU 2's sibling, CPU 1 is CPU 0's: 2, 0, 3, 1.
    const order = ["2", "0", "3", "1"];
    const applied = irqAffinities(section("applied", "virtio_net"), /-(input|output)\.\d+$/);
    expect(applied).toHaveLength(8);
    for (const [name, cpus] of applied)
      expect(cpus, name).toBe(order[Number(/\.(\d+)$/.exec(name)?.[1])]);
    expect(irqAffinities(section("reverted", "virtio_net"), /-(input|output)\.\d+$/)).toEqual(
      irqAffinities(section("before", "virtio_net"), /-(input|output)\.\d+$/),
    );
  });

  it("writes host-global sysctls and conntrack max in the initial namespace, and restores them", () => {
    const value = (label: string, key: string): string | undefined =>
      globalValue(state[label] ?? "", key);
    expect(value("applied", "netdev_budget")).toBe("600");
    expect(value("applied", "netdev_max_backlog")).toBe("3000");
    expect(value("applied", "nf_conntrack_max")).toBe("160000");
    for (const key of ["netdev_budget", "netdev_max_backlog", "nf_conntrack_max"])
      expect(value("reverted", key)).toBe(value("before", key));
  });

  it("steers virtio_net's packets: RPS over all CPUs, RFS tables and XPS per queue, restored after", () => {
    const per = (label: string, file: string): string[] =>
      section(label, "virtio_net")
        .split("\n")
        .filter((l) => l.includes(` ${file} `))
        .map((l) => l.split(" ").at(-1) ?? "");
    // Two queue pairs are left after channels 4→2; every CPU of the 4 may process them.
    expect(per("applied", "rps_cpus")).toEqual(["f", "f"]);
    expect(per("applied", "rps_flow_cnt")).toEqual(["16384", "16384"]);
    expect(per("applied", "xps_cpus")).toEqual(["3", "c"]);
    expect(per("reverted", "rps_cpus")).toEqual(per("before", "rps_cpus"));
    expect(per("reverted", "xps_cpus")).toEqual(per("before", "xps_cpus"));
  });

  it("spreads vmxnet3's RSS table evenly over 2 queues (ethtool -X), and restores it", () => {
    const table = (label: string): Set<string> => {
      const text = section(label, "vmxnet3");
      const block = text.slice(text.indexOf("-- ethtool -x"));
      return new Set(
        [...block.matchAll(/^[ \t]*\d+:((?:[ \t]+\d+)+)[ \t]*$/gm)].flatMap((m) =>
          (m[1] ?? "").trim().split(/\s+/),
        ),
      );
    };
    expect([...table("applied")].sort()).toEqual(["0", "1"]);
    expect([...table("reverted")].sort()).toEqual([...table("before")].sort());
  });

  it("writes rps_sock_flow_entries and the conntrack hash size; refuses budget_usecs with the kernel's reason", async () => {
    const value = (label: string, key: string): string | undefined =>
      globalValue(state[label] ?? "", key);
    expect(value("applied", "rps_sock_flow_entries")).toBe("32768");
    expect(value("applied", "hashsize")).toBe("32768");
    expect(value("applied", "netdev_budget_usecs")).toBe(value("before", "netdev_budget_usecs"));
    for (const key of ["rps_sock_flow_entries", "hashsize"])
      expect(value("reverted", key)).toBe(value("before", key));
    const apply = JSON.parse(await guest.read("apply.json")) as {
      results: { name: string; state: string; message?: string }[];
    };
    const usecs = apply.results.find((r) => r.name === "sysctl/net.core.netdev_budget_usecs");
    expect(usecs?.state).toBe("Failed");
    expect(usecs?.message).toContain("EINVAL");
  });

  it("reports vmxnet3's refused channel change without losing its ring change", async () => {
    expect(current(section("applied", "vmxnet3"), "g", "RX")).toBe("2048");
    const apply = JSON.parse(await guest.read("apply.json")) as {
      results: { name: string; state: string; reason?: string }[];
    };
    const channels = apply.results.find(
      (r) => /\/channels\.combined$/.test(r.name) && r.state !== "Applied" && r.state !== "Skipped",
    );
    expect(channels).toMatchObject({ state: "Unsupported", reason: "NotSupportedByDriver" });
    expect(current(section("applied", "vmxnet3"), "l", "Combined")).toBe("4");
  });

  it("shrinks virtio_net's RX ring, turns GRO off and RSS equal 1, and restores them; its tx-frames refusal is reported", async () => {
    const [before, applied, reverted] = ["before", "applied", "reverted"].map((label) =>
      section(label, "virtio_net"),
    );
    const values = (text: string): (string | undefined)[] => [
      current(text, "g", "RX"),
      ethtoolField(text, "c", "tx-frames"),
      ethtoolField(text, "k", "generic-receive-offload"),
      rssRings(text).join(","),
    ];
    // virtio_net (6.1) takes tx-frames 0 or 1 only, and only while the link is down.
    expect(values(applied ?? "")).toEqual(["128", "1", "off", "0"]);
    expect(values(reverted ?? "")).toEqual(values(before ?? ""));
    expect(values(before ?? "")).toEqual(["256", "1", "on", "0,1,2,3"]);
    const apply = JSON.parse(await guest.read("apply.json")) as {
      results: { name: string; state: string; message?: string }[];
    };
    const txFrames = apply.results.find((r) => r.name.endsWith("/coalesce.tx-frames"));
    expect(txFrames).toMatchObject({ state: "Failed" });
    expect(txFrames?.message).toContain("Invalid argument");
  });

  it("writes the guest's own resolv.conf options and restores them", () => {
    const value = (label: string): string | undefined =>
      globalValue(state[label] ?? "", "resolv-options");
    expect(value("applied")?.split(",").sort()).toEqual(["single-request-reopen", "timeout:2"]);
    expect(value("reverted")).toBe(value("before"));
  });
});
