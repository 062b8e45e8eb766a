import type { DeviceIRQsTuning } from "../../../api/v1alpha1/node-settings.ts";
import { formatCPUList } from "../../../api/helpers/cpu-list.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import type { CPUTopology } from "../facts/cpu-topology.ts";
import { resolveCPUSet, type ResolvedCPUs } from "./cpu-sets.ts";
import { step, verdict, type PlannedSetting } from "./types.ts";

export interface DeviceIRQContext {
  /** Every IRQ /proc/interrupts names. */
  irqs: readonly { irq: number; name: string }[];
  cpus: CPUTopology;
  /** IRQs an interface's irqAffinity already places: theirs is the more specific wish. */
  placed: ReadonlySet<number>;
  cpuSets?: Map<string, ResolvedCPUs>;
  source?: string;
}

/**
 * Every other device IRQ onto the CPUs asked for. One setting per IRQ, so
 * that its original is kept and restored exactly; an IRQ the kernel manages
 * refuses the write and is reported as such (outcomes.ts), the rest applied.
 */
export function planDeviceIRQs(
  desired: DeviceIRQsTuning,
  context: DeviceIRQContext,
): PlannedSetting[] {
  const { irqs, cpus, placed, cpuSets, source } = context;
  const resolved = resolveCPUSet(desired.cpus, cpus, -1, cpuSets);
  if ("error" in resolved)
    return [
      verdict(
        "deviceIRQs",
        desired.cpus,
        "Invalid",
        SettingReason.Refused,
        `deviceIRQs cpus=${desired.cpus}: ${resolved.error}`,
        source,
      ),
    ];
  const cpuList = formatCPUList(resolved.cpus);
  return irqs
    .filter(({ irq }) => !placed.has(irq))
    .map(({ irq, name }) =>
      step(
        `irq/${irq}`,
        cpuList,
        { kind: "proc", path: `irq/${irq}/smp_affinity_list` },
        source,
        name,
      ),
    );
}
