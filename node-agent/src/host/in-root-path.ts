// Paths resolved inside the directory that stands for the node's "/", as openat2's
// RESOLVE_IN_ROOT does (host-read.ts opens what this resolves).
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
