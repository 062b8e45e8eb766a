import { createConnection } from "node:net";
import path from "node:path";
import { listHostDir, readHostFiles } from "./host-read.ts";

/**
 * How long to wait for an answer. irqbalance before 1.9.4 (Debian 12 ships
 * 1.9.2) answers nothing while it rescans, for one whole interval (10 s by
 * default), and it rescans at its first pass after every ban: a shorter wait
 * would call a busy irqbalance unreachable just after NetTune banned IRQs.
 */
export const irqbalanceAnswerTimeoutMs = 15_000;

/**
 * irqbalance's control socket (irqbalance 1.2 and later, built with its UI):
 * `/run/irqbalance/irqbalance<pid>.sock` in irqbalance's own mount namespace.
 * One request per connection; irqbalance accepts only senders whose
 * credentials say uid 0, which the kernel attaches for it. Requests used here:
 *   `setup`                  → "SLEEP 10 IRQ 30 LOAD 0 DIFF 0 CLASS 0 ... BANNED 00000000"
 *   `settings ban irqs 30 31` → replaces the whole list of IRQs it leaves alone
 *   `settings ban irqs NONE`  → empties it
 * The list lives in the process: a restarted irqbalance bans nothing until told again.
 */
export class IRQBalanceSocket {
  private readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(socketPath: string, timeoutMs = irqbalanceAnswerTimeoutMs) {
    this.socketPath = socketPath;
    this.timeoutMs = timeoutMs;
  }

  /** The IRQs irqbalance currently leaves alone, ascending. */
  async banned(): Promise<number[]> {
    return parseBannedIRQs(await this.request("setup"));
  }

  /** Replaces irqbalance's list of banned IRQs. */
  async ban(irqs: readonly number[]): Promise<void> {
    await this.request(`settings ban irqs ${formatBannedIRQs(irqs)}`);
  }

  private request(message: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answer = "";
      const socket = createConnection(this.socketPath, () => socket.end(message));
      socket.setTimeout(this.timeoutMs, () =>
        socket.destroy(
          Object.assign(new Error("irqbalance did not answer"), { code: "ETIMEDOUT" }),
        ),
      );
      socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
      socket.on("error", reject);
      socket.on("close", (hadError) => {
        if (!hadError) resolve(answer);
      });
    });
  }
}

/** The IRQ numbers in a `setup` answer ("IRQ 30 LOAD 0 DIFF 0 CLASS 0 ..."), ascending. */
export function parseBannedIRQs(setup: string): number[] {
  return [...setup.matchAll(/\bIRQ (\d+)\b/g)]
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
}

/** A ban list as irqbalance takes it, and as NetTune records it: "30 31", or "NONE". */
export function formatBannedIRQs(irqs: readonly number[]): string {
  const sorted = [...new Set(irqs)].sort((a, b) => a - b);
  return sorted.length === 0 ? "NONE" : sorted.join(" ");
}

/** The numbers of a recorded or desired ban list ("NONE" is none). */
export function bannedIRQsOf(value: string): number[] {
  return value
    .split(/\s+/)
    .filter((token) => /^\d+$/.test(token))
    .map(Number);
}

/** The pid of a running irqbalance, found by its comm in the host's /proc. */
export async function irqbalancePid(proc: string): Promise<number | undefined> {
  const pids = (await listHostDir(proc, proc)).filter((entry) => /^\d+$/.test(entry));
  const comms = await readHostFiles(
    proc,
    pids.map((pid) => path.join(proc, pid, "comm")),
    64,
  );
  const index = comms.findIndex((comm) => comm?.trim() === "irqbalance");
  return index === -1 ? undefined : Number(pids[index]);
}

/**
 * irqbalance's socket reached through its own root (`/proc/PID/root`): the
 * agent needs no mount of the host's /run, and a restarted irqbalance is
 * found at its new pid.
 */
export function irqbalanceSocketPath(proc: string, pid: number): string {
  return path.join(proc, String(pid), "root/run/irqbalance", `irqbalance${pid}.sock`);
}

/** The control socket of the irqbalance running now, found anew each time; undefined when none runs. */
export async function runningIRQBalance(proc: string): Promise<IRQBalanceSocket | undefined> {
  const pid = await irqbalancePid(proc);
  return pid === undefined ? undefined : new IRQBalanceSocket(irqbalanceSocketPath(proc, pid));
}
