// The kernel's own files: which the agent reads synchronously, and which the kernel resolves
// instead of the in-root walk. Each asynchronous read of a host file is
// five round trips through the thread pool (open, fstat, read, read to the end, close): about
// 0.3 ms of CPU, against 0.01-0.08 ms read synchronously (ADR 0023). A re-verify reads some 35
// files and each counter sample six, so the idle agent's CPU went mostly to those round trips.
//
// Only files whose read the kernel answers from its own memory, without a lock that another
// task can hold for long, are read here. Everything else stays asynchronous, so that the event
// loop (and the agent's probes) never wait on it:
// - a process's own files (/proc/PID/cmdline and the like) wait for its memory map;
// - net device attributes such as speed, duplex, carrier and xps_cpus wait for the RTNL
//   lock, which a NIC reset or a ring change holds for up to seconds;
// - files on disk (the kubelet's configuration, resolv.conf) wait for the disk.
import path from "node:path";
import { HostDataError } from "./host-data-error.ts";
import { BoundedText, openProblem, readProblem, safeOpenFlags } from "./host-file-rules.ts";

const {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  statfsSync,
  statSync,
} = process.getBuiltinModule("node:fs");

/** Paths relative to the host root, as the caller names them (before links are resolved). */
const answeredAtOnce: readonly RegExp[] = [
  // Sysctls: each handler copies a kernel variable.
  /^proc\/sys\//,
  // The network namespace's counters and tables, printed under RCU.
  /^proc\/net\/(stat\/[\w-]+|softnet_stat|netstat|snmp6?|dev|route|ipv6_route)$/,
  // Interrupt counts and an IRQ's own files, under the IRQ descriptor's spinlock.
  /^proc\/interrupts$/,
  /^proc\/irq\/\d+\/\w+$/,
  // A net device's attributes that need neither the RTNL lock nor the driver.
  /^sys\/class\/net\/[^/]+\/(address|ifindex|tx_queue_len)$/,
  /^sys\/class\/net\/[^/]+\/statistics\/\w+$/,
  /^sys\/class\/net\/[^/]+\/queues\/rx-\d+\/(rps_cpus|rps_flow_cnt)$/,
  // CPU and NUMA topology.
  /^sys\/devices\/system\/(cpu|node)\/[\w/-]+$/,
];

/** Whether the file at `relative` (inside the host root) is read synchronously. */
export function answersAtOnce(relative: string): boolean {
  return answeredAtOnce.some((pattern) => pattern.test(relative));
}

// statfs(2)'s f_type of the kernel's own file systems (linux/magic.h).
const kernelMounts: Record<string, number> = { proc: 0x9fa0, sys: 0x62656572 };

// Where no link leads out of the kernel's file system: all of sysfs, and procfs's sysctls,
// network tables and IRQs. A process's own directory is left out: its root, cwd, exe and fd
// entries are links to anywhere, which only the in-root walk reads as the node means them.
const kernelSubtrees = /^(sys(\/|$)|proc\/(sys|net|irq)(\/|$)|proc\/interrupts$)/;

/**
 * The path of `relative`, to be resolved by the kernel, when it lies in one of
 * the subtrees above and the root's proc or sys is a directory holding the
 * kernel's own file system; undefined otherwise (then the in-root walk
 * resolves it).
 *
 * Nobody can make a link inside procfs or sysfs: their links are the kernel's,
 * relative and within them (/proc/net -> self/net, a class entry -> its device),
 * and in the subtrees above none leads elsewhere. So the kernel resolves
 * them exactly as the in-root walk would, in one open instead of an lstat per
 * component (a dozen for a queue's file). `relative` is normalized: no "..".
 */
export function kernelResolvedPath(root: string, relative: string): string | undefined {
  if (!kernelSubtrees.test(relative)) return undefined;
  const top = relative.split("/", 1)[0] ?? "";
  const magic = kernelMounts[top];
  if (magic === undefined) return undefined;
  const mount = path.join(root, top);
  try {
    if (!lstatSync(mount).isDirectory() || statfsSync(mount).type !== magic) return undefined;
  } catch {
    return undefined;
  }
  return path.join(root, relative);
}

/**
 * Reads `real` (already resolved inside the root; `file` names it in errors)
 * synchronously, with the same rules as an asynchronous read: a regular file
 * of at most `limit` bytes, never through a link. Undefined when absent.
 */
export function readAtOnce(real: string, file: string, limit: number): string | undefined {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | safeOpenFlags);
  } catch (cause) {
    const problem = openProblem(file, cause);
    if (problem) throw problem;
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) throw new HostDataError(file, "is not a regular file");
    const text = new BoundedText(file, limit);
    for (let buffer = text.next(); text.keep(buffer, readSync(fd, buffer));) buffer = text.next();
    return text.text();
  } catch (cause) {
    throw readProblem(file, cause);
  } finally {
    closeSync(fd);
  }
}

/** The names in a kernel directory (resolved by kernelResolvedPath). */
export function listKernelDir(real: string): string[] {
  return readdirSync(real);
}

/** Where a kernel link points, without following it (resolved by kernelResolvedPath). */
export function readKernelLink(real: string): string {
  return readlinkSync(real, "utf8");
}

/** Whether a kernel path exists, its last link followed (resolved by kernelResolvedPath). */
export function kernelPathExists(real: string): boolean {
  try {
    return statSync(real, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false; // as the walk: a path that cannot be resolved does not exist
  }
}
