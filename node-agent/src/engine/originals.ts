import { link, lstat, mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { HostDataError, readHostFile } from "../host/host-read.ts";
import { replaceFile, syncDirectory } from "../host/host-write.ts";
import { targetKey, type Target } from "../model/targets.ts";
import { StateError, type StateProblem } from "./state-error.ts";
import type { DeviceIdentity } from "../facts/device-identity.ts";
import { followRenames, type DeviceRename } from "./device-renames.ts";
import { checksumOf, parseState, type OriginalEntry, type StateFile } from "./originals-file.ts";

export { StateError };
export type { OriginalEntry };

export const stateFileName = "originals.json";
/** The generation before the current one, kept for a revert when the current cannot be trusted. */
export const previousStateFileName = "originals.previous.json";

// Thousands of originals fit in a few hundred KiB; a larger file is not one the agent wrote.
const stateFileLimit = 8 * 1024 * 1024;

/** Which file the store reads: the current generation, or the previous one for a recovery. */
export type StateGeneration = "current" | "previous";

export interface OpenOptions {
  now?: () => Date;
  /** Plans and Audit: stale originals are dropped in memory only and nothing is written. */
  readOnly?: boolean;
  /** Reads the previous generation (a revert when the current is unreadable). */
  generation?: StateGeneration;
}

/**
 * The values the node had before NetTune first changed them, kept in the run
 * directory (a tmpfs on nodes) so that a restarted agent still reverts
 * exactly. Every change is saved atomically before the write it protects,
 * and the generation before it is kept beside it.
 *
 * It fails closed: a state file that cannot be read, parsed or trusted, or a
 * boot id that cannot be read, throws StateError; the file is never
 * overwritten then, and the caller writes nothing to the host.
 */
export class OriginalsStore {
  private readonly dir: string;
  private readonly bootId: string;
  private readonly now: () => Date;
  private readonly readOnly: boolean;
  private generation = 0;
  private entries: OriginalEntry[] = [];

  private constructor(dir: string, bootId: string, now: () => Date, readOnly: boolean) {
    this.dir = dir;
    this.bootId = bootId;
    this.now = now;
    this.readOnly = readOnly;
  }

  /**
   * Opens the store. Originals from another boot describe a kernel that no
   * longer exists and are dropped before anything else happens; that is
   * decided only from two readable boot ids.
   */
  static async open(
    runDir: string,
    bootId: string | undefined,
    options: OpenOptions = {},
  ): Promise<{ store: OriginalsStore; discardedStale: number }> {
    const readOnly = options.readOnly ?? false;
    const store = new OriginalsStore(
      runDir,
      requireBootId(runDir, bootId, readOnly),
      options.now ?? (() => new Date()),
      readOnly,
    );
    const generation = options.generation ?? "current";
    const saved = await readGeneration(runDir, generation);
    if (generation === "previous" && !readOnly) await setAsideCurrent(runDir);
    if (saved === undefined) return { store, discardedStale: 0 };
    store.generation = saved.generation ?? 0;
    if (bootId === undefined || saved.bootId === bootId) {
      store.entries = saved.entries;
      return { store, discardedStale: 0 };
    }
    if (!readOnly) await store.save();
    return { store, discardedStale: saved.entries.length };
  }

  list(): readonly OriginalEntry[] {
    return this.entries;
  }

  originalOf(target: Target): string | undefined {
    const key = targetKey(target);
    return this.entries.find((entry) => entry.key === key)?.original;
  }

  /**
   * Records values once, before their first write; later writes keep the first
   * original. One atomic save covers them all.
   */
  async record(
    originals: readonly {
      target: Target;
      original: string;
      name?: string;
      device?: DeviceIdentity | undefined;
    }[],
  ): Promise<void> {
    let added = false;
    for (const { target, original, name, device } of originals) {
      const key = targetKey(target);
      if (this.entries.some((entry) => entry.key === key)) continue;
      const entry: OriginalEntry = { key, target, original, recordedAt: this.now().toISOString() };
      if (name !== undefined) entry.name = name;
      if (device !== undefined) entry.device = device;
      this.entries.push(entry);
      added = true;
    }
    if (added) await this.save();
  }

  /**
   * Moves the originals of an interface that was renamed to its new name, found
   * by the identity recorded with them, so that they are restored there rather
   * than forgotten as gone. One save covers every rename; none when read-only.
   */
  async followRenames(present: ReadonlyMap<string, DeviceIdentity>): Promise<DeviceRename[]> {
    const { entries, renames } = followRenames(this.entries, present);
    if (renames.length === 0) return [];
    this.entries = entries;
    if (!this.readOnly) await this.save();
    return renames;
  }

  async forget(key: string): Promise<void> {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => entry.key !== key);
    if (this.entries.length !== before) await this.save();
  }

  /**
   * Writes the next generation: the current file is first linked as the
   * previous one, then replaced. A failed save (a full file system) throws
   * StateError and leaves both files as they were.
   */
  private async save(): Promise<void> {
    const file = path.join(this.dir, stateFileName);
    if (this.readOnly) throw new Error(`${file}: opened read-only, not saving`);
    this.generation += 1;
    const body = { version: 2 as const, bootId: this.bootId, generation: this.generation };
    const state: StateFile = {
      ...body,
      entries: this.entries,
      checksum: checksumOf(body, this.entries),
    };
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const text = JSON.stringify(state, null, 2);
      const hadCurrent = await keepAsPrevious(this.dir);
      await replaceFile(this.dir, stateFileName, text, 0o600);
      // The first generation is its own previous too, so that a current file that goes missing
      // is always seen. A copy, not a link: damage to the current file must not reach it.
      if (!hadCurrent) await replaceFile(this.dir, previousStateFileName, text, 0o600);
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code ?? "unknown";
      throw new StateError("StateUnwritable", file, `cannot be saved (${code})`, { cause });
    }
  }
}

