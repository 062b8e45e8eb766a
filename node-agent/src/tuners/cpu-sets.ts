import { CPUListError, parseCPUList } from "../../../api/helpers/cpu-list.ts";
import { numaLocalCPUs, type CPUTopology } from "../facts/cpu-topology.ts";

export type ResolvedCPUs = { cpus: number[] } | { error: string };

/** "all", "numa-local", the housekeeping sets or a CPU list, narrowed to the CPUs that are online. */
export function resolveCPUSet(set: string, cpus: CPUTopology, numaNode: number): ResolvedCPUs {
  if (set === "all") return { cpus: cpus.online };
  if (set === "numa-local") return { cpus: numaLocalCPUs(cpus, numaNode) };
  const housekeeping = cpus.housekeeping?.cpus ?? cpus.online;
  if (set === "housekeeping") return { cpus: housekeeping };
  if (set === "numa-local-housekeeping") {
    const local = new Set(numaLocalCPUs(cpus, numaNode));
    const both = housekeeping.filter((cpu) => local.has(cpu));
    return { cpus: both.length > 0 ? both : housekeeping };
  }
  try {
    const online = new Set(cpus.online);
    const wanted = parseCPUList(set).filter((cpu) => online.has(cpu));
    return wanted.length > 0 ? { cpus: wanted } : { error: `none of CPUs ${set} is online` };
  } catch (cause) {
    if (cause instanceof CPUListError) return { error: cause.message };
    throw cause;
  }
}
