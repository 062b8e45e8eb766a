import path from "node:path";
import { hostPathExists, listHostDir, realHostPath } from "../host/host-read.ts";
import { readText } from "./read.ts";

/**
 * The MSI vectors and NUMA node of a NIC's PCI function. Most drivers'
 * netdev `device` is that function; virtio_net's is the virtio device, whose
 * vectors and NUMA node sit on the PCI function above it.
 */
export async function pciFunction(
  root: string,
  base: string,
): Promise<{ msiIRQs: number[]; numaNode: string } | undefined> {
  const device = await realHostPath(root, path.join(base, "device"));
  if (device === undefined) return undefined;
  const ownVectors = await hostPathExists(root, path.join(device, "msi_irqs"));
  const fn = ownVectors ? device : path.dirname(device);
  const msi = await listHostDir(root, path.join(fn, "msi_irqs"));
  const numaNode =
    (await readText(root, path.join(fn, "numa_node"))) ||
    (await readText(root, path.join(device, "numa_node")));
  return { msiIRQs: msi.map(Number).filter(Number.isInteger), numaNode };
}
