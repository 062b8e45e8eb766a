// A simulated host root (test/harness/simulated-host.ts) next to a directory
// "outside" it that no agent write may ever reach, with helpers to plant
// links, FIFOs and garbage, and to snapshot both trees.
import { execFile } from "node:child_process";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildSimulatedHost } from "./simulated-host.ts";

const run = promisify(execFile);

/** What an outside file holds until something writes it. */
export const untouched = "untouched\n";

export class HostileRoot {
  readonly root: string;
  readonly outside: string;
  readonly runDir: string;
  private readonly mounts: string[] = [];

  private constructor(root: string, outside: string) {
    this.root = root;
    this.outside = outside;
    this.runDir = path.join(root, "run/nettune");
  }

  /** A simulated host with two queue IRQs on sim0, and an outside directory of decoys. */
  static async create(): Promise<HostileRoot> {
    const root = await mkdtemp(path.join(tmpdir(), "nettune-hostile-root-"));
    const outside = await mkdtemp(path.join(tmpdir(), "nettune-hostile-outside-"));
    const host = new HostileRoot(root, outside);
    await buildSimulatedHost(root, "3f0c6a8e-0d5b-4c1e-9a7f-1b2c3d4e5f60");
    await host.put("sys/class/net/sim0/device/msi_irqs/40", "msix\n");
    await host.put("sys/class/net/sim0/device/msi_irqs/41", "msix\n");
    await host.put("proc/irq/40/smp_affinity_list", "0-3\n");
    await host.put("proc/irq/41/smp_affinity_list", "0-3\n");
    await host.put(
      "proc/interrupts",
      "           CPU0       CPU1       CPU2       CPU3\n  40:   1 0 0 0  PCI-MSIX  sim0-TxRx-0\n  41:   1 0 0 0  PCI-MSIX  sim0-TxRx-1\n",
    );
    await host.decoy("victim");
    return host;
  }

  async destroy(): Promise<void> {
    for (const mount of this.mounts.splice(0).reverse()) await run("umount", [mount]);
    await rm(this.root, { recursive: true, force: true });
    await rm(this.outside, { recursive: true, force: true });
  }

  /** A path inside the root. */
  at(relative: string): string {
    return path.join(this.root, relative);
  }

  async put(relative: string, text: string): Promise<void> {
    await mkdir(path.dirname(this.at(relative)), { recursive: true });
    await writeFile(this.at(relative), text);
  }

  /**
   * A file outside the root, holding `text` (by default `untouched`); returns
   * its path. A decoy that holds a plausible value is one the agent would write.
   */
  async decoy(relative: string, text = untouched): Promise<string> {
    const file = path.join(this.outside, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  }

  /** Replaces `relative` (file or directory) with a symlink to `target`. */
  async link(relative: string, target: string): Promise<void> {
    await rm(this.at(relative), { recursive: true, force: true });
    await mkdir(path.dirname(this.at(relative)), { recursive: true });
    await symlink(target, this.at(relative));
  }

  /** Replaces `relative` with a directory symlink to a copy of it outside, full of decoys. */
  async linkDirOut(relative: string, absolute = true): Promise<void> {
    const names = await readdir(this.at(relative), { recursive: true });
    for (const name of names) {
      const inside = path.join(this.at(relative), name);
      if ((await lstat(inside)).isFile())
        await this.decoy(path.join("dir", relative, name), await readFile(inside, "utf8"));
    }
    const target = path.join(this.outside, "dir", relative);
    await this.link(relative, absolute ? target : this.climbTo(relative, target));
  }

  /** A relative link target from `relative`'s directory that climbs out of the root to `target`. */
  climbTo(relative: string, target: string): string {
    const depth = relative.split("/").length - 1 + this.root.split("/").length + 4;
    return `${"../".repeat(depth)}${target.slice(1)}`;
  }

  /** A tmpfs of `size` (such as "16k") at `relative`, filled up: every write there fails with ENOSPC. */
  async fullFilesystem(relative: string, size: string): Promise<void> {
    await mkdir(this.at(relative), { recursive: true });
    await run("mount", ["-t", "tmpfs", "-o", `size=${size}`, "nettune-full", this.at(relative)]);
    this.mounts.push(this.at(relative));
    const fill = path.join(this.at(relative), "fill");
    await run("sh", ["-c", `dd if=/dev/zero of=${fill} bs=1k count=1024 2>/dev/null || true`]);
  }

  async fifo(relative: string): Promise<void> {
    await rm(this.at(relative), { recursive: true, force: true });
    await run("mkfifo", [this.at(relative)]);
  }

  /** Every file outside the root with its content: it must never change. */
  async outsideFiles(): Promise<Record<string, string>> {
    return filesUnder(this.outside);
  }

  /** Every regular file of the simulated kernel and resolver, with its content. */
  async kernelFiles(): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    for (const top of ["proc", "sys", "etc"])
      Object.assign(files, await filesUnder(this.at(top), `${top}/`));
    return files;
  }

  /** The originals file's bytes, or what it is when it is no regular file (never read then). */
  async stateBytes(): Promise<string | undefined> {
    const file = path.join(this.runDir, "originals.json");
    const stats = await lstat(file).catch(() => undefined);
    if (stats === undefined) return undefined;
    if (!stats.isFile()) return `not a file: mode ${stats.mode.toString(8)}`;
    return readFile(file, "utf8");
  }
}

async function filesUnder(dir: string, prefix = ""): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const stats = await lstat(file).catch(() => undefined);
    if (stats?.isFile()) files[prefix + name] = await readFile(file, "utf8");
  }
  return files;
}
