import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { unixToTCP } from "../agent-process.ts";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../../..");

export interface GuestRun {
  /** What the job wrote into /job, by file name. */
  read(file: string): Promise<string>;
  /** The serial console, for a look after a failure. */
  console: string;
  removeWork(): Promise<void>;
}

/**
 * Boots one QEMU guest with real NIC drivers and runs `script` in it as PID 1
 * (from the repository's root; `npm run build` first, as the guest runs dist/),
 * then powers it off. The guest's root is the machine's own filesystem (a
 * read-only 9p share under a tmpfs overlay), so it runs this repository and
 * Node 24 as they are; /job is a writable share for the results. Its NICs:
 * a 4-queue virtio-net on a multi-queue tap, an e1000e and a vmxnet3 on an
 * isolated QEMU hub; two NUMA nodes with two hyper-threads each, virtio-net
 * and e1000e on node 1's PCIe expander. QEMU runs inside a network namespace made for it, with
 * no route out, and both are gone when this returns.
 */
export interface GuestOptions {
  /** Files the job finds in /job. */
  files?: Record<string, string>;
  timeoutMs?: number;
  /**
   * Let the job reboot the guest (`/busybox reboot -f`): QEMU starts it again
   * and the job runs anew (/job keeps what it wrote). Off, a reboot ends QEMU.
   */
  allowReboot?: boolean;
  /**
   * The port of an API server on the machine's loopback: the guest's e1000e
   * then sits on a second tap, and the guest reaches the API server at
   * https://10.77.0.1:PORT once it gives that NIC 10.77.0.2/24 (through relays,
   * never a route: the namespace still has no way out).
   */
  apiServerPort?: number;
  /**
   * Put the e1000e and the vmxnet3 on one QEMU hub, so that traffic between
   * them crosses both emulated NICs (without apiServerPort only).
   */
  sharedHub?: boolean;
}

/** Where a guest given apiServerPort finds the API server, and the address to give its e1000e. */
export const guestAPIAddress = { host: "10.77.0.1", guest: "10.77.0.2/24" };

export async function runInGuest(script: string, options: GuestOptions = {}): Promise<GuestRun> {
  const { files = {}, timeoutMs = 300_000, allowReboot = false } = options;
  const cache = (await run("bash", [path.join(root, "scripts/guest/prepare.sh")])).stdout.trim();
  const work = await mkdtemp(path.join(tmpdir(), "nettune-guest-"));
  const netns = `nettune-nic-${randomBytes(3).toString("hex")}`;
  await writeFile(path.join(work, "run.sh"), jobScript(script, cache));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(work, name), text);
  await chmod(path.join(work, "run.sh"), 0o755);
  await run("ip", ["netns", "add", netns]);
  try {
    await run("ip", ["-n", netns, "tuntap", "add", "tap0", "mode", "tap", "multi_queue"]);
    await run("ip", ["-n", netns, "link", "set", "tap0", "up"]);
    const route =
      options.apiServerPort === undefined
        ? undefined
        : await routeToAPIServer(netns, work, options.apiServerPort);
    let console: string;
    try {
      const qemu = {
        netns,
        cache,
        work,
        timeoutMs,
        allowReboot,
        e1000eOnTap: route !== undefined,
        vmxnet3Hub: options.sharedHub === true && route === undefined ? 0 : 1,
      };
      let attempt = await boot(qemu);
      // Now and then (about one boot in a hundred, under load) the emulated guest stalls
      // silently before its job starts. Nothing of the job has run then, so booting again
      // is safe; a stall after the job started is the test's to report.
      if (!attempt.jobStarted) {
        process.stderr.write(
          `guest: the job had not started ${jobStartMs / 1000} s after boot; booting again. ` +
            `The stalled boot's console ended with:\n${attempt.console.slice(-1500)}\n`,
        );
        attempt = await boot(qemu);
      }
      console = attempt.console;
    } finally {
      await route?.close();
    }
    return {
      console,
      read: (file) => readFile(path.join(work, file), "utf8"),
      removeWork: () => rm(work, { recursive: true, force: true }),
    };
  } finally {
    await run("ip", ["netns", "delete", netns]).catch(() => undefined);
  }
}

/**
 * The job as PID 1: the kernel's file systems, the script, then power off
 * whatever happened. NETTUNE_GUEST_CACHE holds what the guest was prepared
 * with (irqbalance among it).
 */
function jobScript(script: string, cache: string): string {
  return `#!/bin/sh
/busybox mount -t proc proc /proc
/busybox mount -t sysfs sys /sys
/busybox ln -sf /proc/self/fd /dev/fd
export PATH=${path.dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
export NETTUNE_GUEST_CACHE=${cache}
# Node's JIT-compiled code crashed now and then under QEMU's emulation (segfaults, V8
# "Check failed" at start); the interpreter alone is slower and never did. Without a JIT
# there is no WebAssembly, so no TypeScript type stripping: jobs run the compiled dist/.
export NODE_OPTIONS=--jitless
cd ${root}
( set -x
${script}
) >> /job/log 2>&1
echo "exit $?" >> /job/log
sync
/busybox poweroff -f
`;
}

/** A boot + trivial job takes 10-30 s under load; a job not started by this has stalled. */
const jobStartMs = 150_000;

