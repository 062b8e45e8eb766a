import { NodeConditionReason } from "../../../api/v1alpha1/reasons.ts";
import { link, lstat, rename, rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { HostDataError, readHostFile } from "../host/host-read.ts";
import { syncDirectory } from "../host/host-write.ts";
import { parseState, type StateFile } from "./originals-file.ts";
import { StateError } from "./state-error.ts";

// The originals store's two generations on disk: the current file and the one
// before it, which a person can restore from when the current cannot be trusted.

export const stateFileName = "originals.json";
/** The generation before the current one, kept for a revert when the current cannot be trusted. */
export const previousStateFileName = "originals.previous.json";

// Thousands of originals fit in a few hundred KiB; a larger file is not one the agent wrote.
const stateFileLimit = 8 * 1024 * 1024;

/** Which file the store reads: the current generation, or the previous one for a recovery. */
export type StateGeneration = "current" | "previous";

/** Moves an untrusted current generation out of the way under a name of its own, for people to inspect. */
export async function setAsideCurrent(dir: string): Promise<void> {
  const aside = `${stateFileName}.untrusted.${randomBytes(4).toString("hex")}`;
  await rename(path.join(dir, stateFileName), path.join(dir, aside)).catch((cause: unknown) => {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
  });
}

/**
 * Links the current generation as the previous one, atomically: there is never
 * a moment without either. False when there is no current generation yet.
 */
export async function keepAsPrevious(dir: string): Promise<boolean> {
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
export async function readGeneration(
  dir: string,
  generation: StateGeneration,
): Promise<StateFile | undefined> {
  if (generation === "previous") {
    // The current one is not read at all: it is the one that cannot be trusted.
    const previous = await readStateFile(dir, previousStateFileName);
    if (previous === undefined)
      throw new StateError(
        NodeConditionReason.StateMissing,
        path.join(dir, previousStateFileName),
        "does not exist",
      );
    return previous;
  }
  const current = await readStateFile(dir, stateFileName);
  if (current !== undefined) return current;
  // The current generation never goes away once written (the first is its own previous):
  // one that did was removed by hand, and what it held cannot be known.
  const previous = await readStateFile(dir, previousStateFileName).catch(() => undefined);
  if (previous !== undefined)
    throw new StateError(
      NodeConditionReason.StateMissing,
      path.join(dir, stateFileName),
      `is missing while ${previousStateFileName} exists (it held ${previous.entries.length} originals a generation ago)`,
    );
  return undefined;
}

async function readStateFile(dir: string, name: string): Promise<StateFile | undefined> {
  const file = path.join(dir, name);
  // The agent writes only plain files here; a link in their place was planted.
  if ((await lstat(file).catch(() => undefined))?.isSymbolicLink())
    throw new StateError(NodeConditionReason.StateUnreadable, file, "is a symlink");
  let text: string | undefined;
  try {
    // The run dir is the agent's own: resolved with itself as the root, no link leads out of it.
    text = await readHostFile(dir, file, stateFileLimit);
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    throw new StateError(NodeConditionReason.StateUnreadable, file, cause.problem, { cause });
  }
  if (text === undefined) return undefined;
  const state = parseState(text);
  if (typeof state === "string")
    throw new StateError(NodeConditionReason.StateUnreadable, file, state);
  return state;
}
