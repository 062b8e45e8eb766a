import path from "node:path";
import { readText } from "./read.ts";

/** Each IRQ's smp_affinity_list (the CPUs it may run on now); absent where unreadable. */
export async function readIRQAffinities(
  root: string,
  proc: string,
  irqs: readonly number[],
): Promise<Map<number, string>> {
  const affinities = new Map<number, string>();
  for (const irq of irqs) {
    const file = path.join(proc, "irq", String(irq), "smp_affinity_list");
    const text = (await readText(root, file)).trim();
    if (/^[0-9,-]+$/.test(text)) affinities.set(irq, text);
  }
  return affinities;
}
