import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { buildSimulatedHost } from "../../test/harness/simulated-host.ts";
import { hostPathsUnder } from "../src/host/paths.ts";
import { Remedy, Symptom, type SymptomName } from "../../api/v1alpha1/advice.ts";
import { advise } from "../src/engine/advise.ts";
import { defaultThresholds, detect, type Finding } from "../src/engine/detect.ts";
import { diagnose } from "../src/engine/diagnose.ts";
import {
  readCounterSample,
  readNodeBounds,
  type CounterSample,
  type NodeBounds,
} from "../src/facts/symptom-counters.ts";
import { parseNetstat } from "../src/facts/netstat.ts";
import { PhysicalNICs } from "../src/facts/physical-nics.ts";
import { parseStatistics } from "../src/host/ethtool-parse.ts";
import {
  backlogDrops,
  conntrackDrops,
  counterSample,
  fill,
  insertFailed,
  missed,
  noBuffer,
  nodeBounds,
  overflows,
  processed,
  series,
  squeezes,
  without,
} from "./gen/counters.ts";

const symptoms = (samples: CounterSample[], previous: string[] = []): SymptomName[] =>
  detect(samples, new Set(previous)).map((f) => f.symptom);

describe("detect", () => {
  const cases: [string, CounterSample[], string[], SymptomName[]][] = [
    [
      "a counter that rises in every interval of the window is a symptom",
      series(overflows, [0, 5, 10, 15]),
      [],
      [Symptom.ListenOverflows],
    ],
    ["one burst in one interval is not", series(overflows, [0, 500, 500, 500]), [], []],
    ["a window not yet full is not judged", series(overflows, [0, 5, 10]), [], []],
    [
      "a held symptom stays through a quiet interval",
      series(overflows, [0, 5, 5, 10]),
      [Symptom.ListenOverflows],
      [Symptom.ListenOverflows],
    ],
    [
      "a held symptom ends after a whole quiet window",
      series(overflows, [5, 5, 5, 5]),
      [Symptom.ListenOverflows],
      [],
    ],
    [
      "a counter that goes backwards (a reset) leaves its interval unknown",
      series(overflows, [10, 20, 0, 10]),
      [],
      [],
    ],
    [
      "an unknown interval keeps a held symptom",
      series(overflows, [10, 20, 0, 0]),
      [Symptom.ListenOverflows],
      [Symptom.ListenOverflows],
    ],
    [
      "a counter the node lacks is unknown, never zero",
      [0, 1, 2, 3].map((t) =>
        counterSample(
          t,
          without((s) => {
            delete s.tcp.ListenOverflows;
          }),
        ),
      ),
      [Symptom.ListenOverflows],
      [Symptom.ListenOverflows],
    ],
    [
      "a rise below the rate threshold is not a symptom (time_squeeze under 10/s)",
      series(squeezes, [0, 5, 10, 15]),
      [],
      [],
    ],
    ["time_squeeze above it is", series(squeezes, [0, 50, 100, 150]), [], [Symptom.BudgetSqueeze]],
    ["softnet drops on any CPU", series(backlogDrops, [0, 3, 6, 9]), [], [Symptom.BacklogDrops]],
    ["conntrack drops", series(conntrackDrops, [0, 3, 6, 9]), [], [Symptom.ConntrackTableFull]],
    [
      "conntrack above 90% in every sample",
      series(fill, [950, 950, 950, 950]),
      [],
      [Symptom.ConntrackTableFull],
    ],
    ["conntrack above 90% once is not", series(fill, [950, 100, 950, 950]), [], []],
    [
      "insert_failed at one every few seconds is already a symptom",
      [0, 3, 6, 9].map((t, i) => counterSample(t, insertFailed(i))),
      [],
      [Symptom.ConntrackInsertFailed],
    ],
    ["missed packets on a NIC", series(missed, [0, 2, 4, 6]), [], [Symptom.NICMissedPackets]],
    [
      "a driver's own ring counter on a NIC",
      series(noBuffer, [0, 2, 4, 6]),
      [],
      [Symptom.NICMissedPackets],
    ],
    [
      "receive work on one CPU of two, at a high rate",
      [0, 1, 2, 3].map((t) => counterSample(t, processed(t * 9000, t * 100))),
      [],
      [Symptom.ReceiveSkew],
    ],
    [
      "receive work spread evenly is not skewed",
      [0, 1, 2, 3].map((t) => counterSample(t, processed(t * 5000, t * 5000))),
      [],
      [],
    ],
    [
      "one busy CPU at a trickle is not skewed",
      [0, 1, 2, 3].map((t) => counterSample(t, processed(t * 90, t))),
      [],
      [],
    ],
  ];
  it.each(cases)("%s", (_sentence, samples, previous, expected) => {
    expect(symptoms(samples, previous)).toEqual(expected);
  });

  it("names the evidence: counter, rise, window and place", () => {
    const [finding] = detect(series(missed, [0, 2, 4, 6]), new Set());
    expect(finding).toEqual({
      key: "NICMissedPackets/eth0",
      symptom: Symptom.NICMissedPackets,
      where: "eth0",
      counter: "rx_missed_errors",
      delta: 6,
      windowSeconds: 3,
    });
  });

  it("judges only the newest window", () => {
    const samples = series(overflows, [0, 5, 10, 15, 15, 15, 15]);
    expect(detect(samples, new Set(), defaultThresholds)).toEqual([]);
  });
});

