// A running agent reads the command lines of new processes only; these walk a
// /proc made of real directories, files and links in a temporary root.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KnownProcesses } from "../src/facts/known-processes.ts";
import { ProcessTable } from "../src/facts/processes.ts";

let proc: string;
beforeEach(async () => {
  proc = await mkdtemp(path.join(tmpdir(), "nettune-proc-"));
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

/**
 * A process's /proc entry, made beside the entry it replaces and then renamed over it: the two
 * exist at once, so the new one has another inode, as a new process's has in procfs.
 */
async function startProcess(pid: number, exe: string, argv: string[]): Promise<void> {
  const made = path.join(proc, `new-${String(pid)}`);
  await mkdir(made);
  await writeFile(path.join(made, "cmdline"), `${argv.join("\0")}\0`);
  await symlink(exe, path.join(made, "exe"));
  await rm(path.join(proc, String(pid)), { recursive: true, force: true });
  await rename(made, path.join(proc, String(pid)));
}

async function rewriteCmdline(pid: number, argv: string[]): Promise<void> {
  await writeFile(path.join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
}

const walk = async (known: KnownProcesses): Promise<string[]> =>
  (await new ProcessTable(proc, known).named("tuned")).map((p) => p.argv.join(" "));

describe("the running agent's known processes", () => {
  it("keep a process's command line while its /proc entry and exe stay the same", async () => {
    const known = new KnownProcesses(600_000, () => 0);
    await startProcess(100, "/usr/bin/python3", ["python3", "/usr/sbin/tuned", "-l"]);
    expect(await walk(known)).toEqual(["python3 /usr/sbin/tuned -l"]);
    // Read again only if the process changed: a new text under the same identity is not read.
    await rewriteCmdline(100, ["python3", "/usr/sbin/tuned", "-P"]);
    expect(await walk(known)).toEqual(["python3 /usr/sbin/tuned -l"]);
  });

  it.each([
    {
      sentence: "a new process under the same pid (another /proc entry)",
      change: async (): Promise<void> => {
        await startProcess(100, "/bin/sh", ["python3", "/usr/sbin/tuned", "-P"]);
      },
    },
    {
      sentence: "an exec of another program (the exe link points elsewhere)",
      change: async (): Promise<void> => {
        await rewriteCmdline(100, ["python3", "/usr/sbin/tuned", "-P"]);
        await rm(path.join(proc, "100", "exe"));
        await symlink("/usr/bin/python3.11", path.join(proc, "100", "exe"));
      },
    },
  ])("read the command line again after $sentence", async ({ change }) => {
    const known = new KnownProcesses(600_000, () => 0);
    await startProcess(100, "/bin/sh", ["python3", "/usr/sbin/tuned", "-l"]);
    await walk(known);
    await change();
    expect(await walk(known)).toEqual(["python3 /usr/sbin/tuned -P"]);
  });

  it("read every command line again once their time is up", async () => {
    let now = 0;
    const known = new KnownProcesses(600_000, () => now);
    await startProcess(100, "/usr/bin/python3", ["python3", "/usr/sbin/tuned", "-l"]);
    await walk(known);
    await rewriteCmdline(100, ["python3", "/usr/sbin/tuned", "-P"]);
    now = 600_000;
    expect(await walk(known)).toEqual(["python3 /usr/sbin/tuned -P"]);
  });

  it("find a process that started since, and forget one that ended", async () => {
    const known = new KnownProcesses(600_000, () => 0);
    await startProcess(100, "/usr/bin/python3", ["python3", "/usr/sbin/tuned", "-l"]);
    await walk(known);
    await rm(path.join(proc, "100"), { recursive: true });
    await startProcess(200, "/usr/bin/python3", ["python3", "/usr/sbin/tuned", "-d"]);
    expect(await walk(known)).toEqual(["python3 /usr/sbin/tuned -d"]);
  });
});
