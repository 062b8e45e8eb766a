import { mkdir, readFile, rename, writeFile, open } from "node:fs/promises";
import path from "node:path";
import { checkTarget, targetKey, type Target } from "../host/targets.ts";

export interface OriginalEntry {
  key: string;
  /** The setting's name in results, such as "eth0/channels.rx". */
  name?: string;
  target: Target;
  original: string;
  recordedAt: string;
}

interface StateFile {
  version: 1;
  bootId: string;
  entries: OriginalEntry[];
}

/**
 * The values the node had before NetTune first changed them, kept in the run
 * directory (a tmpfs on nodes) so that a restarted agent still reverts
 * exactly. Every change is saved atomically before the write it protects.
 */
export class OriginalsStore {
  private readonly file: string;
  private readonly bootId: string;
  private readonly now: () => Date;
  private readonly readOnly: boolean;
  private entries: OriginalEntry[] = [];

  private constructor(file: string, bootId: string, now: () => Date, readOnly: boolean) {
    this.file = file;
    this.bootId = bootId;
    this.now = now;
    this.readOnly = readOnly;
  }

  /**
   * Opens the store. Originals from another boot describe a kernel that no
   * longer exists and are dropped before anything else happens. A read-only
   * store (plans, Audit) drops them in memory only and never writes.
   */
  static async open(
    runDir: string,
    bootId: string,
    now: () => Date = () => new Date(),
    readOnly = false,
  ): Promise<{ store: OriginalsStore; discardedStale: number }> {
    const store = new OriginalsStore(path.join(runDir, "originals.json"), bootId, now, readOnly);
    const saved = await readState(store.file, readOnly);
    let discardedStale = 0;
    if (saved && saved.bootId === bootId) {
      store.entries = saved.entries.filter((entry) => isValidEntry(entry));
    } else if (saved) {
      discardedStale = saved.entries.length;
      if (!readOnly) await store.save();
    }
    return { store, discardedStale };
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
    originals: readonly { target: Target; original: string; name?: string }[],
  ): Promise<void> {
    let added = false;
    for (const { target, original, name } of originals) {
      const key = targetKey(target);
      if (this.entries.some((entry) => entry.key === key)) continue;
      const entry: OriginalEntry = { key, target, original, recordedAt: this.now().toISOString() };
      if (name !== undefined) entry.name = name;
      this.entries.push(entry);
      added = true;
    }
    if (added) await this.save();
  }

  async forget(key: string): Promise<void> {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => entry.key !== key);
    if (this.entries.length !== before) await this.save();
  }

  private async save(): Promise<void> {
    if (this.readOnly) throw new Error(`${this.file}: opened read-only, not saving`);
    await mkdir(path.dirname(this.file), { recursive: true });
    const state: StateFile = { version: 1, bootId: this.bootId, entries: this.entries };
    const temporary = `${this.file}.${process.pid}.tmp`;
    const handle = await open(temporary, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 2));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
  }
}

async function readState(file: string, readOnly: boolean): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as StateFile;
    return Array.isArray(parsed.entries) && typeof parsed.bootId === "string" ? parsed : undefined;
  } catch (cause) {
    // A half-written file cannot happen (rename is atomic); a corrupt one is kept for people to inspect.
    if (!readOnly) await writeFile(`${file}.corrupt`, text);
    throw new Error(`${file} is not a NetTune state file`, { cause });
  }
}

/** Entries pass the allowlist again: a tampered state file cannot steer a revert elsewhere. */
function isValidEntry(entry: OriginalEntry): boolean {
  try {
    checkTarget(entry.target);
    return targetKey(entry.target) === entry.key && typeof entry.original === "string";
  } catch {
    return false;
  }
}