const finding = (symptom: SymptomName, where?: string): Finding => ({
  key: symptom,
  symptom,
  counter: "c",
  delta: 1,
  windowSeconds: 3,
  ...(where ? { where } : {}),
});

describe("advise", () => {
  const cases: [
    string,
    Finding,
    NodeBounds,
    { setting: string; value: string } | undefined,
    RegExp,
  ][] = [
    [
      "somaxconn is raised fourfold",
      finding(Symptom.ListenOverflows),
      nodeBounds(),
      { setting: Remedy.Somaxconn, value: "16384" },
      /65535/,
    ],
    [
      "somaxconn is raised to at least 4096",
      finding(Symptom.ListenOverflows),
      nodeBounds((b) => (b.sysctls.somaxconn = 16)),
      { setting: Remedy.Somaxconn, value: "4096" },
      /65535/,
    ],
    [
      "somaxconn never passes its ceiling",
      finding(Symptom.ListenOverflows),
      nodeBounds((b) => (b.sysctls.somaxconn = 30000)),
      { setting: Remedy.Somaxconn, value: "65535" },
      /65535/,
    ],
    [
      "somaxconn at its ceiling gets no value",
      finding(Symptom.ListenOverflows),
      nodeBounds((b) => (b.sysctls.somaxconn = 65535)),
      undefined,
      /reached/,
    ],
    [
      "a value above the ceiling is never lowered",
      finding(Symptom.ListenOverflows),
      nodeBounds((b) => (b.sysctls.somaxconn = 100000)),
      undefined,
      /reached/,
    ],
    [
      "an unreadable sysctl gets no value",
      finding(Symptom.BacklogDrops),
      nodeBounds((b) => (b.sysctls = {})),
      undefined,
      /could not be read/,
    ],
    [
      "netdev_max_backlog set tiny is raised to at least the kernel default",
      finding(Symptom.BacklogDrops),
      nodeBounds((b) => (b.sysctls.netdev_max_backlog = 1)),
      { setting: Remedy.NetdevMaxBacklog, value: "1000" },
      /262144/,
    ],
    [
      "netdev_max_backlog doubles",
      finding(Symptom.BacklogDrops),
      nodeBounds(),
      { setting: Remedy.NetdevMaxBacklog, value: "2000" },
      /262144/,
    ],
    [
      "netdev_budget doubles",
      finding(Symptom.BudgetSqueeze),
      nodeBounds(),
      { setting: Remedy.NetdevBudget, value: "600" },
      /3000/,
    ],
    [
      "the RX ring doubles",
      finding(Symptom.NICMissedPackets, "eth0"),
      nodeBounds(),
      { setting: Remedy.RingsRx, value: "512" },
      /pre-set maximum, 4096/,
    ],
    [
      "the RX ring never passes its pre-set maximum",
      finding(Symptom.NICMissedPackets, "eth0"),
      nodeBounds((b) => (b.rxRings.eth0 = { current: 3000, max: 4096 })),
      { setting: Remedy.RingsRx, value: "4096" },
      /4096/,
    ],
    [
      "a ring at its maximum gets no value",
      finding(Symptom.NICMissedPackets, "eth0"),
      nodeBounds((b) => (b.rxRings.eth0 = { current: 4096, max: 4096 })),
      undefined,
      /reached/,
    ],
    [
      "a driver that reports no ring gets no value",
      finding(Symptom.NICMissedPackets, "eth0"),
      nodeBounds((b) => (b.rxRings = {})),
      undefined,
      /does not report/,
    ],
    [
      "a tiny table is advised the smallest conntrack.max a tuning takes",
      finding(Symptom.ConntrackTableFull),
      nodeBounds((b) => (b.conntrackMax = 64)),
      { setting: Remedy.ConntrackMax, value: "1024" },
      /1\/32 of memory/,
    ],
    [
      "conntrack doubles within its memory",
      finding(Symptom.ConntrackTableFull),
      nodeBounds(),
      { setting: Remedy.ConntrackMax, value: "524288" },
      /1\/32 of memory/,
    ],
    [
      "conntrack stops at 1/32 of memory",
      finding(Symptom.ConntrackTableFull),
      nodeBounds((b) => (b.memTotalBytes = 2 ** 30)),
      undefined,
      /104857 entries.*reached/,
    ],
    [
      "conntrack without the node's memory gets no value",
      finding(Symptom.ConntrackTableFull),
      nodeBounds((b) => delete b.memTotalBytes),
      undefined,
      /memory could not be read/,
    ],
    [
      "insert_failed is cured by the pods' resolver option",
      finding(Symptom.ConntrackInsertFailed),
      nodeBounds(),
      { setting: Remedy.PodsSingleRequestReopen, value: "single-request-reopen" },
      /resolver option/,
    ],
    [
      "receive skew spreads with RPS",
      finding(Symptom.ReceiveSkew),
      nodeBounds(),
      { setting: Remedy.RPSAllCPUs, value: "all" },
      /4 CPUs/,
    ],
    [
      "one CPU has nothing to spread to",
      finding(Symptom.ReceiveSkew),
      nodeBounds((b) => (b.cpus = 1)),
      undefined,
      /one CPU/,
    ],
  ];
  it.each(cases)("%s", (_sentence, f, b, remedy, bound) => {
    const advice = advise(f, b);
    expect(
      advice.remedy === undefined
        ? undefined
        : { setting: advice.remedy.setting, value: advice.remedy.value },
    ).toEqual(remedy);
    expect(advice.bound).toMatch(bound);
    expect(advice.evidence).toMatchObject({ counter: "c", delta: 1, windowSeconds: 3 });
  });

  it("names the interface of a per-interface remedy", () => {
    expect(advise(finding(Symptom.NICMissedPackets, "eth0"), nodeBounds()).remedy?.interface).toBe(
      "eth0",
    );
  });
});

