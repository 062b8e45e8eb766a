// The one way the agent touches a host file: every path is resolved inside the
// directory that stands for the node's "/" (as openat2's RESOLVE_IN_ROOT
// does), the last component is opened with O_NOFOLLOW, non-blocking, and only
// regular files (which procfs and sysfs files are) are read or written, up to
// a size cap. Lint keeps node:fs out of the rest of the agent's host code.
import { constants, lstat, open, readdir, readlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { HostDataError } from "./host-data-error.ts";
import { processIdentity, resolveInRoot } from "./in-root-path.ts";
import { BoundedText, openProblem, readProblem, safeOpenFlags } from "./host-file-rules.ts";
import {
  answersAtOnce,
  kernelPathExists,
  kernelResolvedPath,
  listKernelDir,
  readAtOnce,
  readKernelLink,
} from "./kernel-files.ts";

export { HostDataError, processIdentity, resolveInRoot };

/** Kernel files are a few KiB; /proc/interrupts on a large machine is the biggest read. */
export const defaultReadLimit = 4 * 1024 * 1024;

/**
 * Opens `file` (a path under `root`) for reading or for writing without
 * creating it, resolved inside the root, refusing anything that is not a
 * regular file. Absent files give undefined; anything else throws HostDataError.
 */
export async function openInRoot(
  root: string,
  file: string,
  mode: "read" | "write",
): Promise<FileHandle | undefined> {
  const real = await resolveInRoot(root, relativeInside(root, file));
  const access = mode === "read" ? constants.O_RDONLY : constants.O_WRONLY | constants.O_TRUNC;
  let handle: FileHandle;
  try {
    handle = await open(real, access | safeOpenFlags);
  } catch (cause) {
    const problem = openProblem(file, cause);
    if (problem) throw problem;
    return undefined;
  }
  try {
    if (!(await handle.stat()).isFile()) throw new HostDataError(file, "is not a regular file");
  } catch (cause) {
    await handle.close();
    throw cause;
  }
  return handle;
}

/**
 * Reads a host file, resolved inside `root`, only if it is a regular file of
 * at most `limit` bytes. Absent files give undefined; anything else unusable
 * throws HostDataError.
 */
export async function readHostFile(
  root: string,
  file: string,
  limit = defaultReadLimit,
): Promise<string | undefined> {
  const relative = relativeInside(root, file);
  // sysctls, /proc/net's counters, queue masks: read synchronously (kernel-files.ts).
  if (answersAtOnce(relative)) {
    const real = kernelResolvedPath(root, relative) ?? (await resolveInRoot(root, relative));
    return readAtOnce(real, file, limit);
  }
  const handle = await openInRoot(root, file, "read");
  if (handle === undefined) return undefined;
  try {
    return await readHandleUpTo(handle, file, limit);
  } catch (cause) {
    throw readProblem(file, cause);
  } finally {
    await handle.close();
  }
}

/** A file's text through its handle, read by plain reads until its end or past `limit` bytes. */
async function readHandleUpTo(handle: FileHandle, file: string, limit: number): Promise<string> {
  const text = new BoundedText(file, limit);
  for (let buffer = text.next(); text.keep(buffer, (await handle.read(buffer)).bytesRead);)
    buffer = text.next();
  return text.text();
}

/**
 * Reads many small host files, `atOnce` at a time: one after another, a
 * node's few hundred processes cost tens of milliseconds of waiting, and all
 * at once could run out of descriptors. A file that cannot be read is undefined.
 */
export async function readHostFiles(
  root: string,
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
          .map((file) => readHostFile(root, file, limit).catch(() => undefined)),
      )),
    );
  return texts;
}

/** The names in a host directory, resolved inside `root`; none when it cannot be listed. */
export async function listHostDir(root: string, dir: string): Promise<string[]> {
  try {
    const relative = relativeInside(root, dir);
    const kernel = kernelResolvedPath(root, relative);
    if (kernel !== undefined) return listKernelDir(kernel);
    return await readdir(await resolveInRoot(root, relative));
  } catch {
    return [];
  }
}

/**
 * Where a host symlink points, as written in the link (a driver's or a
 * namespace's name is read from it); undefined when it is no link.
 */
export async function readHostLink(root: string, file: string): Promise<string | undefined> {
  try {
    const relative = relativeInside(root, file);
    const kernel = kernelResolvedPath(root, relative);
    if (kernel !== undefined) return readKernelLink(kernel);
    const parent = await resolveInRoot(root, path.dirname(relative));
    return await readlink(path.join(parent, path.basename(file)));
  } catch {
    return undefined;
  }
}

/** The real path of a host file or directory, resolved inside the root; undefined when absent. */
export async function realHostPath(root: string, file: string): Promise<string | undefined> {
  const real = await resolveInRoot(root, relativeInside(root, file)).catch(() => undefined);
  if (real === undefined) return undefined;
  return (await lstat(real).catch(() => undefined)) ? real : undefined;
}

/** Whether a host path exists, resolved inside the root. */
export async function hostPathExists(root: string, file: string): Promise<boolean> {
  const kernel = kernelResolvedPath(root, relativeInside(root, file));
  if (kernel !== undefined) return kernelPathExists(kernel);
  return (await realHostPath(root, file)) !== undefined;
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
  const text = new BoundedText(source, limit);
  for await (const chunk of chunks)
    text.keep(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return text.text();
}

/** `file` relative to `root`; HostDataError when it is not under the root at all. */
function relativeInside(root: string, file: string): string {
  const relative = path.relative(root, path.resolve(root, file));
  if (relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
    throw new HostDataError(file, `is outside the host root ${root}`);
  return relative;
}
