import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { conflicting, describeConflict, otherWriters } from "../src/engine/writer-conflicts.ts";
import { parseIni } from "../src/facts/ini.ts";
import { matchesDevices } from "../src/facts/config-lines.ts";
import { loadProfiles, profileWrites, type TunedFacts } from "../src/facts/tuned.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

// Debian's TuneD 2.20 profiles, unchanged (see the fixture's README).
const shipped = path.join(import.meta.dirname, "fixtures/tuned-2.20");

/** A reader of TuneD's files: the shipped profiles, plus files of /etc/tuned given here. */
function reader(etc: Record<string, string> = {}): (file: string) => Promise<string | undefined> {
  return (file) =>
    file in etc
      ? Promise.resolve(etc[file])
      : readFile(path.join(shipped, file), "utf8").catch(() => undefined);
}

async function tunedWith(profile: string, etc: Record<string, string> = {}): Promise<TunedFacts> {
  const files = await loadProfiles(profile.split(" "), reader(etc));
  return { pid: 4242, profile, writes: profileWrites(files) };
}

const sysctl = (key: string, desired: string): PlannedSetting => ({
  name: `sysctl/${key}`,
  desired,
  target: { kind: "proc", path: `sys/${key.replaceAll(".", "/")}` },
});

describe("TuneD's profile files", () => {
  it("reads units in order, with inline comments, continuation lines and repeated sections merged", () => {
    const ini = parseIni(
      "# a comment\n[main]\ninclude=a\n[sysctl]\nnet.core.somaxconn = 4096 # why\n; old\nkernel.x=1\n  2\n[sysctl]\nkernel.y=3\n",
      { inlineComments: true },
    );
    expect([...ini.keys()]).toEqual(["main", "sysctl"]);
    expect(Object.fromEntries(ini.get("sysctl") ?? [])).toEqual({
      "net.core.somaxconn": "4096",
      "kernel.x": "1\n2",
      "kernel.y": "3",
    });
  });

  it("loads a profile after the profiles it includes, each file once", async () => {
    const files = await loadProfiles(["network-throughput"], reader());
    expect(files.map((f) => f.file)).toEqual([
      "/usr/lib/tuned/throughput-performance/tuned.conf",
      "/usr/lib/tuned/network-throughput/tuned.conf",
    ]);
  });

  it("takes a profile of /etc/tuned over the shipped one of the same name", async () => {
    const own = "/etc/tuned/network-latency/tuned.conf";
    const files = await loadProfiles(["network-latency"], reader({ [own]: "[sysctl]\nx.y=1\n" }));
    expect(files.map((f) => f.file)).toEqual([own]);
  });

  it("does not follow an include TuneD computes at its start (openshift's virt_check)", async () => {
    const files = await loadProfiles(["openshift-node"], reader());
    expect(files.map((f) => f.name)).toEqual(["openshift", "openshift-node"]);
  });

  it("knows what network-throughput writes: quoted values unquoted, > kept as raise-only", async () => {
    const { writes } = await tunedWith("network-throughput");
    const byFile = Object.fromEntries(
      writes.flatMap((w) => (w.target.kind === "file" ? [[w.target.path, w]] : [])),
    );
    expect(byFile["/proc/sys/net/ipv4/tcp_rmem"]).toMatchObject({ value: "4096 87380 16777216" });
    expect(byFile["/proc/sys/net/core/somaxconn"]).toMatchObject({ value: "2048", modifier: ">" });
    // [sysctl.thunderx] applies on some aarch64 CPUs only.
    expect(byFile["/proc/sys/kernel/numa_balancing"]).toBeUndefined();
  });

  it.each([
    { sentence: "no rules match every NIC", rules: "", device: "eth0", matches: true },
    { sentence: "a glob matches", rules: "eth*", device: "eth1", matches: true },
    { sentence: "a negative rule excludes", rules: "eth* !eth1", device: "eth1", matches: false },
    { sentence: "only negative rules keep the rest", rules: "!lo", device: "ens3", matches: true },
    { sentence: "a comma list names NICs", rules: "ens3, ens4", device: "ens5", matches: false },
  ])("$sentence", ({ rules, device, matches }) => {
    expect(matchesDevices(rules, device)).toBe(matches);
  });
});

