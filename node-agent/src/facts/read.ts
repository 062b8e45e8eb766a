import path from "node:path";
import { HostDataError, hostPathExists, readHostFile } from "../host/host-read.ts";

/**
 * A fact file's text, resolved inside the host root; absent, unusable (a FIFO,
 * a device, too large, a link out of the root) or unreadable reads as "".
 */
export async function readText(root: string, file: string): Promise<string> {
  return (await readHostFile(root, file).catch(undefinedOnHostData)) ?? "";
}

/** A fact file that holds one whole number (a sysctl, a sysfs counter); undefined when absent or not one. */
export async function readWholeNumber(root: string, file: string): Promise<number | undefined> {
  const text = (await readText(root, file)).trim();
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

export function undefinedOnHostData(cause: unknown): undefined {
  if (cause instanceof HostDataError) return undefined;
  throw cause;
}

// The kernel prints boot_id as a UUID (drivers/char/random.c, proc_do_uuid); anything
// that is not one short token cannot be compared with a recorded id.
const bootIdPattern = /^[0-9A-Za-z-]{1,64}$/;

/**
 * This boot's id (/proc/sys/kernel/random/boot_id): originals from another
 * boot are void. Undefined when it cannot be read or is not a boot id: the
 * originals store then refuses to decide that the node rebooted.
 */
export async function readBootId(root: string, proc: string): Promise<string | undefined> {
  const id = (await readText(root, path.join(proc, "sys/kernel/random/boot_id"))).trim();
  return bootIdPattern.test(id) ? id : undefined;
}

export function exists(root: string, file: string): Promise<boolean> {
  return hostPathExists(root, file);
}
