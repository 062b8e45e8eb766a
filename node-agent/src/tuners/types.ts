import type { ResolvedCPUs } from "./cpu-sets.ts";
import type { CPUTopology } from "../facts/cpu-topology.ts";
import type { InterfaceFacts } from "../facts/gather.ts";
import type { Target } from "../model/targets.ts";
import type { SettingReasonName } from "../../../api/v1alpha1/reasons.ts";

/** Invalid stops the whole plan before any write; Failed fails this setting alone. */
export type VerdictState = "Unsupported" | "Skipped" | "Invalid" | "Failed";

/** A decision made without touching the host: why a setting will not be written. */
export interface Verdict {
  state: VerdictState;
  reason: SettingReasonName;
  message: string;
}

/**
 * One setting as planned: either a target and the value it should hold, or a
 * verdict saying why there is nothing to write.
 */
export interface PlannedSetting {
  /** "eth0/channels.rx", "conntrack.max", "sysctl/net.core.somaxconn". */
  name: string;
  source?: string;
  /** The value in the target's own terms (what is written and compared). */
  desired: string;
  /** A note for people, such as "clamped to the pre-set maximum 8". */
  note?: string;
  target?: Target;
  verdict?: Verdict;
  /**
   * The reason to report when the node already holds `desired`, where that is
   * a decision rather than luck (onlyRaise keeping a larger value: KeptLarger).
   */
  heldReason?: SettingReasonName;
}

export interface InterfaceContext {
  iface: InterfaceFacts;
  cpus: CPUTopology;
  source?: string;
  /** CPU sets resolved so far in this plan, shared by every interface (cpu-sets.ts). */
  cpuSets?: Map<string, ResolvedCPUs>;
}

export function verdict(
  name: string,
  desired: string,
  state: VerdictState,
  reason: SettingReasonName,
  message: string,
  source?: string,
): PlannedSetting {
  const planned: PlannedSetting = { name, desired, verdict: { state, reason, message } };
  if (source !== undefined) planned.source = source;
  return planned;
}

export function step(
  name: string,
  desired: string,
  target: Target,
  source?: string,
  note?: string,
): PlannedSetting {
  const planned: PlannedSetting = { name, desired, target };
  if (source !== undefined) planned.source = source;
  if (note !== undefined) planned.note = note;
  return planned;
}

/** A count asked for, limited by the driver's pre-set maximum: the step, noting a clamp. */
export function clampedStep(
  name: string,
  value: number,
  wanted: unknown,
  max: number,
  target: Target,
  source?: string,
): PlannedSetting {
  const note =
    typeof wanted === "number" && wanted > max
      ? `clamped to the pre-set maximum ${max}`
      : undefined;
  return step(name, String(value), target, source, note);
}
