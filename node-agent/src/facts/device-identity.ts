import path from "node:path";
import { listHostDir, readHostFile, readHostLink } from "../host/host-read.ts";
import type { HostPaths } from "../host/paths.ts";

/**
 * What stays the same when an interface is renamed: the device it sits on
 * (the basename of /sys/class/net/NAME/device: a PCI address, or virtioN) and
 * its hardware address. Originals are kept per boot, so this only has to hold
 * for the life of a boot.
 */
export interface DeviceIdentity {
  busInfo?: string;
  address?: string;
}

/**
 * Every interface's identity, read from sysfs: the device it sits on and its
 * hardware address. An interface whose files cannot be read has no identity
 * (it is left out); nothing is guessed.
 */
export async function readDeviceIdentities(paths: HostPaths): Promise<Map<string, DeviceIdentity>> {
  const base = path.join(paths.sys, "class/net");
  const identities = new Map<string, DeviceIdentity>();
  for (const name of await listHostDir(paths.root, base)) {
    const identity: DeviceIdentity = {};
    const device = await readHostLink(paths.root, path.join(base, name, "device"));
    if (device) identity.busInfo = path.basename(device);
    const address = await readHostFile(paths.root, path.join(base, name, "address"), 256).catch(
      () => undefined,
    );
    if (address?.trim()) identity.address = address.trim();
    if (identity.busInfo !== undefined || identity.address !== undefined)
      identities.set(name, identity);
  }
  return identities;
}
