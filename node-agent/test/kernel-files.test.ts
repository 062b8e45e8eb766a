// Which host files the agent reads synchronously, and that such a read keeps every rule of an
// asynchronous one. The files are real ones in a temporary root: the same hostile thing is
// planted once where a synchronous read meets it (a sysctl) and once where an asynchronous one
// does (a file under etc/), and both must answer alike.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HostDataError,
  hostPathExists,
  listHostDir,
  readHostFile,
  readHostLink,
} from "../src/host/host-read.ts";
import { readlinkSync } from "node:fs";
import { answersAtOnce, kernelResolvedPath } from "../src/host/kernel-files.ts";

describe("files read synchronously", () => {
  it.each([
    { sentence: "a sysctl", relative: "proc/sys/net/core/somaxconn", atOnce: true },
    {
      sentence: "conntrack's per-CPU counters",
      relative: "proc/net/stat/nf_conntrack",
      atOnce: true,
    },
    { sentence: "softnet's counters", relative: "proc/net/softnet_stat", atOnce: true },
    { sentence: "the TcpExt counters", relative: "proc/net/netstat", atOnce: true },
    { sentence: "interrupt counts", relative: "proc/interrupts", atOnce: true },
    { sentence: "an IRQ's CPUs", relative: "proc/irq/41/smp_affinity_list", atOnce: true },
    {
      sentence: "an RX queue's RPS mask",
      relative: "sys/class/net/eth0/queues/rx-3/rps_cpus",
      atOnce: true,
    },
    {
      sentence: "a NIC's drop counter",
      relative: "sys/class/net/eth0/statistics/rx_missed_errors",
      atOnce: true,
    },
    { sentence: "a NIC's queue length", relative: "sys/class/net/eth0/tx_queue_len", atOnce: true },
    { sentence: "the online CPUs", relative: "sys/devices/system/cpu/online", atOnce: true },
    {
      sentence: "a process's command line (waits for its memory map)",
      relative: "proc/123/cmdline",
      atOnce: false,
    },
    {
      sentence: "the connection table itself (millions of lines)",
      relative: "proc/net/nf_conntrack",
      atOnce: false,
    },
    {
      sentence: "an XPS mask (waits for the RTNL lock)",
      relative: "sys/class/net/eth0/queues/tx-0/xps_cpus",
      atOnce: false,
    },
    {
      sentence: "a link's speed (waits for the RTNL lock)",
      relative: "sys/class/net/eth0/speed",
      atOnce: false,
    },
    {
      sentence: "a NIC's PCI attributes (the driver's)",
      relative: "sys/class/net/eth0/device/vendor",
      atOnce: false,
    },
    { sentence: "a file on disk", relative: "etc/resolv.conf", atOnce: false },
    {
      sentence: "the kubelet's configuration",
      relative: "var/lib/kubelet/config.yaml",
      atOnce: false,
    },
  ])("$sentence: $atOnce", ({ relative, atOnce }) => {
    expect(answersAtOnce(relative)).toBe(atOnce);
  });
});

