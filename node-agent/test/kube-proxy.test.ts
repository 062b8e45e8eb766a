import { describe, expect, it } from "vitest";
import { goDurationSeconds, kubeProxyWrites } from "../src/facts/kube-proxy.ts";
import { conflicting, otherWriters, withOtherWriters } from "../src/engine/writer-conflicts.ts";
import { nodeStatus, type RunOutcome } from "../src/runtime/node-status.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

const proxy = "/usr/local/bin/kube-proxy";

describe("what kube-proxy writes into connection tracking at its start", () => {
  it.each([
    {
      sentence: "with no conntrack flags: kube-proxy's defaults, the table scaled by CPUs",
      argv: [proxy, "--hostname-override=n1"],
      cpus: 8,
      writes: {
        nf_conntrack_max: "262144",
        nf_conntrack_tcp_timeout_established: "86400",
        nf_conntrack_tcp_timeout_close_wait: "3600",
      },
    },
    {
      sentence: "on a small node the table is at least --conntrack-min",
      argv: [proxy],
      cpus: 2,
      writes: {
        nf_conntrack_max: "131072",
        nf_conntrack_tcp_timeout_established: "86400",
        nf_conntrack_tcp_timeout_close_wait: "3600",
      },
    },
    {
      sentence: "on a very large node the table is capped at 1M entries",
      argv: [proxy, "--conntrack-max-per-core", "65536"],
      cpus: 128,
      writes: {
        nf_conntrack_max: "1048576",
        nf_conntrack_tcp_timeout_established: "86400",
        nf_conntrack_tcp_timeout_close_wait: "3600",
      },
    },
    {
      sentence: "zeroes leave everything alone (the README's advice)",
      argv: [
        proxy,
        "--conntrack-max-per-core=0",
        "--conntrack-tcp-timeout-established=0s",
        "--conntrack-tcp-timeout-close-wait=0s",
      ],
      cpus: 8,
      writes: {},
    },
    {
      sentence: "durations in Go's notation, liberal TCP and UDP timeouts from flags",
      argv: [
        proxy,
        "--conntrack-max-per-core=0",
        "--conntrack-tcp-timeout-established=1h30m0s",
        "--conntrack-tcp-timeout-close-wait=90s",
        "--conntrack-tcp-be-liberal",
        "--conntrack-udp-timeout=30s",
        "--conntrack-udp-timeout-stream=2m",
      ],
      cpus: 8,
      writes: {
        nf_conntrack_tcp_timeout_established: "5400",
        nf_conntrack_tcp_timeout_close_wait: "90",
        nf_conntrack_tcp_be_liberal: "1",
        nf_conntrack_udp_timeout: "30",
        nf_conntrack_udp_timeout_stream: "120",
      },
    },
  ])("$sentence", ({ argv, cpus, writes }) => {
    const found = kubeProxyWrites(argv, undefined, cpus);
    expect(Object.fromEntries(found.map((w) => [w.sysctl, w.value]))).toEqual(writes);
  });

  it("with --config, the file's conntrack section wins and the fix names the file", () => {
    const found = kubeProxyWrites(
      [proxy, "--config=/var/lib/kube-proxy/config.conf", "--conntrack-max-per-core=0"],
      {
        conntrack: {
          maxPerCore: 16384,
          min: 0,
          tcpEstablishedTimeout: "2h",
          tcpCloseWaitTimeout: "0s",
        },
      },
      4,
      "/var/lib/kube-proxy/config.conf",
    );
    expect(found).toEqual([
      {
        sysctl: "nf_conntrack_max",
        value: "65536",
        fix: "conntrack.maxPerCore: 0 in /var/lib/kube-proxy/config.conf",
      },
      {
        sysctl: "nf_conntrack_tcp_timeout_established",
        value: "7200",
        fix: "conntrack.tcpEstablishedTimeout: 0s in /var/lib/kube-proxy/config.conf",
      },
    ]);
  });

  it("names the flag that stops each write", () => {
    const found = kubeProxyWrites([proxy], undefined, 8);
    expect(found.map((w) => w.fix)).toEqual([
      "--conntrack-max-per-core=0",
      "--conntrack-tcp-timeout-established=0s",
      "--conntrack-tcp-timeout-close-wait=0s",
    ]);
  });

  it.each([
    ["24h0m0s", 86400],
    ["1h", 3600],
    ["1.5h", 5400],
    ["90s", 90],
    ["0", 0],
    ["1500ms", 1],
    ["soon", undefined],
    ["10", undefined],
  ])("reads the Go duration %s as %s seconds", (text, seconds) => {
    expect(goDurationSeconds(text)).toBe(seconds);
  });
});

const planned = (name: string, file: string, desired: string): PlannedSetting => ({
  name,
  desired,
  target: { kind: "proc", path: `sys/net/netfilter/${file}` },
});

describe("settings kube-proxy also writes", () => {
  const kubeProxy = {
    pid: 812,
    writes: kubeProxyWrites([proxy], undefined, 8),
  };
  const plan = [
    planned("conntrack.max", "nf_conntrack_max", "262144"),
    planned(
      "conntrack.timeouts.tcpEstablishedSeconds",
      "nf_conntrack_tcp_timeout_established",
      "600",
    ),
    planned("conntrack.timeouts.udpSeconds", "nf_conntrack_udp_timeout", "30"),
  ];

  it("are matched by the file both write, and only a different value is a conflict", () => {
    const writers = otherWriters(plan, { kubeProxy });
    expect(writers.map((w) => [w.setting, w.value, w.desired])).toEqual([
      ["conntrack.max", "262144", "262144"],
      ["conntrack.timeouts.tcpEstablishedSeconds", "86400", "600"],
    ]);
    expect(conflicting(writers).map((w) => w.setting)).toEqual([
      "conntrack.timeouts.tcpEstablishedSeconds",
    ]);
  });

  it("name kube-proxy on each setting it writes", () => {
    const results = withOtherWriters(
      plan.map((p) => ({ name: p.name, state: "Applied" as const })),
      otherWriters(plan, { kubeProxy }),
    );
    expect(results.map((r) => r.alsoWrittenBy)).toEqual([
      ["kube-proxy"],
      ["kube-proxy"],
      undefined,
    ]);
  });

  it("make the node Conflicting, with the value, NetTune's and the fix", () => {
    const outcome: RunOutcome = {
      generation: 1,
      mode: "Enforce",
      results: [],
      reverted: [],
      driftCorrected: [],
      inventory: {},
      otherWriters: otherWriters(plan, { kubeProxy }),
    };
    const status = nodeStatus(undefined, outcome, new Date("2026-12-01T00:00:00Z"));
    expect(status.conditions?.find((c) => c.type === "Conflicting")).toMatchObject({
      status: "True",
      reason: "OtherWriters",
      message:
        "kube-proxy (pid 812) writes conntrack.timeouts.tcpEstablishedSeconds=86400 at its start (NetTune holds 600): set --conntrack-tcp-timeout-established=0s",
    });
  });

  it("without kube-proxy, nothing conflicts", () => {
    expect(otherWriters(plan, {})).toEqual([]);
  });
});
