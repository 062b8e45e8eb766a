import path from "node:path";
import { listHostDir } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";
import { exists } from "./read.ts";

/**
 * The interfaces backed by a device (/sys/class/net/NAME/device): the ones
 * with rings and missed-packet counters. A node runs a veth per pod, so the
 * directory is listed on every call but only a name not seen before is
 * looked at: a check reads the counters of its few NICs, not of every pod.
 */
export class PhysicalNICs {
  private readonly paths: HostPaths;
  private known = new Map<string, boolean>();

  constructor(paths: HostPaths) {
    this.paths = paths;
  }

  async current(): Promise<string[]> {
    const base = path.join(this.paths.sys, "class/net");
    const names = await listHostDir(this.paths.root, base);
    const next = new Map<string, boolean>();
    for (const name of names) {
      const physical =
        this.known.get(name) ?? (await exists(this.paths.root, path.join(base, name, "device")));
      next.set(name, physical);
    }
    // Names that went away are forgotten: one that comes back is looked at again.
    this.known = next;
    return names.filter((name) => next.get(name) === true);
  }
}