describe("kernel files resolved by the kernel", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "nettune-root-"));
    await mkdir(path.join(root, "sys/class/net"), { recursive: true });
    await symlink("/proc", path.join(root, "proc"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    {
      sentence: "a sysctl under the machine's own procfs, in one open",
      where: () => "/",
      relative: "proc/sys/kernel/osrelease",
      want: "/proc/sys/kernel/osrelease",
    },
    {
      sentence: "a queue's file under the machine's own sysfs, in one open",
      where: () => "/",
      relative: "sys/class/net/lo/queues/rx-0/rps_cpus",
      want: "/sys/class/net/lo/queues/rx-0/rps_cpus",
    },
    {
      sentence: "a look-alike sys that is a plain directory: walked",
      where: () => root,
      relative: "sys/class/net/lo/tx_queue_len",
      want: undefined,
    },
    {
      sentence: "a proc that is a link to the kernel's /proc: walked",
      where: () => root,
      relative: "proc/sys/kernel/osrelease",
      want: undefined,
    },
    {
      sentence: "a process's root, a link to anywhere: walked",
      where: () => "/",
      relative: "proc/1/root/etc/hostname",
      want: undefined,
    },
    {
      sentence: "a NIC's device link under sysfs, in one call",
      where: () => "/",
      relative: "sys/class/net/lo/subsystem",
      want: "/sys/class/net/lo/subsystem",
    },
    {
      sentence: "a file outside proc and sys: walked",
      where: () => "/",
      relative: "etc/hostname",
      want: undefined,
    },
  ])("$sentence", ({ where, relative, want }) => {
    expect(kernelResolvedPath(where(), relative)).toBe(want);
  });

  it("lists, reads links and finds paths as the kernel has them", async () => {
    expect(await listHostDir("/", "/sys/class/net")).toContain("lo");
    expect(await readHostLink("/", "/sys/class/net/lo/subsystem")).toBe(
      readlinkSync("/sys/class/net/lo/subsystem"),
    );
    expect(await hostPathExists("/", "/sys/class/net/lo/subsystem")).toBe(true);
    expect(await hostPathExists("/", "/sys/class/net/lo/no-such-file")).toBe(false);
  });

  it("reads what the kernel says, either way", async () => {
    const want = await readFile("/proc/sys/kernel/osrelease", "utf8");
    expect(await readHostFile("/", "/proc/sys/kernel/osrelease")).toBe(want);
    // The walk reads the link as the node would: "/proc" is the root's proc, the link itself.
    await expect(readHostFile(root, path.join(root, "proc/sys/kernel/osrelease"))).rejects.toThrow(
      /too many symlinks/,
    );
  });
});

describe("a synchronous read keeps the rules of an asynchronous one", () => {
  let root: string;
  let outside: string;
  const atOnce = "proc/sys/net/core/somaxconn";
  const later = "etc/somaxconn";
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "nettune-root-"));
    outside = await mkdtemp(path.join(tmpdir(), "nettune-outside-"));
    await mkdir(path.join(root, "proc/sys/net/core"), { recursive: true });
    await mkdir(path.join(root, "etc"), { recursive: true });
    await writeFile(path.join(outside, "secret"), "4096\n");
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** What a read answers: its text, absent, or the HostDataError's message without the path. */
  async function answer(relative: string, limit?: number): Promise<string> {
    try {
      const text = await readHostFile(root, path.join(root, relative), limit);
      return text === undefined ? "absent" : `text ${text}`;
    } catch (error) {
      if (!(error instanceof HostDataError)) throw error;
      return `refused: ${error.message.replace(path.join(root, relative), "FILE")}`;
    }
  }

  it.each([
    { sentence: "a plain file is read whole", plant: (f: string) => writeFile(f, "8192\n") },
    { sentence: "an absent file reads as absent", plant: () => Promise.resolve() },
    {
      sentence: "a file past the limit is refused",
      plant: (f: string) => writeFile(f, "x".repeat(64)),
      limit: 16,
    },
    {
      sentence: "a file of several reads is read whole",
      plant: (f: string) => writeFile(f, "y".repeat(40_000)),
    },
    {
      sentence: "a FIFO is refused without waiting on it",
      plant: (f: string) => promisify(execFile)("mkfifo", [f]),
    },
    { sentence: "a directory is refused", plant: (f: string) => mkdir(f) },
    {
      sentence: "an absolute link out of the root is followed inside the root only",
      plant: (f: string) => symlink(path.join(outside, "secret"), f),
    },
    {
      sentence: "a climbing link out of the root stays inside the root",
      plant: (f: string) => symlink(`../../../../../../../..${path.join(outside, "secret")}`, f),
    },
    {
      sentence: "a link loop is refused",
      plant: async (f: string) => {
        await symlink(`${path.basename(f)}.b`, f);
        await symlink(path.basename(f), `${f}.b`);
      },
    },
  ])("$sentence", async ({ plant, limit }) => {
    expect(answersAtOnce(atOnce)).toBe(true);
    expect(answersAtOnce(later)).toBe(false);
    await plant(path.join(root, atOnce));
    await plant(path.join(root, later));
    const [synchronous, asynchronous] = [await answer(atOnce, limit), await answer(later, limit)];
    expect(synchronous).toBe(asynchronous);
    expect(synchronous).not.toContain("4096");
  });
});
