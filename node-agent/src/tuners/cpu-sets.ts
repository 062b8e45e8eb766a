import { CPUListError, parseCPUList } from "../../../api/helpers/cpu-list.ts";
import { numaLocalCPUs, type CPUTopology } from "../facts/cpu-topology.ts";

export type ResolvedCPUs = { cpus: number[] } | { error: string };

/**
 * "all", "numa-local", the housekeeping sets or a CPU list, narrowed to the
 * CPUs that are online. `memo`, shared by one plan, resolves each distinct
 * set once: a spec may repeat a long list for thousands of queues.
 */
export function resolveCPUSet(
  set: string,
  cpus: CPUTopology,
  numaNode: number,
  memo?: Map<string, ResolvedCPUs>,
): ResolvedCPUs {
  if (memo === undefined) return resolveOnce(set, cpus, numaNode);
  const key = `${set} ${numaNode}`;
  let resolved = memo.get(key);
  if (resolved === undefined) {
    resolved = resolveOnce(set, cpus, numaNode);
    memo.set(key, resolved);
  }
  return resolved;
}

function resolveOnce(set: string, cpus: CPUTopology, numaNode: number): ResolvedCPUs {
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
    const wanted = parseCPUList(set, cpus.online.at(-1) ?? 0).filter((cpu) => online.has(cpu));
    return wanted.length > 0 ? { cpus: wanted } : { error: `none of CPUs ${set} is online` };
  } catch (cause) {
    if (cause instanceof CPUListError) return { error: cause.message };
    throw cause;
  }
}
