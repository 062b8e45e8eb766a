// Paths resolved inside the directory that stands for the node's "/", as openat2's
// RESOLVE_IN_ROOT does (host-read.ts opens what this resolves), and the identity of a process
// from its /proc entry: the agent's synchronous metadata calls, all in this file.
import path from "node:path";
import { HostDataError } from "./host-data-error.ts";

// The walk's lstat and readlink are synchronous: on procfs and sysfs each answers in a few
// microseconds, where the thread pool's round trip costs ten times that, and a sysfs path has a
// dozen components (bench/agent-apply.ts: about 0.35 ms a file). Opening and reading stay
// asynchronous: a read of /proc/PID/cmdline waits for that process's memory map, which a stuck
// process can hold for long, and the agent's probes must still answer meanwhile.
const { lstatSync, readlinkSync } = process.getBuiltinModule("node:fs");

/** A path's own status, not following a last link; undefined when it cannot be had. */
function ownStatus(file: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

// Symlinks followed in one resolution before giving up, as the kernel's MAXSYMLINKS.
const maxLinkHops = 40;

/**
 * The real path of `relative` inside `root`, with every symlink resolved as if
 * `root` were `/` (as openat2's RESOLVE_IN_ROOT does): an absolute link target
 * starts again at the root, and ".." never climbs above it. So a node's
 * /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf is followed to
 * the node's file under the root, sysfs's own relative links keep working,
 * and no link can lead outside the root.
 */
export function resolveInRoot(root: string, relative: string): Promise<string> {
  try {
    return Promise.resolve(resolvedInRoot(root, relative));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function resolvedInRoot(root: string, relative: string): string {
  const pending = relative.split("/").filter(Boolean);
  const done: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() ?? "";
    if (part === ".") continue;
    if (part === "..") {
      done.pop();
      continue;
    }
    const candidate = path.join(root, ...done, part);
    const stats = ownStatus(candidate);
    if (!stats?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > maxLinkHops)
      throw new HostDataError(path.join(root, relative), "too many symlinks");
    const target = readlinkSync(candidate, "utf8");
    if (path.isAbsolute(target)) done.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return path.join(root, ...done);
}

/**
 * What identifies a process now, from its /proc entry without opening a file:
 * the inode of its directory (a new process under a reused pid has another)
 * and where its exe link points (an exec changes it; empty for a kernel
 * thread). Metadata calls only, made synchronously: they take neither the
 * process's memory map nor a lock it could hold. `pid` is digits, so the
 * entry is a directory of `proc` and no link is followed. Undefined when the
 * process is gone.
 */
export function processIdentity(proc: string, pid: string): string | undefined {
  if (!/^\d+$/.test(pid)) return undefined;
  const dir = path.join(proc, pid);
  try {
    const { ino } = lstatSync(dir);
    let exe = "";
    try {
      exe = readlinkSync(path.join(dir, "exe"), "utf8");
    } catch {
      // A kernel thread has no exe, and one the agent may not read is known by its inode alone.
    }
    return `${String(ino)}:${exe}`;
  } catch {
    return undefined;
  }
}
