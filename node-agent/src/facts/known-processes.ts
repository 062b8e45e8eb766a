/** A process's command line, kept with what identified it when it was read. */
interface Known {
  identity: string;
  argv: string[];
}

/**
 * A running agent's command lines of the host's processes from its last walk
 * of /proc, each kept with what identifies the process (processIdentity in
 * in-root-path.ts): the inode of its /proc/PID directory, which a new process
 * under a reused pid does not share, and the target of its exe link, which an
 * exec changes. A walk then reads the command lines of new processes only:
 * an lstat and a readlink a process, where reading a file took five
 * operations of the thread pool and about 95 µs of CPU (findOtherWriters on a
 * node of 73 processes: 7 ms a walk). A process that rewrites its own command
 * line, or execs the same binary again, is seen when the memo's time is up and
 * every command line is read again.
 */
export class KnownProcesses {
  private byPid = new Map<string, Known>();
  private readSince: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(ttlMs = 600_000, now: () => number = Date.now) {
    this.ttlMs = ttlMs;
    this.now = now;
    this.readSince = now();
  }

  /**
   * The argv of every process in `pids` that `identify` still finds (an empty
   * one for kernel threads and processes that ended while read), reading
   * with `readCmdlines` only those not known under the same identity.
   */
  async argvOf(
    pids: readonly string[],
    identify: (pid: string) => string | undefined,
    readCmdlines: (pids: string[]) => Promise<(string | undefined)[]>,
  ): Promise<Map<string, string[]>> {
    if (this.now() - this.readSince >= this.ttlMs) {
      this.byPid.clear();
      this.readSince = this.now();
    }
    const next = new Map<string, Known>();
    const fresh: { pid: string; identity: string }[] = [];
    for (const pid of pids) {
      const identity = identify(pid);
      if (identity === undefined) continue;
      const kept = this.byPid.get(pid);
      if (kept?.identity === identity) next.set(pid, kept);
      else fresh.push({ pid, identity });
    }
    const texts = await readCmdlines(fresh.map(({ pid }) => pid));
    fresh.forEach(({ pid, identity }, i) => {
      next.set(pid, { identity, argv: argvFromCmdline(texts[i]) });
    });
    this.byPid = next;
    return new Map([...next].map(([pid, { argv }]) => [pid, argv]));
  }
}

/** /proc/PID/cmdline's NUL-separated words; none when it is empty or could not be read. */
export function argvFromCmdline(text: string | undefined): string[] {
  return (text ?? "").split("\0").filter((arg) => arg !== "");
}