describe("diagnose", () => {
  it("samples once per interval on the injected clock and advises from the newest window", async () => {
    let now = 0;
    const slept: number[] = [];
    const diagnosis = await diagnose(
      {
        sample: (atMs) => Promise.resolve(counterSample(atMs / 1000, overflows(atMs / 100))),
        bounds: () => Promise.resolve(nodeBounds()),
        now: () => now,
        sleep: (ms) => {
          slept.push(ms);
          now += ms;
          return Promise.resolve();
        },
      },
      2000,
      3,
    );
    expect(slept).toEqual([2000, 2000, 2000]);
    expect(diagnosis.windowSeconds).toBe(6);
    expect(diagnosis.advice.map((a) => a.symptom)).toEqual([Symptom.ListenOverflows]);
    expect(diagnosis.unknown).toEqual([]);
  });
});

describe("parseNetstat", () => {
  it("reads counters by name and skips lines that do not pair", () => {
    const text =
      "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 42 43\nIpExt: InNoRoutes\nbroken\n";
    const counters = parseNetstat(text);
    expect(counters.get("TcpExt ListenOverflows")).toBe(42);
    expect(counters.get("TcpExt ListenDrops")).toBe(43);
    expect(counters.has("IpExt InNoRoutes")).toBe(false);
  });

  it("reads nothing from garbage", () => {
    expect(parseNetstat("TcpExt: 1 2\nTcpExt: 1 2\n\u0000\u0001").size).toBe(0);
  });
});

