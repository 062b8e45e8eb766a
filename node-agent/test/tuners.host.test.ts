import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { Sandbox } from "../../test/harness/netns.ts";

const snapshotScript = path.resolve(import.meta.dirname, "../../test/harness/snapshot.ts");

const resolvConfText = `# written by the test
nameserver 10.96.0.10
search default.svc.cluster.local svc.cluster.local cluster.local
options ndots:5 timeout:5
`;

/** A profile touching every setting a veth in a namespace can hold, and some it cannot. */
function fullProfile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name: "veth-profile" },
    spec: {
      interfaces: [
        {
          match: { names: ["vA"], physicalOnly: false },
          channels: { rx: 2, tx: 3 },
          rings: { rx: "max", tx: 1024 },
          coalesce: { adaptiveRx: true, rxUsecs: 50 },
          offloads: { gro: true, tso: false },
          txQueueLength: 5000,
          rps: { cpus: "all", flowEntries: 4096 },
          xps: { spread: "all" },
          irqAffinity: { policy: "Spread" },
        },
      ],
      conntrack: { timeouts: { tcpEstablishedSeconds: 3600, udpSeconds: 20 }, tcpBeLiberal: true },
      dns: { node: { singleRequest: "single-request-reopen", timeout: 2, attempts: 3 } },
      sysctls: { "net.core.somaxconn": "8192", "net.ipv4.tcp_rmem": "4096 131072 8388608" },
      ...overrides,
    },
  };
}

let sandbox: Sandbox;
let work: string;
let resolvConf: string;
let runDir: string;

