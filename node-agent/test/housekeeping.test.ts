import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatCPUList } from "../../api/helpers/cpu-list.ts";
import { buildTopology } from "../src/facts/cpu-topology.ts";
import { findKubeletCPUs, housekeepingCPUs, sharedPool } from "../src/facts/kubelet-cpus.ts";
import { hostPathsUnder } from "../src/host/paths.ts";
import { HousekeepingWatch } from "../src/runtime/housekeeping-watch.ts";
import { usesHousekeeping } from "../src/facts/snapshot.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";
import { resolveCPUSet } from "../src/tuners/cpu-sets.ts";
import { twoSocket } from "./fixtures/two-socket-host.ts";

const online = Array.from({ length: 32 }, (_, cpu) => cpu);

// The static CPU manager's state file as kubelet v1.36 writes it (checkpoint format v2).
const staticState = (defaultCpuSet: string): string =>
  JSON.stringify({
    policyName: "static",
    defaultCpuSet,
    entries: { "6f1c9a4e-0000-4000-8000-000000000001": { app: "2-7,18-23" } },
    checksum: 1234567890,
  });

describe("the kubelet's housekeeping CPUs", () => {
  it.each([
    {
      sentence: "the reserved CPUs win over the shared pool",
      settings: {
        reserved: { list: "0,16", from: "--reserved-cpus" },
        shared: { list: "0-1,8-17,24-31", from: "/var/lib/kubelet/cpu_manager_state" },
      },
      cpus: "0,16",
      source: "the kubelet's reserved CPUs (--reserved-cpus)",
    },
    {
      sentence: "without a reservation, the CPUs no Guaranteed pod holds",
      settings: { shared: { list: "0-1,8-17,24-31", from: "/var/lib/kubelet/cpu_manager_state" } },
      cpus: "0-1,8-17,24-31",
      source: "the CPU manager's shared pool (/var/lib/kubelet/cpu_manager_state)",
    },
    {
      sentence: "a reservation the kubelet would refuse is passed over",
      settings: {
        reserved: { list: "7-3", from: "--reserved-cpus" },
        shared: { list: "8-15", from: "/var/lib/kubelet/cpu_manager_state" },
      },
      cpus: "8-15",
      source: "the CPU manager's shared pool (/var/lib/kubelet/cpu_manager_state)",
    },
    {
      sentence: "offline CPUs are left out, and none online falls through",
      settings: { reserved: { list: "40-47", from: "--reserved-cpus" } },
      cpus: "0-31",
      source: "every online CPU (no kubelet CPU reservation or CPU manager state found)",
    },
    {
      sentence: "no kubelet at all: every online CPU",
      settings: {},
      cpus: "0-31",
      source: "every online CPU (no kubelet CPU reservation or CPU manager state found)",
    },
  ])("$sentence", ({ settings, cpus, source }) => {
    const found = housekeepingCPUs(settings, online);
    expect(formatCPUList(found.cpus)).toBe(cpus);
    expect(found.source).toBe(source);
  });

  it.each([
    {
      sentence: "the static policy's shared pool",
      text: staticState("0-1,8-31"),
      pool: "0-1,8-31",
    },
    {
      sentence: "the none policy has no pool",
      text: '{"policyName":"none","defaultCpuSet":""}',
      pool: undefined,
    },
    {
      sentence: "a half-written file reads as nothing",
      text: '{"policyName":"sta',
      pool: undefined,
    },
  ])("reads $sentence from the CPU manager state", ({ text, pool }) => {
    expect(sharedPool(text)).toBe(pool);
  });
});

