import { readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { readText } from "./read.ts";

/**
 * The MSI vectors and NUMA node of a NIC's PCI function. Most drivers'
 * netdev `device` is that function; virtio_net's is the virtio device, whose
 * vectors and NUMA node sit on the PCI function above it.
 */
export async function pciFunction(
  base: string,
): Promise<{ msiIRQs: number[]; numaNode: string } | undefined> {
  const device = await realpath(path.join(base, "device")).catch(() => undefined);
  if (device === undefined) return undefined;
  const own = await readdir(path.join(device, "msi_irqs")).catch(() => undefined);
  const fn = own === undefined ? path.dirname(device) : device;
  const msi = own ?? (await readdir(path.join(fn, "msi_irqs")).catch(() => []));
  const numaNode =
    (await readText(path.join(fn, "numa_node"))) ||
    (await readText(path.join(device, "numa_node")));
  return { msiIRQs: msi.map(Number).filter(Number.isInteger), numaNode };
}
