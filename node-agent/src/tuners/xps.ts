import { formatCPUMask } from "../../../api/helpers/cpu-list.ts";
import type { XPSTuning } from "../../../api/v1alpha1/steering.ts";
import { resolveCPUSet } from "./cpu-sets.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { step, verdict, type InterfaceContext, type PlannedSetting } from "./types.ts";

/** xps_cpus per TX queue: a spread of one CPU set, or one list per queue. */
export function planXPS(desired: XPSTuning, context: InterfaceContext): PlannedSetting[] {
  const { iface, cpus, source } = context;
  const perQueue: (string | { error: string })[] = [];
  if (desired.spread !== undefined) {
    const resolved = resolveCPUSet(desired.spread, cpus, iface.numaNode, context.cpuSets);
    if ("error" in resolved) {
      return [
        verdict(
          `${iface.name}/xps.spread`,
          desired.spread,
          "Invalid",
          SettingReason.Refused,
          `${iface.name} xps spread=${desired.spread}: ${resolved.error}`,
          source,
        ),
      ];
    }
    perQueue.push(...spread(resolved.cpus, iface.txQueues).map((share) => formatCPUMask(share)));
  } else {
    // Lists past the interface's queues are never resolved: a spec may hold 4096 of them.
    for (const list of (desired.queues ?? []).slice(0, iface.txQueues)) {
      const resolved = resolveCPUSet(list, cpus, iface.numaNode, context.cpuSets);
      perQueue.push("error" in resolved ? resolved : formatCPUMask(resolved.cpus));
    }
  }
  const beyond = (desired.queues?.length ?? 0) - iface.txQueues;
  const unused =
    desired.spread === undefined && beyond > 0
      ? [
          verdict(
            `${iface.name}/xps.queues`,
            `${beyond} more lists`,
            "Skipped",
            SettingReason.NotPresent,
            `${iface.name} has ${iface.txQueues} TX queues: the ${beyond} lists after them are left unused`,
            source,
          ),
        ]
      : [];
  return [...perQueue.map((mask, queue) => planQueue(context, desired, mask, queue)), ...unused];
}

function planQueue(
  { iface, source }: InterfaceContext,
  desired: XPSTuning,
  mask: string | { error: string },
  queue: number,
): PlannedSetting {
  const name = `${iface.name}/tx-${queue}/xps_cpus`;
  if (typeof mask !== "string") {
    return verdict(
      name,
      desired.queues?.[queue] ?? "",
      "Invalid",
      SettingReason.Refused,
      `${name}: ${mask.error}`,
      source,
    );
  }
  if (queue >= iface.txQueues) {
    return verdict(
      name,
      mask,
      "Skipped",
      SettingReason.NotPresent,
      `${iface.name} has ${iface.txQueues} TX queues`,
      source,
    );
  }
  return step(
    name,
    mask,
    { kind: "sys", path: `class/net/${iface.name}/queues/tx-${queue}/xps_cpus` },
    source,
  );
}

/** Splits CPUs into `queues` contiguous shares; with fewer CPUs than queues, CPUs repeat. */
export function spread(cpus: number[], queues: number): number[][] {
  if (queues <= 0 || cpus.length === 0) return [];
  if (cpus.length < queues)
    return Array.from({ length: queues }, (_, q) => [cpus[q % cpus.length] ?? 0]);
  return Array.from({ length: queues }, (_, q) =>
    cpus.slice(
      Math.floor((q * cpus.length) / queues),
      Math.floor(((q + 1) * cpus.length) / queues),
    ),
  );
}