/**
 * The boot id to record under. Without one the store cannot tell this boot's
 * originals from an earlier boot's, so only a read-only store opens.
 */
function requireBootId(runDir: string, bootId: string | undefined, readOnly: boolean): string {
  if (bootId !== undefined || readOnly) return bootId ?? "";
  throw new StateError(
    "BootIdUnreadable",
    path.join(runDir, stateFileName),
    "the kernel's boot id cannot be read, so recorded originals cannot be told from another boot's",
  );
}

/** Moves an untrusted current generation out of the way under a name of its own, for people to inspect. */
async function setAsideCurrent(dir: string): Promise<void> {
  const aside = `${stateFileName}.untrusted.${randomBytes(4).toString("hex")}`;
  await rename(path.join(dir, stateFileName), path.join(dir, aside)).catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
  });
}

/**
 * Links the current generation as the previous one, atomically: there is never
 * a moment without either. False when there is no current generation yet.
 */
async function keepAsPrevious(dir: string): Promise<boolean> {
  const side = path.join(dir, `.${previousStateFileName}.${randomBytes(8).toString("hex")}.tmp`);
  try {
    await link(path.join(dir, stateFileName), side);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw cause;
  }
  try {
    await rename(side, path.join(dir, previousStateFileName));
  } catch (cause) {
    await rm(side, { force: true });
    throw cause;
  }
  await syncDirectory(dir);
  return true;
}

/**
 * One generation's state, or undefined when none was ever written. Anything
 * unusable throws StateError: it is never read as "no originals".
 */
async function readGeneration(
  dir: string,
  generation: StateGeneration,
): Promise<StateFile | undefined> {
  if (generation === "previous") {
    // The current one is not read at all: it is the one that cannot be trusted.
    const previous = await readStateFile(dir, previousStateFileName);
    if (previous === undefined)
      throw new StateError("StateMissing", path.join(dir, previousStateFileName), "does not exist");
    return previous;
  }
  const current = await readStateFile(dir, stateFileName);
  if (current !== undefined) return current;
  // The current generation never goes away once written (the first is its own previous):
  // one that did was removed by hand, and what it held cannot be known.
  const previous = await readStateFile(dir, previousStateFileName).catch(() => undefined);
  if (previous !== undefined)
    throw new StateError(
      "StateMissing",
      path.join(dir, stateFileName),
      `is missing while ${previousStateFileName} exists (it held ${previous.entries.length} originals a generation ago)`,
    );
  return undefined;
}

async function readStateFile(dir: string, name: string): Promise<StateFile | undefined> {
  const file = path.join(dir, name);
  // The agent writes only plain files here; a link in their place was planted.
  if ((await lstat(file).catch(() => undefined))?.isSymbolicLink())
    throw new StateError("StateUnreadable", file, "is a symlink");
  let text: string | undefined;
  try {
    // The run dir is the agent's own: resolved with itself as the root, no link leads out of it.
    text = await readHostFile(dir, file, stateFileLimit);
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    throw new StateError("StateUnreadable", file, cause.problem, { cause });
  }
  if (text === undefined) return undefined;
  const state = parseState(text);
  if (typeof state === "string") throw new StateError("StateUnreadable", file, state);
  return state;
}

export type { StateProblem };
