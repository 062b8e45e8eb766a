// What the footprint bench reads of a process from /proc: memory split into anonymous and
// file-backed pages (smaps_rollup), and CPU ticks of the process and of its children.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

export interface ProcessSample {
  rssKiB: number;
  /** Pages no file backs: the heap, stacks and malloc arenas. What the process itself costs. */
  anonKiB: number;
  /** Pages of mapped files (the binary, shared libraries): shared with every process mapping them. */
  fileKiB: number;
  cpuTicks: number;
}

export const ticksPerSecond = Number(
  (await promisify(execFile)("getconf", ["CLK_TCK"])).stdout.trim(),
);

/** The fields of /proc/PID/stat after the command name (field 3 is index 0). */
export async function statFields(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return text.slice(text.lastIndexOf(") ") + 2).split(" ");
}

/** A process's descendants that run now. */
export async function descendants(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => ""))
    .split(" ")
    .filter(Boolean)
    .map(Number);
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}

/** A field of smaps_rollup in KiB. */
function rollup(text: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
}

/**
 * Memory, and CPU ticks of the process and of every descendant: those running
 * now (utime + stime, and cutime + cstime for what they ran and waited for,
 * such as the ethtool runs of the agent's shells) and those that ended and
 * were waited for by the process (its cutime + cstime). `seen` collects each child's start
 * time, so that a caller can later end only the children it saw.
 */
export async function sampleProcess(
  pid: number,
  seen?: Map<number, string>,
): Promise<ProcessSample> {
  const smaps = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  const own = await statFields(pid);
  let cpuTicks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of await descendants(pid)) {
    const fields = await statFields(child);
    // Field 22, the start time: a pid the kernel hands out again later is not this child.
    if (fields[19]) seen?.set(child, fields[19]);
    // Its own time and its ended children's: the agent's shells run ethtool as their children.
    if (fields.length > 14)
      cpuTicks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
  }
  const rssKiB = rollup(smaps, "Rss");
  const anonKiB = rollup(smaps, "Anonymous");
  return { rssKiB, anonKiB, fileKiB: rssKiB - anonKiB, cpuTicks };
}

export interface IdleFigures {
  rssMB: number;
  anonMB: number;
  fileMB: number;
  cpuMs: number;
  cpuPercent: number;
}

/** Memory at the end of a window and the CPU spent in it, as a share of one core. */
export async function idleOver(
  pid: number,
  seconds: number,
  seen?: Map<number, string>,
): Promise<IdleFigures> {
  const before = await sampleProcess(pid, seen);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await sampleProcess(pid, seen);
  const cpuMs = ((after.cpuTicks - before.cpuTicks) / ticksPerSecond) * 1000;
  return {
    rssMB: after.rssKiB / 1024,
    anonMB: after.anonKiB / 1024,
    fileMB: after.fileKiB / 1024,
    cpuMs,
    cpuPercent: (cpuMs / 1000 / seconds) * 100,
  };
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** min/median/max, each with the digits given. */
export const spread = (values: number[], digits: number): string =>
  `${Math.min(...values).toFixed(digits)}/${median(values).toFixed(digits)}/${Math.max(...values).toFixed(digits)}`;
