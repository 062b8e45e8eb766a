import { constants, lstat, open, readlink, type FileHandle } from "node:fs/promises";
import path from "node:path";

/**
 * The host answered something the agent cannot use: a file that is not a
 * regular file, too large, unparsable, or a path that leaves the root. The
 * setting that needed it fails with UnreadableHostValue; nothing else does.
 */
export class HostDataError extends Error {
  override name = "HostDataError";
  /** The file or command whose answer could not be used. */
  readonly source: string;
  /** What is wrong with it, without the source ("is not a regular file"). */
  readonly problem: string;
  /** The errno when the file could not be opened at all, as opposed to holding garbage. */
  readonly errno: string | undefined;
  constructor(source: string, problem: string, options?: ErrorOptions & { errno?: string }) {
    super(`${source}: ${problem}`, options);
    this.source = source;
    this.problem = problem;
    this.errno = options?.errno;
  }
}

/** Kernel files are a few KiB; /proc/interrupts on a large machine is the biggest read. */
export const defaultReadLimit = 4 * 1024 * 1024;

/**
 * Reads a host file only if it is a regular file of at most `limit` bytes.
 * Opened non-blocking, so a FIFO or a device is refused without waiting on it.
 * Absent files give undefined; anything else unusable throws HostDataError.
 */
export async function readHostFile(
  file: string,
  limit = defaultReadLimit,
): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new HostDataError(file, `cannot be opened (${code ?? "unknown"})`, {
      cause,
      errno: code ?? "EUNKNOWN",
    });
  }
  try {
    if (!(await handle.stat()).isFile()) throw new HostDataError(file, "is not a regular file");
    return await readHandleUpTo(handle, file, limit);
  } catch (cause) {
    if (cause instanceof HostDataError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code ?? "unknown";
    throw new HostDataError(file, `cannot be read (${code})`, { cause });
  } finally {
    await handle.close();
  }
}

// Most host files are a line or two (sysfs, /proc/sys, /proc/PID/cmdline): one read, into a
// buffer no larger than the file may be, is their whole cost. A read stream took several
// ticks and 64 KiB per file.
const firstReadBytes = 16 * 1024;

/** A file's text through its handle, read by plain reads until its end or past `limit` bytes. */
async function readHandleUpTo(handle: FileHandle, file: string, limit: number): Promise<string> {
  const kept: Buffer[] = [];
  let total = 0;
  for (let size = Math.min(limit + 1, firstReadBytes); ; size = Math.min(limit + 1, size * 4)) {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(size), 0, size, null);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > limit) throw new HostDataError(file, `is larger than ${limit} bytes`);
    kept.push(buffer.subarray(0, bytesRead));
  }
  return Buffer.concat(kept, total).toString("utf8");
}

/**
 * Reads many small host files, `atOnce` at a time: one after another, a
 * node's few hundred processes cost tens of milliseconds of waiting, and all
 * at once could run out of descriptors. A file that cannot be read is undefined.
 */
export async function readHostFiles(
  files: readonly string[],
  limit = defaultReadLimit,
  atOnce = 64,
): Promise<(string | undefined)[]> {
  const texts: (string | undefined)[] = [];
  for (let start = 0; start < files.length; start += atOnce)
    texts.push(
      ...(await Promise.all(
        files
          .slice(start, start + atOnce)
          .map((file) => readHostFile(file, limit).catch(() => undefined)),
      )),
    );
  return texts;
}

/**
 * The whole text of a stream of chunks (a file's, or standard input's), or
 * HostDataError as soon as it passes `limit` bytes: the rest is never read.
 */
export async function readUpTo(
  chunks: AsyncIterable<Uint8Array | string>,
  source: string,
  limit: number,
): Promise<string> {
  const kept: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk);
    total += buffer.length;
    if (total > limit) throw new HostDataError(source, `is larger than ${limit} bytes`);
    kept.push(buffer);
  }
  return Buffer.concat(kept).toString("utf8");
}

/**
 * The real path of `relative` inside `root`, with every symlink resolved as if
 * `root` were `/` (as openat2's RESOLVE_IN_ROOT does): an absolute link target
 * starts again at the root, and ".." never climbs above it. So a node's
 * /etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf is followed to
 * the node's file under the root, and no link can lead outside the root.
 */
export async function resolveInRoot(root: string, relative: string): Promise<string> {
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
    const stats = await lstat(candidate).catch(() => undefined);
    if (!stats?.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > 40) throw new HostDataError(path.join(root, relative), "too many symlinks");
    const target = await readlink(candidate);
    if (path.isAbsolute(target)) done.length = 0;
    pending.unshift(...target.split("/").filter(Boolean));
  }
  return path.join(root, ...done);
}
