// A memory cgroup for one benched process, the size of its container's limit in
// the chart, so that a bench shows whether the process would be OOM-killed there.
// cgroup v1 (memory controller mounted at /sys/fs/cgroup/memory) or v2 (a
// unified hierarchy at /sys/fs/cgroup with the memory controller).
import { access, mkdir, readFile, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { eventually } from "../test/harness/wait.ts";

export interface MemoryCgroup {
  /** Where it is, and its limit, for the bench's header. */
  describe: string;
  /** A command that joins the cgroup before it runs `command` (so nothing runs outside it). */
  wrap: (command: string[]) => string[];
  /** The cgroup's peak memory (RSS and the page cache charged to it) in MB. */
  peakMB(): Promise<number>;
  /** How many processes the kernel killed in it for want of memory. */
  oomKills(): Promise<number>;
  /** Removes it; its processes must have ended. */
  remove(): Promise<void>;
}

const mebibytes = { Ki: 1 / 1024, Mi: 1, Gi: 1024 } as const;

/** "384Mi" as bytes; a Kubernetes quantity in Ki, Mi or Gi. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`memory quantity ${quantity}: expected a number with Ki, Mi or Gi`);
  return Number(match[1]) * mebibytes[match[2] as keyof typeof mebibytes] * 1024 * 1024;
}

const exists = (file: string): Promise<boolean> =>
  access(file).then(
    () => true,
    () => false,
  );

/** A new memory cgroup limited to `bytes`, without swap; undefined where the machine has none to give. */
export async function memoryCgroup(name: string, bytes: number): Promise<MemoryCgroup | undefined> {
  const v1 = "/sys/fs/cgroup/memory";
  const v2 = "/sys/fs/cgroup";
  if (await exists(path.join(v1, "memory.limit_in_bytes")))
    return version1(path.join(v1, name), bytes);
  const controllers = await readFile(path.join(v2, "cgroup.controllers"), "utf8").catch(() => "");
  if (controllers.split(/\s+/).includes("memory")) return version2(path.join(v2, name), bytes);
  return undefined;
}

async function version1(dir: string, bytes: number): Promise<MemoryCgroup> {
  await mkdir(dir);
  await writeFile(path.join(dir, "memory.limit_in_bytes"), String(bytes));
  // Memory and swap together, so the limit cannot be met by swapping out.
  const memsw = path.join(dir, "memory.memsw.limit_in_bytes");
  if (await exists(memsw)) await writeFile(memsw, String(bytes));
  return common(dir, bytes, {
    peak: "memory.max_usage_in_bytes",
    events: "memory.oom_control",
    version: "v1",
  });
}

async function version2(dir: string, bytes: number): Promise<MemoryCgroup> {
  await mkdir(dir);
  await writeFile(path.join(dir, "memory.max"), String(bytes));
  await writeFile(path.join(dir, "memory.swap.max"), "0").catch(() => undefined);
  return common(dir, bytes, { peak: "memory.peak", events: "memory.events", version: "v2" });
}

function common(
  dir: string,
  bytes: number,
  files: { peak: string; events: string; version: string },
): MemoryCgroup {
  return {
    describe: `memory cgroup ${files.version} ${dir}, limit ${Math.round(bytes / 1048576)} MiB`,
    wrap: (command) => [
      "sh",
      "-c",
      `echo $$ > ${path.join(dir, "cgroup.procs")} && exec "$@"`,
      "sh",
      ...command,
    ],
    async peakMB() {
      const text = await readFile(path.join(dir, files.peak), "utf8").catch(() => "0");
      return Math.round(Number(text.trim()) / 1048576);
    },
    async oomKills() {
      const text = await readFile(path.join(dir, files.events), "utf8");
      return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? "0");
    },
    async remove() {
      // The last process's exit can take a moment to leave the cgroup.
      await eventually(() => rmdir(dir), 5000, 100);
    },
  };
}
