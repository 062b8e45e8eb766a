import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { CommandResult, CommandRunner } from "./commands.ts";

/**
 * The running agent's way to run ethtool and its kind: a few long-lived
 * /bin/sh processes that each start one program at a time. Starting a
 * program from Node forks the whole agent, about 1.2 ms of its own CPU and
 * wall time a run more than from a small shell (bench/agent-apply.ts: six
 * ethtool runs in a full apply, two in every re-verify).
 *
 * A command is written to a shell's standard input with the program and
 * every argument single-quoted, so the shell never reads them as anything but
 * literal words: no expansion, substitution, globbing or second command can
 * come of them. The program's standard input is /dev/null, never the
 * command stream. After it, the shell writes a marker of its own (random per
 * runner) with the exit status to standard output, and the same marker to
 * standard error: all before them is the program's output.
 *
 * A program that outlives `timeoutMs`, or writes more than `maxBytes`, ends
 * with its shell (its whole process group) and answers 127, as a failed
 * start does. A shell that exits while the agent runs is replaced at the next
 * command; one whose agent dies reads the end of its input and exits.
 */
export interface ShellRunner {
  run: CommandRunner;
  /** Ends every shell; commands in flight answer 127. */
  close: () => void;
}

export interface ShellRunnerOptions {
  timeoutMs?: number;
  maxBytes?: number;
  /** Shells running at once at most: the checks ask about several NICs in parallel. */
  shells?: number;
  shell?: string;
}

/** The shells' name in the process table. */
export const shellName = "nettune-agent-shell";

const failed: CommandResult = { code: 127, stdout: "", stderr: "" };

/** One argument as a single-quoted shell word. */
export function shellWord(arg: string): string {
  if (arg.includes("\0")) throw new Error("a command argument holds a NUL byte");
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellRunner(options: ShellRunnerOptions = {}): ShellRunner {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const most = options.shells ?? 4;
  const marker = `nettune-end-${randomBytes(16).toString("hex")}`;
  const idle: Shell[] = [];
  const all = new Set<Shell>();
  const waiting: ((shell: Shell) => void)[] = [];

  const take = (): Promise<Shell> => {
    // A shell that exited while idle is dropped here: its place is already free.
    let ready = idle.pop();
    while (ready && !ready.alive) ready = idle.pop();
    if (ready) return Promise.resolve(ready);
    if (all.size < most) {
      const shell = new Shell(options.shell ?? "/bin/sh", marker, () => all.delete(shell));
      all.add(shell);
      return Promise.resolve(shell);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const give = (shell: Shell): void => {
    const next = waiting.shift();
    if (!shell.alive) {
      // Its place is free again: the next waiting command starts a new shell.
      if (next) void take().then(next);
      return;
    }
    if (next) next(shell);
    else idle.push(shell);
  };

  return {
    run: async (program, args) => {
      const line = [program, ...args].map(shellWord).join(" ");
      const shell = await take();
      try {
        return await shell.run(line, timeoutMs, maxBytes);
      } finally {
        give(shell);
      }
    },
    close: () => {
      for (const shell of all) shell.end();
      idle.length = 0;
    },
  };
}

/** One shell and the command it runs now. */
class Shell {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly marker: string;
  private stdout = "";
  private stderr = "";
  private answer: ((result: CommandResult) => void) | undefined;
  private maxBytes = Number.POSITIVE_INFINITY;
  alive = true;

  constructor(program: string, marker: string, onExit: () => void) {
    this.marker = marker;
    // Its own process group, so that a program that overruns ends with it.
    this.child = spawn(program, [], {
      // Named in ps and by the test tiers' check for what an agent left behind.
      argv0: shellName,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, LC_ALL: "C" },
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      this.stdout += chunk;
      this.settle();
    });
    this.child.stderr.on("data", (chunk: string) => {
      this.stderr += chunk;
      this.settle();
    });
    this.child.stdin.on("error", () => undefined);
    this.child.on("error", () => undefined);
    this.child.on("close", () => {
      this.alive = false;
      onExit();
      this.finish(failed);
    });
  }

  run(line: string, timeoutMs: number, maxBytes: number): Promise<CommandResult> {
    if (!this.alive) return Promise.resolve(failed);
    this.stdout = "";
    this.stderr = "";
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.end();
      }, timeoutMs);
      this.answer = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      this.maxBytes = maxBytes;
      const m = this.marker;
      this.child.stdin.write(
        `${line} </dev/null; s=$?; printf '\\n%s %d\\n' ${m} "$s"; printf '\\n%s\\n' ${m} >&2\n`,
      );
    });
  }

  private settle(): void {
    if (this.stdout.length + this.stderr.length > this.maxBytes) {
      this.end();
      return;
    }
    const end = new RegExp(`\\n${this.marker} (\\d+)\\n$`).exec(this.stdout);
    const errEnd = `\n${this.marker}\n`;
    if (!end || !this.stderr.endsWith(errEnd)) return;
    this.finish({
      code: Number(end[1]),
      stdout: this.stdout.slice(0, end.index),
      stderr: this.stderr.slice(0, -errEnd.length),
    });
  }

  private finish(result: CommandResult): void {
    const answer = this.answer;
    this.answer = undefined;
    answer?.(result);
  }

  /** Ends the shell and whatever it runs. */
  end(): void {
    if (!this.alive || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
