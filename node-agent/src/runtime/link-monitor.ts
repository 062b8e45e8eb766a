import { Backoff } from "../../../common/backoff.ts";
import type { Logger } from "../../../common/logger.ts";
import { runLines, type LineProcess } from "../host/line-process.ts";

/** The interface name of an `ip -o monitor link` line ("3: eth0@if4: <...> ..."), if any. */
export function linkEventInterface(line: string): string | undefined {
  const match = /^(?:\[[A-Z]+\]\s*)?(?:Deleted\s+)?\d+:\s+([^:@\s]+)[:@]/.exec(line);
  return match?.[1];
}

/**
 * The interface name of an `ethtool --monitor` notification's first line
 * ("Channel parameters for eth0:", "Ring parameters for eth1:", "Features for eth0:").
 */
export function ethtoolEventInterface(line: string): string | undefined {
  return /^[A-Z][A-Za-z -]* for ([^\s:]+):$/.exec(line)?.[1];
}

/** What a monitor runs and how it reads the interface a line is about. */
export interface EventSource {
  /** For logs: "ip monitor", "ethtool --monitor". */
  name: string;
  command: string[];
  interfaceOf(line: string): string | undefined;
}

/**
 * Link events: a NIC reset, a device going down and coming back. Channel
 * changes raise none: `ethtool -L` on virtio_net re-creates queues (RPS, XPS
 * and IRQ affinity back to the driver's defaults) without a link event.
 */
export const linkEvents: EventSource = {
  name: "ip monitor",
  command: ["ip", "-o", "monitor", "link"],
  interfaceOf: linkEventInterface,
};

/**
 * ethtool's netlink notifications: channels, rings, coalescing and features
 * changed by anyone (ethtool, another agent, the driver through ethtool's
 * API). stdbuf: ethtool's stdout into a pipe is block-buffered, so without
 * it a notification would wait for 4 KiB of others.
 */
export const ethtoolEvents: EventSource = {
  name: "ethtool --monitor",
  command: ["stdbuf", "-oL", "ethtool", "--monitor"],
  interfaceOf: ethtoolEventInterface,
};

/**
 * Follows host events that can undo settings (see linkEvents and
 * ethtoolEvents) and reports the interfaces they touch, debounced so a burst
 * becomes one check. The monitor is restarted with backoff when it exits.
 */
export class LinkMonitor {
  private child: LineProcess | undefined;
  private readonly pending = new Set<string>();
  private debounce: NodeJS.Timeout | undefined;
  private restart: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff = new Backoff(1000, 30_000);
  private readonly onLinks: (names: Set<string>) => void;
  private readonly log: Logger;
  private readonly debounceMs: number;
  private readonly source: EventSource;
  /** Runs the monitor's command: a real process, or lines a test hands over. */
  private readonly run: typeof runLines;
  /**
   * The monitor runs under util-linux's setpriv with a parent-death signal: when the
   * agent dies, even by SIGKILL, the kernel ends it too. Plain where setpriv is absent.
   */
  private command: string[];

  constructor(
    source: EventSource,
    onLinks: (names: Set<string>) => void,
    log: Logger,
    debounceMs = 300,
    run: typeof runLines = runLines,
  ) {
    this.run = run;
    this.source = source;
    this.command = ["setpriv", "--pdeathsig", "KILL", "--", ...source.command];
    this.onLinks = onLinks;
    this.log = log;
    this.debounceMs = debounceMs;
  }

  start(): void {
    if (this.stopped) return;
    const program = this.command[0];
    this.child = this.run(this.command, {
      outputError: (error) => {
        this.log.warn(`${this.source.name} output failed`, error);
      },
      line: (line) => {
        this.backoff.reset();
        const name = this.source.interfaceOf(line);
        if (name !== undefined) this.note(name);
      },
      exit: () => {
        if (this.stopped) return;
        const delay = this.backoff.next();
        this.log.warn(`${this.source.name} exited; restarting in ${delay} ms`);
        this.restart = setTimeout(() => {
          this.start();
        }, delay);
      },
      error: (error) => {
        if (error.code === "ENOENT" && program === "setpriv") {
          this.log.warn(
            `setpriv is missing: ${this.source.name} will not end with the agent if it is killed`,
          );
          this.command = this.command.slice(this.command.indexOf("--") + 1);
          this.restart = setTimeout(() => {
            this.start();
          }, 0);
          return;
        }
        this.log.warn(`${this.source.name} could not start`, error);
      },
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
