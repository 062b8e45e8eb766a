import { access } from "node:fs/promises";
import path from "node:path";
import { HostDataError, readHostFile } from "../host/host-read.ts";

/** A fact file's text; absent, unusable (a FIFO, a device, too large) or unreadable reads as "". */
export async function readText(file: string): Promise<string> {
  return (await readHostFile(file).catch(undefinedOnHostData)) ?? "";
}

export function undefinedOnHostData(cause: unknown): undefined {
  if (cause instanceof HostDataError) return undefined;
  throw cause;
}

/** This boot's id (/proc/sys/kernel/random/boot_id): originals from another boot are void. */
export async function readBootId(proc: string): Promise<string> {
  return (await readText(path.join(proc, "sys/kernel/random/boot_id"))).trim();
}

export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
