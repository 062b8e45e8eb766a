// The originals store's file format: what one generation holds, and the
// checks that decide whether a file read back is one the agent wrote. Nothing
// here touches the host; the store (originals.ts) reads and writes the files.
import { createHash } from "node:crypto";
import type { DeviceIdentity } from "../facts/device-identity.ts";
import { checkTarget, targetKey, type Target } from "../model/targets.ts";

export interface OriginalEntry {
  key: string;
  /** The setting's name in results, such as "eth0/channels.rx". */
  name?: string;
  target: Target;
  original: string;
  recordedAt: string;
  /** The interface's identity when the target belongs to one: a rename is followed by it. */
  device?: DeviceIdentity;
}

/** What is stored: version 2 adds a generation and a checksum over the rest. */
export interface StateFile {
  version: 1 | 2;
  bootId: string;
  generation?: number;
  entries: OriginalEntry[];
  checksum?: string;
}

/** The state in `text`, or what is wrong with it: the first of the checks below that fails. */
export function parseState(text: string): StateFile | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "is not JSON";
  }
  if (typeof parsed !== "object" || parsed === null) return "is not a NetTune state file";
  const state = parsed as StateFile;
  for (const check of stateChecks) {
    const problem = check(state);
    if (problem !== undefined) return problem;
  }
  return state;
}

type StateCheck = (state: StateFile) => string | undefined;

/** In order: each check may rely on the ones before it. */
const stateChecks: StateCheck[] = [
  function knownVersion(state) {
    // What was parsed is not yet known to be a StateFile: each check reads it as unknown.
    const version: unknown = state.version;
    return version === 1 || version === 2 ? undefined : "has an unknown version";
  },
  function hasShape(state) {
    const { bootId, entries } = state as { bootId: unknown; entries: unknown };
    return typeof bootId === "string" && Array.isArray(entries)
      ? undefined
      : "is not a NetTune state file";
  },
  function checksumHolds(state) {
    // Version 1, written by earlier agents, has no checksum: it is read as it is.
    if (state.version === 1) return undefined;
    const body = { version: 2 as const, bootId: state.bootId, generation: state.generation ?? 0 };
    return state.checksum === checksumOf(body, state.entries)
      ? undefined
      : "fails its checksum (changed or truncated after it was written)";
  },
  function entriesAllowed(state) {
    const bad = state.entries.findIndex((entry) => !isValidEntry(entry));
    return bad === -1 ? undefined : `entry ${bad} is not a target NetTune may change`;
  },
  function keysUnique(state) {
    const keys = new Set(state.entries.map((entry) => entry.key));
    return keys.size === state.entries.length ? undefined : "records one target twice";
  },
];

export function checksumOf(body: object, entries: readonly OriginalEntry[]): string {
  return createHash("sha256")
    .update(JSON.stringify({ ...body, entries }))
    .digest("hex");
}

/** Entries pass the allowlist again: a tampered state file cannot steer a revert elsewhere. */
function isValidEntry(entry: unknown): entry is OriginalEntry {
  if (typeof entry !== "object" || entry === null) return false;
  const candidate = entry as {
    original?: unknown;
    key?: unknown;
    target?: unknown;
    device?: unknown;
  };
  if (typeof candidate.original !== "string" || typeof candidate.key !== "string") return false;
  if (candidate.device !== undefined && !isIdentity(candidate.device)) return false;
  if (typeof candidate.target !== "object" || candidate.target === null) return false;
  try {
    const target = checkTarget(candidate.target as Target);
    return targetKey(target) === candidate.key;
  } catch {
    return false;
  }
}

function isIdentity(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  return Object.entries(value).every(
    ([key, field]) => (key === "busInfo" || key === "address") && typeof field === "string",
  );
}