interface QEMUOptions {
  netns: string;
  cache: string;
  work: string;
  timeoutMs: number;
  allowReboot: boolean;
  e1000eOnTap: boolean;
  /** The QEMU hub of the vmxnet3: 1 on its own, 0 beside the e1000e. */
  vmxnet3Hub: number;
}

async function boot(options: QEMUOptions): Promise<{ console: string; jobStarted: boolean }> {
  const { netns, cache, work, timeoutMs, allowReboot, e1000eOnTap, vmxnet3Hub } = options;
  const args = [
    "netns",
    "exec",
    netns,
    "qemu-system-x86_64",
    // Intel, so that the guest sees hyper-threads; no AVX: Node's JIT crashed now and then on
    // QEMU 7.2's young AVX emulation (V8 "Check failed" at start, about one run in three).
    ...["-machine", "q35", "-m", "1536"],
    // Two NUMA nodes of one socket each, two hyper-threads per core: CPUs 0-1 on node 0, 2-3 on node 1.
    ...[
      "-object",
      "memory-backend-ram,id=m0,size=768M",
      "-object",
      "memory-backend-ram,id=m1,size=768M",
    ],
    ...["-numa", "node,nodeid=0,cpus=0-1,memdev=m0", "-numa", "node,nodeid=1,cpus=2-3,memdev=m1"],
    ...["-cpu", "max,vendor=GenuineIntel,-avx,-avx2,-fma,-f16c,-avx512f,-vaes,-vpclmulqdq"],
    ...["-smp", "4,sockets=2,cores=1,threads=2", "-nographic"],
    ...(allowReboot ? [] : ["-no-reboot"]),
    ...["-kernel", path.join(cache, "vmlinuz"), "-initrd", path.join(cache, "initramfs.cpio.gz")],
    ...["-append", "console=ttyS0 quiet panic=-1"],
    // multidevs=remap: the machine's /proc and /sys would otherwise share inode numbers over 9p.
    ...["-fsdev", "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"],
    ...["-device", "virtio-9p-pci,fsdev=root,mount_tag=root,bus=pcie.0"],
    ...["-fsdev", `local,id=job,path=${work},security_model=none,multidevs=remap`],
    ...["-device", "virtio-9p-pci,fsdev=job,mount_tag=job,bus=pcie.0"],
    // A PCIe expander on NUMA node 1 holds virtio-net and e1000e; vmxnet3 stays on the root bus.
    ...["-device", "pxb-pcie,id=pxb1,bus_nr=128,numa_node=1,bus=pcie.0"],
    ...["-device", "pcie-root-port,id=rp1,bus=pxb1,chassis=1,slot=1"],
    ...["-device", "pcie-root-port,id=rp2,bus=pxb1,chassis=2,slot=2"],
    ...["-netdev", "tap,id=v0,ifname=tap0,script=no,downscript=no,queues=4,vhost=off"],
    ...["-device", "virtio-net-pci,netdev=v0,mq=on,vectors=10,rss=on,bus=rp1"],
    ...(e1000eOnTap
      ? ["-netdev", "tap,id=e0,ifname=tap1,script=no,downscript=no,vhost=off"]
      : ["-netdev", "hubport,id=e0,hubid=0"]),
    ...["-device", "e1000e,netdev=e0,bus=rp2"],
    ...["-netdev", `hubport,id=x0,hubid=${vmxnet3Hub}`, "-device", "vmxnet3,netdev=x0,bus=pcie.0"],
  ];
  const child = spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  let running = true;
  const exited = new Promise((resolve) => child.once("exit", resolve)).then(() => {
    running = false;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  // The job's first act is to open /job/log.
  const log = path.join(work, "log");
  if (!(await waitForFile(log, jobStartMs, () => running))) child.kill("SIGKILL");
  await exited;
  clearTimeout(timer);
  return { console: output, jobStarted: await fileExists(log) };
}

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Polls for `file` once a second while `watching()`; false when it has not appeared within `ms`. */
async function waitForFile(file: string, ms: number, watching: () => boolean): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline && watching();) {
    if (await fileExists(file)) return true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return fileExists(file);
}

/**
 * tap1 at 10.77.0.1 in the guest's namespace; a relay there takes TCP on
 * 10.77.0.1:PORT to a Unix socket, and one on the machine takes that socket
 * to the API server on loopback.
 */
async function routeToAPIServer(
  netns: string,
  work: string,
  port: number,
): Promise<{ close(): Promise<void> }> {
  await run("ip", ["-n", netns, "tuntap", "add", "tap1", "mode", "tap"]);
  await run("ip", ["-n", netns, "addr", "add", `${guestAPIAddress.host}/24`, "dev", "tap1"]);
  await run("ip", ["-n", netns, "link", "set", "tap1", "up"]);
  const socket = path.join(work, "api.sock");
  const outside = await unixToTCP(socket, port);
  const inside = spawn(
    "ip",
    [
      ...["netns", "exec", netns, process.execPath],
      ...[
        path.join(root, "test/harness/ns-forward.ts"),
        socket,
        String(port),
        guestAPIAddress.host,
      ],
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    inside.stdout.once("data", () => resolve());
    inside.once("exit", (code) => reject(new Error(`ns-forward exited with ${code}`)));
  });
  return {
    close: async () => {
      inside.kill("SIGTERM");
      await new Promise<void>((resolve) => outside.close(() => resolve()));
    },
  };
}
