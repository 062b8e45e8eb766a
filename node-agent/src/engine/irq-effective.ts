import { parseCPUList } from "../../../api/helpers/cpu-list.ts";
import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { HostDataError } from "../host/host-read.ts";
import type { Target } from "../model/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import type { Actuator } from "../host/actuator.ts";

/**
 * An IRQ whose affinity reads back as written, but that the kernel still
 * delivers elsewhere (effective_affinity_list outside the CPUs asked for),
 * says so with its own reason instead of Written or AlreadySet. It stays
 * Applied: on idle virtio_net queues in the NIC guest the kernel moved none
 * of eight IRQs until they fired again, and a Failed there would halt every
 * rollout on such nodes (the closing figures are in the nic tier's test).
 */
export async function notEffective(
  target: Target,
  setting: PlannedSetting,
  actuator: Partial<Pick<Actuator, "effectiveAffinity">>,
): Promise<Pick<SettingResult, "state" | "reason" | "message"> | undefined> {
  const effective = await actuator.effectiveAffinity?.(target).catch((cause: unknown) => {
    if (cause instanceof HostDataError) return undefined;
    throw cause;
  });
  if (effective === undefined || effective === "") return undefined;
  const asked = new Set(parseCPUList(setting.desired));
  if (parseCPUList(effective).every((cpu) => asked.has(cpu))) return undefined;
  return {
    state: "Applied",
    reason: SettingReason.EffectivePending,
    message: `${setting.name} (${setting.note ?? "irq"}): set to ${setting.desired}; the kernel still delivers it on CPUs ${effective} until it next fires`,
  };
}
