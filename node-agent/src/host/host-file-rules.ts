// The rules every read of a host file keeps, whether it is made synchronously (kernel-files.ts)
// or through the thread pool (host-read.ts): how it opens, which errors mean what, and that its
// text never passes a size cap.
import { HostDataError } from "./host-data-error.ts";

const { constants } = process.getBuiltinModule("node:fs");

/** The flags every open of a host file carries: never a link, never a wait, never a terminal. */
export const safeOpenFlags = constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The HostDataError for a failed open of `file`, or undefined when the file is
 * simply absent (ENOENT, ENOTDIR).
 */
export function openProblem(file: string, cause: unknown): HostDataError | undefined {
  const code = (cause as NodeJS.ErrnoException).code ?? "EUNKNOWN";
  if (code === "ENOENT" || code === "ENOTDIR") return undefined;
  // ELOOP: the last component became a link after the walk.
  const problem = code === "ELOOP" ? "is a symlink" : `cannot be opened (${code})`;
  return new HostDataError(file, problem, { cause, errno: code });
}

/** The HostDataError for a failed read of `file`. */
export function readProblem(file: string, cause: unknown): HostDataError {
  if (cause instanceof HostDataError) return cause;
  const code = (cause as NodeJS.ErrnoException).code ?? "unknown";
  return new HostDataError(file, `cannot be read (${code})`, { cause });
}

// Most host files are a line or two (sysfs, /proc/sys, /proc/PID/cmdline): one read, into a
// buffer no larger than the file may be, is their whole cost. A read stream took several
// ticks and 64 KiB per file.
const firstReadBytes = 16 * 1024;

/**
 * The text of a file or stream as it is read, up to `limit` bytes: HostDataError
 * as soon as it passes them, so the rest is never read. Plain reads take
 * their buffers from next(), each four times the last.
 */
export class BoundedText {
  private readonly kept: Buffer[] = [];
  private total = 0;
  private size: number;
  private readonly source: string;
  private readonly limit: number;

  constructor(source: string, limit: number) {
    this.source = source;
    this.limit = limit;
    this.size = Math.min(limit + 1, firstReadBytes);
  }

  /** A buffer for the next plain read: one byte past the limit is enough to see it passed. */
  next(): Buffer {
    const buffer = Buffer.allocUnsafe(this.size);
    this.size = Math.min(this.limit + 1, this.size * 4);
    return buffer;
  }

  /** Keeps the first `bytes` of `buffer`; false at the end (nothing read). */
  keep(buffer: Buffer, bytes = buffer.length): boolean {
    if (bytes === 0) return false;
    this.total += bytes;
    if (this.total > this.limit)
      throw new HostDataError(this.source, `is larger than ${String(this.limit)} bytes`);
    this.kept.push(buffer.subarray(0, bytes));
    return true;
  }

  text(): string {
    return Buffer.concat(this.kept, this.total).toString("utf8");
  }
}