describe("the counters on a host that prints garbage", () => {
  const garbage: [string, Record<string, string>, string[]][] = [
    [
      "no counter files at all: every counter unknown",
      {},
      [
        "nf_conntrack_count",
        "nf_conntrack drop",
        "nf_conntrack insert_failed",
        "softnet_stat",
        "TcpExt ListenOverflows",
      ],
    ],
    [
      "netstat with names and values that do not pair",
      { "proc/net/netstat": "TcpExt: ListenOverflows ListenDrops\nTcpExt: 7\n" },
      ["TcpExt ListenOverflows"],
    ],
    [
      "netstat with words for numbers",
      { "proc/net/netstat": "TcpExt: ListenOverflows\nTcpExt: many\n" },
      ["TcpExt ListenOverflows"],
    ],
    [
      "conntrack sysctls that are not numbers",
      {
        "proc/sys/net/netfilter/nf_conntrack_count": "-1\n",
        "proc/sys/net/netfilter/nf_conntrack_max": "lots\n",
      },
      ["nf_conntrack_count"],
    ],
    ["binary in softnet_stat", { "proc/net/softnet_stat": "\u0000\u0001\u0002" }, []],
  ];
  it.each(garbage)("%s", async (_sentence, files, unknown) => {
    const root = await mkdtemp(path.join(tmpdir(), "nettune-diagnose-"));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await buildSimulatedHost(root, "boot-1");
    for (const [file, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), text);
    }
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const diagnosis = await diagnose(
      {
        sample: (atMs) => readCounterSample(paths, atMs, ["sim0"]),
        bounds: (last) =>
          readNodeBounds(paths, { rings: () => Promise.resolve(undefined) }, last, ["sim0"]),
        now: () => 0,
        sleep: () => Promise.resolve(),
      },
      1000,
      2,
    );
    expect(diagnosis.advice).toEqual([]);
    for (const counter of unknown) expect(diagnosis.unknown).toContain(counter);
  });
});

describe("the physical NICs the diagnosis reads", () => {
  it("lists the interfaces with a device, looking only at names not seen before", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "nettune-nics-"));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await buildSimulatedHost(root, "boot-1");
    await mkdir(path.join(root, "sys/class/net/veth1"), { recursive: true });
    const nics = new PhysicalNICs(hostPathsUnder(root, path.join(root, "run/nettune")));
    expect(await nics.current()).toEqual(["sim0"]);
    await mkdir(path.join(root, "sys/class/net/eth9/device"), { recursive: true });
    // veth1 gaining a device is not looked at again: a name keeps what it was first seen as.
    await mkdir(path.join(root, "sys/class/net/veth1/device"), { recursive: true });
    expect((await nics.current()).sort()).toEqual(["eth9", "sim0"]);
    await rm(path.join(root, "sys/class/net/veth1"), { recursive: true });
    await nics.current();
    await mkdir(path.join(root, "sys/class/net/veth1/device"), { recursive: true });
    // Gone once and back, it is looked at anew.
    expect((await nics.current()).sort()).toEqual(["eth9", "sim0", "veth1"]);
  });
});

describe("a driver's own ring counters", () => {
  it("are read with ethtool -S for the drivers that name them, and named in the evidence", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "nettune-ring-"));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await buildSimulatedHost(root, "boot-1");
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const asked: string[] = [];
    const driverCounters = (n: number) => ({
      driverOf: (name: string) => (name === "sim0" ? "e1000e" : "veth"),
      statistics: (name: string) => {
        asked.push(name);
        return Promise.resolve(
          new Map([
            ["rx_no_buffer_count", n],
            ["rx_packets", 1000 * n],
          ]),
        );
      },
    });
    const samples = await Promise.all(
      [0, 5, 10, 15].map((n, t) =>
        readCounterSample(paths, t * 1000, ["sim0", "vX"], driverCounters(n)),
      ),
    );
    expect(samples[1]?.nics.sim0?.["ethtool -S rx_no_buffer_count"]).toBe(5);
    expect(samples[1]?.nics.sim0?.["ethtool -S rx_packets"]).toBeUndefined();
    // vX's driver names no ring counter: ethtool -S is not run for it.
    expect(new Set(asked)).toEqual(new Set(["sim0"]));
    const [finding] = detect(samples, new Set());
    expect(finding).toMatchObject({
      symptom: Symptom.NICMissedPackets,
      where: "sim0",
      counter: "ethtool -S rx_no_buffer_count",
      delta: 15,
    });
  });

  it("sums a counter a driver prints once per queue (vmxnet3)", () => {
    const text =
      "NIC statistics:\n Tx Queue#: 0\n  TSO pkts tx: 0\n Rx Queue#: 0\n  pkts rx OOB: 3\n  rx buf alloc fail: 0\n Rx Queue#: 1\n  pkts rx OOB: 4\n  rx buf alloc fail: 1\n";
    const stats = parseStatistics(text);
    expect(stats.get("pkts rx OOB")).toBe(7);
    expect(stats.get("rx buf alloc fail")).toBe(1);
  });
});
