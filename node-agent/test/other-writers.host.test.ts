// TuneD, NetworkManager and udev as the agent finds them on a node: a process
// of that name in the agent's network namespace, whose files are read through
// /proc/PID/root. The processes here stand in for the daemons (TuneD's is run
// by python3); their files (Debian's TuneD 2.20 profiles, a NetworkManager
// keyfile, a .link file) are laid over /etc and /usr/lib in a mount namespace
// of their own, so the machine's own /etc and /usr/lib are never changed.
import { spawn, type ChildProcess } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { Sandbox } from "../../test/harness/netns.ts";
import { waitUntil } from "../../test/harness/wait.ts";

const shipped = path.join(import.meta.dirname, "fixtures/tuned-2.20");

let withTuned: Sandbox;
let without: Sandbox;
let work: string;
const standIns: ChildProcess[] = [];

/** Writes the files the daemons read: TuneD's active profile, a connection, a .link file. */
async function writeEtc(): Promise<void> {
  const files: Record<string, string> = {
    "etc/tuned/active_profile": "network-throughput\n",
    "etc/NetworkManager/system-connections/vA.nmconnection":
      "[connection]\nid=vA\ntype=veth\ninterface-name=vA\n\n[ethtool]\nfeature-gro=false\n",
    "etc/systemd/network/10-vA.link":
      "[Match]\nOriginalName=vA\n\n[Link]\nTransmitQueueLength=1000\n",
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, file)), { recursive: true });
    await writeFile(path.join(work, file), text);
  }
  await mkdir(path.join(work, "sbin"));
  for (const program of ["tuned", "NetworkManager", "systemd-udevd"])
    await writeFile(path.join(work, "sbin", program), "setInterval(() => {}, 1 << 30);\n");
}

/** Starts a stand-in daemon inside `sandbox`, its argv[0] as the real one's, over the laid files. */
async function startStandIn(
  sandbox: Sandbox,
  argv0: string,
  program: string,
): Promise<ChildProcess> {
  const script = [
    `mount -t overlay nettune-etc -o lowerdir=${work}/etc:/etc /etc`,
    `mount -t overlay nettune-lib -o lowerdir=${shipped}/usr/lib:/usr/lib /usr/lib`,
    `exec -a ${argv0} ${process.execPath} ${work}/sbin/${program} -l -P`,
  ].join(" && ");
  const child = spawn(
    "ip",
    [
      "netns",
      "exec",
      sandbox.name,
      "unshare",
      "-m",
      "--propagation",
      "private",
      "bash",
      "-c",
      script,
    ],
    { stdio: "ignore" },
  );
  standIns.push(child);
  await waitUntil(
    `the stand-in ${program} sees its files`,
    async () =>
      access(`/proc/${child.pid}/root/usr/lib/tuned/network-throughput/tuned.conf`).then(
        () => true,
        () => false,
      ),
    10_000,
    100,
  );
  return child;
}

async function plan(
  sandbox: Sandbox,
  spec: Record<string, unknown>,
): Promise<{
  results: SettingResult[];
  conflicts: string[];
}> {
  const file = path.join(
    work,
    `tuning-${sandbox.name}-${Math.random().toString(36).slice(2)}.yaml`,
  );
  await writeFile(
    file,
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: "t" },
      spec,
    }),
  );
  const run = await sandbox.agent([
    "plan",
    "--file",
    file,
    "--run-dir",
    path.join(work, `run-${sandbox.name}`),
    "--output",
    "json",
  ]);
  if (run.code !== 0) throw new Error(`plan failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { results: SettingResult[]; conflicts: string[] };
}

let tuned: ChildProcess;
let networkManager: ChildProcess;
let udevd: ChildProcess;

beforeAll(async () => {
  machineBefore = await machineFiles();
  work = await mkdtemp(path.join(tmpdir(), "nettune-writers-"));
  withTuned = await Sandbox.create();
  without = await Sandbox.create();
  await writeEtc();
  // TuneD's daemon is a Python program: its argv[0] is the interpreter.
  tuned = await startStandIn(withTuned, "/usr/bin/python3", "tuned");
  networkManager = await startStandIn(withTuned, "/usr/sbin/NetworkManager", "NetworkManager");
  udevd = await startStandIn(withTuned, "/lib/systemd/systemd-udevd", "systemd-udevd");
});

afterAll(async () => {
  for (const child of standIns) child.kill("SIGKILL");
  await withTuned.destroy();
  await without.destroy();
  await rm(work, { recursive: true, force: true });
  // The overlays lived in the stand-ins' mount namespaces only.
  expect(await machineFiles()).toEqual(machineBefore);
});

const laidFiles = [
  "/etc/tuned/active_profile",
  "/etc/NetworkManager/system-connections/vA.nmconnection",
  "/etc/systemd/network/10-vA.link",
];
let machineBefore: Record<string, string>;

/** The machine's own copies of the files the stand-ins see ("absent" where there is none). */
async function machineFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const file of laidFiles) files[file] = await readFile(file, "utf8").catch(() => "absent");
  return files;
}

describe("programs that write settings, running in the agent's network namespace", () => {
  const spec = {
    sysctls: { "net.ipv4.tcp_rmem": "4096 131072 16777216", "net.core.somaxconn": "8192" },
  };

  it("TuneD is named on each setting its active profile writes, and its different value is a conflict with the line to change", async () => {
    const { results, conflicts } = await plan(withTuned, spec);
    const writers = Object.fromEntries(results.map((r) => [r.name, r.alsoWrittenBy]));
    expect(writers).toEqual({
      "sysctl/net.ipv4.tcp_rmem": ["tuned"],
      "sysctl/net.core.somaxconn": ["tuned"],
    });
    // somaxconn=>2048 only raises: NetTune's 8192 stands.
    expect(conflicts).toEqual([
      `TuneD (pid ${tuned.pid}, profile network-throughput) writes sysctl/net.ipv4.tcp_rmem=4096 87380 16777216 at its start (NetTune holds 4096 131072 16777216): remove [sysctl] net.ipv4.tcp_rmem in /usr/lib/tuned/network-throughput/tuned.conf, or set it to NetTune's value there`,
    ]);
  });

  it("NetworkManager and udev are named on the NIC settings their files set", async () => {
    const { results, conflicts } = await plan(withTuned, {
      interfaces: [
        {
          match: { names: ["vA"], physicalOnly: false },
          offloads: { gro: true },
          txQueueLength: 5000,
        },
      ],
    });
    const writers = Object.fromEntries(results.map((r) => [r.name, r.alsoWrittenBy]));
    expect(writers).toMatchObject({
      "vA/offloads.gro": ["networkmanager"],
      "vA/txqueuelen": ["udev"],
    });
    expect(conflicts).toEqual([
      `NetworkManager (pid ${networkManager.pid}) writes vA/offloads.gro=off when the connection comes up (NetTune holds on): remove [ethtool] feature-gro in /etc/NetworkManager/system-connections/vA.nmconnection, or set it to NetTune's value there`,
      `systemd-udevd (pid ${udevd.pid}) writes vA/txqueuelen=1000 when the NIC appears (NetTune holds 5000): remove [Link] TransmitQueueLength in /etc/systemd/network/10-vA.link, or set it to NetTune's value there`,
    ]);
  });

  it("are nobody's business in another network namespace", async () => {
    const { results, conflicts } = await plan(without, spec);
    expect(results.map((r) => r.alsoWrittenBy)).toEqual([undefined, undefined]);
    expect(conflicts).toEqual([]);
  });
});
