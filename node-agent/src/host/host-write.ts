// The agent's writes: kernel files through the same in-root resolution as
// reads, and whole files (resolv.conf, the originals) replaced through a side
// file that no planted link or predictable name can redirect.
import { randomBytes } from "node:crypto";
import { constants, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { HostDataError, openInRoot } from "./host-read.ts";

/** A write the host refused; `code` is the errno name, or "ETHTOOL" for another ethtool refusal. */
export class WriteError extends Error {
  override name = "WriteError";
  readonly code: string;
  constructor(message: string, code: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/**
 * Writes `value` to an existing regular file under `root`, as `echo value >
 * file` does (truncate, never create), resolved inside the root and never
 * through a link at its last component. `what` names the setting in errors.
 */
export async function writeKernelFile(
  root: string,
  file: string,
  value: string,
  what: string,
): Promise<void> {
  let handle;
  try {
    handle = await openInRoot(root, file, "write");
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    // A FIFO, a device or a link in the way: nothing was written.
    throw new WriteError(`${what}=${value}: ${cause.problem}`, cause.errno ?? "EINVAL", { cause });
  }
  if (handle === undefined) throw new WriteError(`${what}=${value}: ENOENT`, "ENOENT");
  try {
    await handle.write(value);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? "EUNKNOWN";
    throw new WriteError(`${what}=${value}: ${code}`, code, { cause });
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `dir/name` with `content` atomically: a side file with an
 * unpredictable name created exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, so a
 * planted file or link at that name is refused, never followed), written,
 * fsynced, then renamed over the file, and the directory fsynced so that the
 * rename survives a crash.
 */
export async function replaceFile(
  dir: string,
  name: string,
  content: string,
  mode: number,
): Promise<void> {
  const side = path.join(dir, `.${name}.${randomBytes(8).toString("hex")}.tmp`);
  const handle = await open(
    side,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    mode,
  );
  try {
    try {
      await handle.writeFile(content);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(side, path.join(dir, name));
  } catch (cause) {
    await rm(side, { force: true });
    throw cause;
  }
  await syncDirectory(dir);
}

/** Makes a rename in `dir` durable; a file system that cannot sync a directory is left as it is. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY).catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
