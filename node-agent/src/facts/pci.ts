import path from "node:path";
import { hostPathExists, listHostDir, realHostPath } from "../host/host-read.ts";
import { readText } from "./read.ts";

/**
 * The MSI vectors, NUMA node and PCI IDs of a NIC's PCI function. Most drivers'
 * netdev `device` is that function; virtio_net's is the virtio device, whose
 * vectors and NUMA node sit on the PCI function above it.
 */
export async function pciFunction(
  root: string,
  base: string,
): Promise<{ msiIRQs: number[]; numaNode: string; pciDevice?: string } | undefined> {
  const device = await realHostPath(root, path.join(base, "device"));
  if (device === undefined) return undefined;
  const ownVectors = await hostPathExists(root, path.join(device, "msi_irqs"));
  const fn = ownVectors ? device : path.dirname(device);
  const msi = await listHostDir(root, path.join(fn, "msi_irqs"));
  const numaNode =
    (await readText(root, path.join(fn, "numa_node"))) ||
    (await readText(root, path.join(device, "numa_node")));
  const msiIRQs = msi.map(Number).filter(Number.isInteger);
  const pciDevice = await pciDeviceID(root, fn);
  return pciDevice === undefined ? { msiIRQs, numaNode } : { msiIRQs, numaNode, pciDevice };
}

/** "8086:1572" from the function's vendor and device files ("0x8086"); absent off PCI or when unreadable. */
async function pciDeviceID(root: string, fn: string): Promise<string | undefined> {
  const hex = /^0x([0-9a-f]{4})$/;
  const vendor = hex.exec((await readText(root, path.join(fn, "vendor"))).trim().toLowerCase());
  const device = hex.exec((await readText(root, path.join(fn, "device"))).trim().toLowerCase());
  return vendor?.[1] && device?.[1] ? `${vendor[1]}:${device[1]}` : undefined;
}