async function writeProfile(profile: Record<string, unknown>): Promise<string> {
  const file = path.join(work, `tuning-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, stringify(profile));
  return file;
}

async function agent(
  command: string,
  file?: string,
  ...extra: string[]
): Promise<{ code: number; signal?: string; results: SettingResult[]; stderr: string }> {
  const args = [
    command,
    "--run-dir",
    runDir,
    "--resolv-conf",
    resolvConf,
    "--output",
    "json",
    ...extra,
  ];
  if (file) args.push("--file", file);
  const result = await sandbox.agent(args);
  const parsed = result.stdout.trim()
    ? (JSON.parse(result.stdout) as { results: SettingResult[] })
    : { results: [] };
  return {
    code: result.code,
    ...(result.signal ? { signal: result.signal } : {}),
    results: parsed.results,
    stderr: result.stderr,
  };
}

async function snapshot(): Promise<Record<string, string>> {
  const result = await sandbox.exec(process.execPath, [snapshotScript, resolvConf]);
  if (result.code !== 0) throw new Error(`snapshot failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, string>;
}

async function cat(file: string): Promise<string> {
  return (await sandbox.exec("cat", [file])).stdout.trim();
}

const byName = (results: SettingResult[], name: string): SettingResult | undefined =>
  results.find((r) => r.name === name);

// The agent must only ever touch the resolv.conf it is pointed at.
let hostResolvConf: string;
beforeAll(async () => {
  hostResolvConf = await readFile("/etc/resolv.conf", "utf8");
});
afterAll(async () => {
  expect(await readFile("/etc/resolv.conf", "utf8")).toBe(hostResolvConf);
});

beforeEach(async () => {
  sandbox = await Sandbox.create();
  work = await mkdtemp(path.join(tmpdir(), "nettune-host-"));
  resolvConf = path.join(work, "resolv.conf");
  runDir = path.join(work, "run");
  await writeFile(resolvConf, resolvConfText);
});

afterEach(async () => {
  await sandbox.destroy();
  await rm(work, { recursive: true, force: true });
});

describe("tuners on a real kernel (4-queue veth in a network namespace)", () => {
  it("applies channels, offloads, txqueuelen, RPS/RFS/XPS, conntrack timeouts, resolver options and sysctls, and reads them back", async () => {
    const { code, results } = await agent("apply", await writeProfile(fullProfile()));
    expect(code).toBe(0);
    const ethtoolL = (await sandbox.exec("ethtool", ["-l", "vA"])).stdout;
    expect(ethtoolL.split("Current hardware settings:")[1]).toMatch(/RX:\s+2\nTX:\s+3/);
    const features = (await sandbox.exec("ethtool", ["-k", "vA"])).stdout;
    expect(features).toMatch(/^generic-receive-offload: on/m);
    expect(features).toMatch(/^tcp-segmentation-offload: off/m);
    expect(await cat("/sys/class/net/vA/tx_queue_len")).toBe("5000");
    const allCPUs = (await cat("/sys/devices/system/cpu/online")) === "0" ? "1" : undefined;
    for (const queue of [0, 1]) {
      expect(await cat(`/sys/class/net/vA/queues/rx-${queue}/rps_cpus`)).not.toMatch(/^0+$/);
      expect(await cat(`/sys/class/net/vA/queues/rx-${queue}/rps_flow_cnt`)).toBe("2048");
    }
    for (const queue of [0, 1, 2])
      expect(await cat(`/sys/class/net/vA/queues/tx-${queue}/xps_cpus`)).not.toMatch(/^0+$/);
    if (allCPUs) expect(await cat("/sys/class/net/vA/queues/rx-0/rps_cpus")).toMatch(/1$/);
    expect(await cat("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established")).toBe("3600");
    expect(await cat("/proc/sys/net/netfilter/nf_conntrack_udp_timeout")).toBe("20");
    expect(await cat("/proc/sys/net/netfilter/nf_conntrack_tcp_be_liberal")).toBe("1");
    expect(await cat("/proc/sys/net/core/somaxconn")).toBe("8192");
    expect((await cat("/proc/sys/net/ipv4/tcp_rmem")).split(/\s+/)).toEqual([
      "4096",
      "131072",
      "8388608",
    ]);
    expect(await readFile(resolvConf, "utf8")).toBe(`# written by the test
nameserver 10.96.0.10
search default.svc.cluster.local svc.cluster.local cluster.local
options ndots:5 single-request-reopen timeout:2 attempts:3
`);
    expect(byName(results, "vA/channels.rx")).toMatchObject({
      state: "Applied",
      original: "4",
      observed: "2",
    });
    expect(byName(results, "dns.node.options")).toMatchObject({
      state: "Applied",
      original: "ndots:5 timeout:5",
    });
  });

  it("reports rings and coalescing on veth as Unsupported without stopping the other settings", async () => {
    const { code, results } = await agent("apply", await writeProfile(fullProfile()));
    expect(code).toBe(0);
    for (const name of [
      "vA/rings.rx",
      "vA/rings.tx",
      "vA/coalesce.adaptive-rx",
      "vA/coalesce.rx-usecs",
    ]) {
      expect(byName(results, name)).toMatchObject({
        state: "Unsupported",
        reason: "NotSupportedByDriver",
      });
    }
    expect(byName(results, "vA/rings.rx")?.message).toBe(
      "vA rings rx=max: driver veth does not support ring changes",
    );
    expect(byName(results, "vA/irq-affinity")).toMatchObject({
      state: "Skipped",
      reason: "NoQueueIRQs",
    });
    expect(byName(results, "vA/txqueuelen")).toMatchObject({ state: "Applied" });
  });

  it("reverts every touched value exactly, compared snapshot to snapshot", async () => {
    const before = await snapshot();
    expect((await agent("apply", await writeProfile(fullProfile()))).code).toBe(0);
    expect(await snapshot()).not.toEqual(before);
    const reverted = await agent("revert");
    expect(reverted.code).toBe(0);
    expect(reverted.results.every((r) => r.state === "Reverted")).toBe(true);
    expect(await snapshot()).toEqual(before);
  });

  it("plans in Audit mode without writing anything", async () => {
    const before = await snapshot();
    const { code, results } = await agent("plan", await writeProfile(fullProfile()));
    expect(code).toBe(0);
    expect(byName(results, "vA/txqueuelen")).toMatchObject({
      state: "WouldChange",
      observed: "1000",
      desired: "5000",
    });
    expect(await snapshot()).toEqual(before);
  });

  it("reverts what a tuning no longer asks for when it is applied again", async () => {
    const before = await snapshot();
    await agent("apply", await writeProfile(fullProfile()));
    const narrower = fullProfile();
    const spec = narrower.spec as { interfaces: Record<string, unknown>[] };
    spec.interfaces = [{ match: { names: ["vA"], physicalOnly: false }, txQueueLength: 5000 }];
    const { results } = await agent("apply", await writeProfile(narrower));
    expect(results.filter((r) => r.state === "Reverted").map((r) => r.name)).toContain(
      "vA/rx-0/rps_cpus",
    );
    const after = await snapshot();
    expect(after["/sys/class/net/vA/queues/rx-0/rps_cpus"]).toBe(
      before["/sys/class/net/vA/queues/rx-0/rps_cpus"],
    );
    expect(after["ethtool -l vA"]).toBe(before["ethtool -l vA"]);
    expect(after["/sys/class/net/vA/tx_queue_len"]).toBe("5000\n");
  });

  it("still reverts exactly after the agent is killed between two writes and started again", async () => {
    const before = await snapshot();
    const file = await writeProfile(fullProfile());
    const killed = await agent("apply", file, "--kill-before-write", "6");
    expect(killed.signal).toBe("SIGKILL");
    expect(await snapshot()).not.toEqual(before);
    expect((await agent("apply", file)).code).toBe(0);
    expect((await agent("revert")).code).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  const renameTo = async (from: string, to: string): Promise<void> => {
    for (const args of [
      ["link", "set", from, "down"],
      ["link", "set", from, "name", to],
      ["link", "set", to, "up"],
    ])
      expect((await sandbox.exec("ip", args)).code).toBe(0);
  };
  const queueProfile = (match: Record<string, unknown>): Record<string, unknown> =>
    fullProfile({
      interfaces: [
        { match: { ...match, physicalOnly: false }, txQueueLength: 5000, rps: { cpus: "all" } },
      ],
    });

  it("follows a renamed interface by its identity: revert restores its originals under the new name", async () => {
    const before = await snapshot();
    expect((await agent("apply", await writeProfile(queueProfile({ names: ["vA"] })))).code).toBe(
      0,
    );
    await renameTo("vA", "vR");
    const reverted = await agent("revert");
    expect(reverted.code).toBe(0);
    expect(byName(reverted.results, "vR/txqueuelen")).toMatchObject({
      state: "Reverted",
      observed: before["/sys/class/net/vA/tx_queue_len"]?.trim(),
    });
    expect(await cat("/sys/class/net/vR/tx_queue_len")).toBe(
      before["/sys/class/net/vA/tx_queue_len"]?.trim(),
    );
    expect(await cat("/sys/class/net/vR/queues/rx-0/rps_cpus")).toBe(
      before["/sys/class/net/vA/queues/rx-0/rps_cpus"]?.trim(),
    );
  });

  it("a renamed interface that the spec matches again keeps its first originals, not the tuned values", async () => {
    const before = await snapshot();
    const file = await writeProfile(queueProfile({ namePattern: "v[AR]" }));
    expect((await agent("apply", file)).code).toBe(0);
    await renameTo("vA", "vR");
    expect((await agent("apply", file)).code).toBe(0);
    expect(await cat("/sys/class/net/vR/tx_queue_len")).toBe("5000");
    expect((await agent("revert")).code).toBe(0);
    expect(await cat("/sys/class/net/vR/tx_queue_len")).toBe(
      before["/sys/class/net/vA/tx_queue_len"]?.trim(),
    );
  });

  it("discards originals recorded under another boot_id instead of reverting to them", async () => {
    await agent("apply", await writeProfile(fullProfile()));
    const stateFile = path.join(runDir, "originals.json");
    const state = JSON.parse(await readFile(stateFile, "utf8")) as {
      bootId: string;
      entries: unknown[];
    };
    expect(state.entries.length).toBeGreaterThan(0);
    // As an earlier agent wrote it (version 1 has no checksum), under another boot.
    await writeFile(
      stateFile,
      JSON.stringify({
        version: 1,
        bootId: "00000000-0000-0000-0000-000000000000",
        entries: state.entries,
      }),
    );
    const applied = await snapshot();
    const reverted = await agent("revert");
    expect(reverted.results).toEqual([]);
    expect(await snapshot()).toEqual(applied);
    const saved = JSON.parse(await readFile(stateFile, "utf8")) as {
      bootId: string;
      entries: unknown[];
    };
    expect(saved.entries).toEqual([]);
    expect(saved.bootId).not.toBe("00000000-0000-0000-0000-000000000000");
  });

  it.each([
    {
      name: "a sysctl outside the allowlist",
      overrides: { sysctls: { "kernel.panic": "1", "net.core.somaxconn": "8192" } },
      message: /kernel\.panic/,
    },
    {
      name: "a sysctl key with a parent segment",
      overrides: { sysctls: { "net.ipv4..conf": "1" } },
      message: /sysctl key net\.ipv4\.\.conf is not accepted/,
    },
    {
      name: "an interface name that climbs out of sysfs",
      overrides: { interfaces: [{ match: { names: ["../../etc"] }, txQueueLength: 1 }] },
      message: /spec\.interfaces\[0\]\.match\.names\[0\]/,
    },
    {
      name: "a huge txqueuelen",
      overrides: {
        interfaces: [{ match: { names: ["vA"], physicalOnly: false }, txQueueLength: 10 ** 12 }],
      },
      message: /spec\.interfaces\[0\]\.txQueueLength/,
    },
    {
      name: "a huge sysctl value",
      overrides: { sysctls: { "net.core.somaxconn": "9".repeat(300) } },
      message: /spec\.sysctls\.net\.core\.somaxconn/,
    },
    {
      name: "an RPS CPU list with a shell command",
      overrides: {
        interfaces: [{ match: { names: ["vA"], physicalOnly: false }, rps: { cpus: "0;reboot" } }],
      },
      message: /spec\.interfaces\[0\]\.rps\.cpus/,
    },
  ])("refuses $name before any write", async ({ overrides, message }) => {
    const before = await snapshot();
    const profile = fullProfile(overrides);
    const { code, stderr } = await agent("apply", await writeProfile(profile));
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(await snapshot()).toEqual(before);
  });
});
