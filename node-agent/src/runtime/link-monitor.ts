import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { Backoff } from "../../../common/backoff.ts";
import type { Logger } from "../../../common/logger.ts";

/** The interface name of an `ip -o monitor link` line ("3: eth0@if4: <...> ..."), if any. */
export function linkEventInterface(line: string): string | undefined {
  const match = /^(?:\[[A-Z]+\]\s*)?(?:Deleted\s+)?\d+:\s+([^:@\s]+)[:@]/.exec(line);
  return match?.[1];
}

/**
 * Follows link events (a NIC reset, queues re-created, a device coming back)
 * through `ip -o monitor link`, and reports the interfaces they touch,
 * debounced so a burst becomes one check.
 */
export class LinkMonitor {
  private child: ChildProcess | undefined;
  private readonly pending = new Set<string>();
  private debounce: NodeJS.Timeout | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff = new Backoff(1000, 30_000);
  private readonly onLinks: (names: Set<string>) => void;
  private readonly log: Logger;
  private readonly debounceMs: number;
  /**
   * `ip monitor` runs under util-linux's setpriv with a parent-death signal: when the
   * agent dies, even by SIGKILL, the kernel ends it too. Plain `ip` where setpriv is absent.
   */
  private command = ["setpriv", "--pdeathsig", "KILL", "--", "ip", "-o", "monitor", "link"];

  constructor(onLinks: (names: Set<string>) => void, log: Logger, debounceMs = 300) {
    this.onLinks = onLinks;
    this.log = log;
    this.debounceMs = debounceMs;
  }

  start(): void {
    if (this.stopped) return;
    const [program = "ip", ...args] = this.command;
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "ignore"] });
    this.child = child;
    const lines = createInterface({ input: child.stdout });
    lines.on("error", (error) => {
      this.log.warn("ip monitor output failed", error);
    });
    lines.on("line", (line) => {
      this.backoff.reset();
      const name = linkEventInterface(line);
      if (name !== undefined) this.note(name);
    });
    child.on("exit", () => {
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.log.warn(`ip monitor exited; restarting in ${delay} ms`);
      this.restart = setTimeout(() => {
        this.start();
      }, delay);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" && program === "setpriv") {
        this.log.warn("setpriv is missing: ip monitor will not end with the agent if it is killed");
        this.command = this.command.slice(this.command.indexOf("--") + 1);
        this.restart = setTimeout(() => {
          this.start();
        }, 0);
        return;
      }
      this.log.warn("ip monitor could not start", error);
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.restart);
    this.child?.kill();
  }

  private note(name: string): void {
    this.pending.add(name);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      const names = new Set(this.pending);
      this.pending.clear();
      this.onLinks(names);
    }, this.debounceMs);
  }
}
