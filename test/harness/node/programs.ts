// The node tier's long-running programs: started inside the node, logged to
// files, stopped by PID (SIGTERM, then SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { NodeSandbox } from "./node-sandbox.ts";

export class Programs {
  private readonly running = new Map<string, ChildProcess>();
  private readonly sandbox: NodeSandbox;
  readonly logDir: string;

  constructor(sandbox: NodeSandbox, logDir: string) {
    this.sandbox = sandbox;
    this.logDir = logDir;
  }

  /** Starts a program inside the node; with `until`, waits for a stdout line that matches. */
  async start(
    name: string,
    program: string,
    args: string[],
    until?: RegExp,
  ): Promise<ChildProcess> {
    const [command, commandArgs] = this.sandbox.inside(program, args);
    const child = spawn(command, commandArgs, { stdio: ["ignore", "pipe", "pipe"] });
    const log = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: "a" });
    child.stderr.pipe(log);
    this.running.set(name, child);
    if (!until) {
      child.stdout.pipe(log);
      return child;
    }
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on("line", (line) => {
        log.write(`${line}\n`);
        if (until.test(line)) resolve();
      });
      child.once("exit", (code) => {
        reject(
          new Error(
            `${name} exited with ${code} before it was ready (log: ${log.path.toString()})`,
          ),
        );
      });
    });
    return child;
  }

  async stop(name: string): Promise<void> {
    const child = this.running.get(name);
    this.running.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops in the reverse order of starting. */
  async stopAll(): Promise<void> {
    for (const name of [...this.running.keys()].reverse()) await this.stop(name);
  }
}
