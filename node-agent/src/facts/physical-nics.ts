import path from "node:path";
import { listHostDir } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { driverFromSysfs } from "./node-layout.ts";
import { exists } from "./read.ts";

/**
 * The interfaces backed by a device (/sys/class/net/NAME/device): the ones
 * with rings and missed-packet counters. A node runs a veth per pod, so the
 * directory is listed on every call but only a name not seen before is
 * looked at: a check reads the counters of its few NICs, not of every pod.
 */
export class PhysicalNICs {
  private readonly paths: HostPaths;
  /** Per name: whether a device backs it, and its driver (read with it, once). */
  private known = new Map<string, { physical: boolean; driver?: string }>();

  constructor(paths: HostPaths) {
    this.paths = paths;
  }

  async current(): Promise<string[]> {
    const base = path.join(this.paths.sys, "class/net");
    const names = await listHostDir(this.paths.root, base);
    const next = new Map<string, { physical: boolean; driver?: string }>();
    for (const name of names) next.set(name, this.known.get(name) ?? (await this.look(base, name)));
    // Names that went away are forgotten: one that comes back is looked at again.
    this.known = next;
    return names.filter((name) => next.get(name)?.physical === true);
  }

  /** The driver of a NIC the last current() listed. */
  driverOf(name: string): string | undefined {
    return this.known.get(name)?.driver;
  }

  private async look(base: string, name: string): Promise<{ physical: boolean; driver?: string }> {
    const physical = await exists(this.paths.root, path.join(base, name, "device"));
    const driver = physical
      ? await driverFromSysfs(this.paths.root, path.join(base, name))
      : undefined;
    return driver === undefined ? { physical } : { physical, driver };
  }
}
