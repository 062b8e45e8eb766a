import { access } from "node:fs/promises";
import { HostDataError, readHostFile } from "../host/host-read.ts";

/** A fact file's text; absent, unusable (a FIFO, a device, too large) or unreadable reads as "". */
export async function readText(file: string): Promise<string> {
  return (await readHostFile(file).catch(undefinedOnHostData)) ?? "";
}

export function undefinedOnHostData(cause: unknown): undefined {
  if (cause instanceof HostDataError) return undefined;
  throw cause;
}

export async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
