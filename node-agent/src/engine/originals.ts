import { NodeConditionReason } from "../../../api/v1alpha1/reasons.ts";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { replaceFile } from "../host/host-write.ts";
import { targetKey, type Target } from "../model/targets.ts";
import { StateError, type StateProblem } from "./state-error.ts";
import type { DeviceIdentity } from "../facts/device-identity.ts";
import { followRenames, type DeviceRename } from "./device-renames.ts";
import { checksumOf, type OriginalEntry, type StateFile } from "./originals-file.ts";
import {
  keepAsPrevious,
  previousStateFileName,
  readGeneration,
  setAsideCurrent,
  stateFileName,
  type StateGeneration,
} from "./originals-generations.ts";

export { StateError };
export type { OriginalEntry };

export { previousStateFileName, stateFileName, type StateGeneration };

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
      throw new StateError(NodeConditionReason.StateUnwritable, file, `cannot be saved (${code})`, {
        cause,
      });
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
    NodeConditionReason.BootIdUnreadable,
    path.join(runDir, stateFileName),
    "the kernel's boot id cannot be read, so recorded originals cannot be told from another boot's",
  );
}

export type { StateProblem };