describe("TuneD as another writer of NetTune's settings", () => {
  it("fights a different value and names the line to change", async () => {
    const tuned = await tunedWith("network-throughput");
    const writers = otherWriters([sysctl("net.ipv4.tcp_rmem", "4096 131072 16777216")], { tuned });
    expect(conflicting(writers).map(describeConflict)).toEqual([
      "TuneD (pid 4242, profile network-throughput) writes sysctl/net.ipv4.tcp_rmem=4096 87380 16777216 at its start (NetTune holds 4096 131072 16777216): remove [sysctl] net.ipv4.tcp_rmem in /usr/lib/tuned/network-throughput/tuned.conf, or set it to NetTune's value there",
    ]);
  });

  it.each([
    { sentence: "a raise-only value NetTune is above is no fight", desired: "8192", fights: false },
    { sentence: "a raise-only value NetTune is below is a fight", desired: "1024", fights: true },
  ])("$sentence", async ({ desired, fights }) => {
    const tuned = await tunedWith("network-throughput");
    const writers = otherWriters([sysctl("net.core.somaxconn", desired)], { tuned });
    expect(writers.map((w) => [w.kind, w.value, w.fights])).toEqual([["tuned", ">2048", fights]]);
  });

  it("sees openshift's conntrack table and hash buckets", async () => {
    const tuned = await tunedWith("openshift-node");
    const planned: PlannedSetting[] = [
      {
        name: "conntrack.max",
        desired: "262144",
        target: { kind: "proc", path: "sys/net/netfilter/nf_conntrack_max" },
      },
      {
        name: "conntrack.buckets",
        desired: "1048576",
        target: { kind: "sys", path: "module/nf_conntrack/parameters/hashsize" },
      },
    ];
    const writers = otherWriters(planned, { tuned });
    expect(writers.map((w) => [w.setting, w.value, w.fights])).toEqual([
      ["conntrack.max", "1048576", true],
      ["conntrack.buckets", "1048576", false],
    ]);
  });

  it("matches [net] ethtool options and the queue length on the NICs its devices rules name", async () => {
    const own = "/etc/tuned/nic/tuned.conf";
    const tuned = await tunedWith("nic", {
      "/etc/tuned/active_profile": "nic",
      [own]:
        "[net]\ndevices=eth* !eth1\nfeatures=gro off lro on\nring=rx 4096 tx 4096\ntxqueuelen=10000\n",
    });
    const gro = (device: string): PlannedSetting => ({
      name: `${device}/offloads.gro`,
      desired: "on",
      target: { kind: "ethtool", device, group: "features", param: "generic-receive-offload" },
    });
    const planned: PlannedSetting[] = [
      gro("eth0"),
      gro("eth1"),
      {
        name: "eth0/rings.rx",
        desired: "4096",
        target: { kind: "ethtool", device: "eth0", group: "rings", param: "rx" },
      },
      {
        name: "eth0/txqueuelen",
        desired: "5000",
        target: { kind: "sys", path: "class/net/eth0/tx_queue_len" },
      },
    ];
    expect(otherWriters(planned, { tuned }).map((w) => [w.setting, w.value, w.fights])).toEqual([
      ["eth0/offloads.gro", "off", true],
      ["eth0/rings.rx", "4096", false],
      ["eth0/txqueuelen", "10000", true],
    ]);
  });

  it("puts every IRQ's affinity on cpu-partitioning, whose isolated cores TuneD computes", async () => {
    const tuned = await tunedWith("cpu-partitioning");
    const writers = otherWriters(
      [
        {
          name: "eth0/irq.35",
          desired: "2",
          target: { kind: "proc", path: "irq/35/smp_affinity_list" },
        },
      ],
      { tuned },
    );
    expect(conflicting(writers).map(describeConflict)).toEqual([
      "TuneD (pid 4242, profile cpu-partitioning) manages eth0/irq.35 (NetTune sets 2): leave IRQ affinity to it, or remove [scheduler] isolated_cores in /usr/lib/tuned/cpu-partitioning/tuned.conf",
    ]);
  });

  it("drops what came before a unit with replace=1, and a unit with enabled=false", async () => {
    const own = "/etc/tuned/mine/tuned.conf";
    const tuned = await tunedWith("mine", {
      [own]:
        "[main]\ninclude=network-throughput\n[sysctl]\nreplace=1\nnet.core.rmem_max=1\n[net]\nenabled=false\ntxqueuelen=1\n",
    });
    expect(
      tuned.writes.map((w) => (w.target.kind === "file" ? w.target.path : w.target.kind)),
    ).toEqual(["/proc/sys/net/core/rmem_max"]);
  });
});
