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
  for (const dir of [device, path.dirname(device)]) {
    const msi = await readdir(path.join(dir, "msi_irqs")).catch(() => undefined);
    if (msi === undefined && dir === device) continue;
    const numaNode =
      (await readText(path.join(dir, "numa_node"))) ||
      (await readText(path.join(device, "numa_node")));
    return { msiIRQs: (msi ?? []).map(Number).filter(Number.isInteger), numaNode };
  }
  return undefined;
}