describe("housekeeping CPU sets on a two-socket host", () => {
  const topology = buildTopology({
    online: "0-31",
    siblings: new Map(online.map((cpu) => [cpu, `${cpu % 16},${(cpu % 16) + 16}`])),
    nodes: new Map(
      Object.entries(twoSocket.nodeCPUs).map(([node, cpus]) => [
        Number(node),
        formatCPUList([...cpus]),
      ]),
    ),
  });
  // A Guaranteed pod holds 2-7 and 18-23 on socket 0; socket 1 is all shared.
  topology.housekeeping = housekeepingCPUs(
    { shared: { list: "0-1,8-17,24-31", from: "state" } },
    topology.online,
  );

  it.each([
    {
      sentence: "housekeeping keeps NIC work off the pod's CPUs",
      set: "housekeeping",
      node: 1,
      cpus: "0-1,8-17,24-31",
    },
    {
      sentence: "numa-local-housekeeping keeps it on the NIC's socket too",
      set: "numa-local-housekeeping",
      node: 1,
      cpus: "8-15,24-31",
    },
    {
      sentence: "numa-local-housekeeping on socket 0 is what the pod left there",
      set: "numa-local-housekeeping",
      node: 0,
      cpus: "0-1,16-17",
    },
  ])("$sentence", ({ set, node, cpus }) => {
    const resolved = resolveCPUSet(set, topology, node);
    expect("cpus" in resolved ? formatCPUList(resolved.cpus) : resolved.error).toBe(cpus);
  });
});

describe("the kubelet as its process shows it", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("reads --config's reservedSystemCPUs and the state file under --root-dir through /proc", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nettune-kubelet-"));
    await mkdir(path.join(dir, "root"), { recursive: true });
    await writeFile(
      path.join(dir, "config.yaml"),
      "kind: KubeletConfiguration\nreservedSystemCPUs: 0-1\n",
    );
    await writeFile(path.join(dir, "root/cpu_manager_state"), staticState("0-1,4-7"));
    // A process named kubelet with the kubelet's flags: its /proc entry is what the agent reads.
    const kubelet = spawn(
      process.execPath,
      [
        "-e",
        "console.log('up'); setTimeout(() => {}, 60000)",
        "--",
        `--config=${dir}/config.yaml`,
        `--root-dir=${dir}/root`,
      ],
      { argv0: "/usr/bin/kubelet", stdio: ["ignore", "pipe", "ignore"] },
    );
    cleanups.push(async () => {
      kubelet.kill();
      await rm(dir, { recursive: true, force: true });
    });
    // Its first output comes after exec: /proc shows its flags from then on.
    await new Promise((resolve) => kubelet.stdout.once("data", resolve));
    const settings = await findKubeletCPUs(hostPathsUnder("/", "/nonexistent"));
    expect(settings.reserved).toEqual({
      list: "0-1",
      from: `reservedSystemCPUs in ${dir}/config.yaml`,
    });
    expect(settings.shared).toEqual({ list: "0-1,4-7", from: `${dir}/root/cpu_manager_state` });
  });
});

describe("the watch on the kubelet's CPUs", () => {
  it("calls back when a pod takes or frees CPUs, and only while a spec asks", async () => {
    let pool = "0-31";
    let changes = 0;
    const watch = new HousekeepingWatch(
      () => Promise.resolve({ shared: pool }),
      () => changes++,
    );
    await watch.sample(true);
    await watch.sample(true);
    expect(changes).toBe(0);
    pool = "0-1,8-31";
    await watch.sample(true);
    expect(changes).toBe(1);
    await watch.sample(false);
    pool = "0-31";
    await watch.sample(true);
    expect(changes).toBe(1);
  });
});

describe("whether a spec needs the kubelet's housekeeping CPUs read", () => {
  it.each<{ sentence: string; spec: NodeNetworkTuningSpec; want: boolean }>([
    {
      sentence: "device IRQs on housekeeping do",
      spec: { deviceIRQs: { cpus: "housekeeping" } },
      want: true,
    },
    {
      sentence: "device IRQs on a CPU list do not",
      spec: { deviceIRQs: { cpus: "0-1" } },
      want: false,
    },
    {
      sentence: "a housekeeping-cpus channel count does",
      spec: {
        interfaces: [{ match: { names: ["eth0"] }, channels: { combined: "housekeeping-cpus" } }],
      },
      want: true,
    },
    {
      sentence: "RPS on numa-local-housekeeping does",
      spec: {
        interfaces: [{ match: { names: ["eth0"] }, rps: { cpus: "numa-local-housekeeping" } }],
      },
      want: true,
    },
    {
      sentence: "a spec of sysctls does not",
      spec: { sysctls: { "net.core.somaxconn": "4096" } },
      want: false,
    },
  ])("$sentence", ({ spec, want }) => {
    expect(usesHousekeeping(spec)).toBe(want);
  });
});
