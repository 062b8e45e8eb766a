// How a setting ends when it is not written as planned: refused by the host,
// absent from it, or unreadable. Each is an ordered chain of named rules, the
// first that applies deciding, so that the order is visible and testable.
import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import type { WriteError } from "../host/actuator.ts";
import type { HostDataError } from "../host/host-read.ts";
import { targetKey, targetTraits, type Target, type TargetTraits } from "../model/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";

export type Outcome = Pick<SettingResult, "state" | "reason" | "message">;

/** One rule of a chain: when it applies, and what the setting's outcome then is. */
export interface OutcomeRule<Context> {
  name: string;
  applies(context: Context): boolean;
  outcome(context: Context): Outcome;
}

/** The outcome of the first rule that applies; every chain ends with a rule that always does. */
export function decideOutcome<Context>(
  rules: readonly OutcomeRule<Context>[],
  context: Context,
): Outcome {
  const rule = rules.find((r) => r.applies(context));
  if (!rule) throw new Error("an outcome chain has no rule that always applies");
  return rule.outcome(context);
}

export interface RefusalContext {
  /** The errno name of the refusal, or "ETHTOOL" for another ethtool refusal. */
  code: string;
  message: string;
  traits: TargetTraits;
  initialNetns: boolean;
  setting: PlannedSetting;
}

const readOnlyCodes = ["EACCES", "EPERM", "EROFS", "EOPNOTSUPP"];
const readOnly = (c: RefusalContext): boolean => readOnlyCodes.includes(c.code);

/** A write the host refused, in order: the first rule that applies decides. */
export const refusalRules: readonly OutcomeRule<RefusalContext>[] = [
  {
    // vmxnet3 answers `ethtool -l` and refuses `-L`: the query said yes, the driver says no.
    name: "the driver refuses an ethtool change it reported",
    applies: (c) => c.traits.owner === "ethtool" && c.code === "EOPNOTSUPP",
    outcome: (c) => ({
      state: "Unsupported",
      reason: SettingReason.NotSupportedByDriver,
      message: `${c.setting.name}: the driver refused the change as not supported (${c.message})`,
    }),
  },
  {
    name: "the kernel manages the IRQ's affinity",
    applies: (c) => c.traits.owner === "irq" && ["EIO", "EPERM", "EINVAL"].includes(c.code),
    outcome: (c) => ({
      state: "Unsupported",
      reason: SettingReason.KernelManagedIRQ,
      message: `${c.setting.name} (${c.setting.note ?? "irq"}): the kernel manages this IRQ's affinity (${c.code})`,
    }),
  },
  {
    name: "read-only in a network namespace other than the initial one",
    applies: (c) => readOnly(c) && !c.initialNetns,
    outcome: (c) => ({
      state: "Skipped",
      reason: SettingReason.ReadOnlyInNamespace,
      message: `${c.setting.name}: read-only in this network namespace (${c.code})`,
    }),
  },
  {
    name: "read-only",
    applies: readOnly,
    outcome: (c) => ({
      state: "Failed",
      reason: SettingReason.ReadOnly,
      message: `${c.setting.name}: the kernel refused the write (${c.code})`,
    }),
  },
  {
    name: "any other refusal",
    applies: () => true,
    outcome: (c) => ({ state: "Failed", reason: SettingReason.WriteFailed, message: c.message }),
  },
];

export function classifyRefusal(
  error: WriteError,
  target: Target,
  initialNetns: boolean,
  setting: PlannedSetting,
): Outcome {
  return decideOutcome(refusalRules, {
    code: error.code,
    message: error.message,
    traits: targetTraits(target),
    initialNetns,
    setting,
  });
}

export interface AbsenceContext {
  name: string;
  target: Target;
  traits: TargetTraits;
  initialNetns: boolean;
}

/** A target the host does not have, in order: the first rule that applies decides. */
export const absenceRules: readonly OutcomeRule<AbsenceContext>[] = [
  {
    name: "the driver has no such ethtool setting",
    applies: (c) => c.traits.owner === "ethtool",
    outcome: (c) => ({
      state: "Unsupported",
      reason: SettingReason.NotSupportedByDriver,
      message: `${c.name}: the driver does not support it`,
    }),
  },
  {
    name: "irqbalance does not answer",
    applies: (c) => c.traits.owner === "irqbalance",
    outcome: (c) => ({
      state: "Skipped",
      reason: SettingReason.IRQBalanceNotRunning,
      message: `${c.name}: irqbalance stopped, or its control socket does not answer`,
    }),
  },
  {
    name: "a global net sysctl seen from another network namespace",
    applies: (c) => c.traits.netSysctl && !c.initialNetns,
    outcome: (c) => ({
      state: "Skipped",
      reason: SettingReason.ReadOnlyInNamespace,
      message: `${c.name}: global, only the initial network namespace has it`,
    }),
  },
  {
    name: "not on this host",
    applies: () => true,
    outcome: (c) => ({
      state: "Skipped",
      reason: SettingReason.NotPresent,
      // Without the module there is no table to size; say so rather than leave people guessing.
      message: `${c.name}: ${targetKey(c.target)} does not exist here${c.traits.conntrack ? " (the nf_conntrack module is not loaded; it loads with the first connection-tracking rule, such as kube-proxy's)" : ""}`,
    }),
  },
];

export function notPresent(
  base: SettingResult,
  target: Target,
  initialNetns: boolean,
): SettingResult {
  const context = { name: base.name, target, traits: targetTraits(target), initialNetns };
  return { ...base, ...decideOutcome(absenceRules, context) };
}

/** What the host answered for the target could not be read as its kind: this setting fails. */
export function unreadable(base: SettingResult, cause: HostDataError): SettingResult {
  return {
    ...base,
    state: "Failed",
    reason: SettingReason.UnreadableHostValue,
    message: cause.message,
  };
}

/** The planner's verdict as a result (Invalid fails the setting). */
export function verdictResult(base: SettingResult, setting: PlannedSetting): SettingResult {
  const verdict = setting.verdict ?? {
    state: "Skipped",
    reason: SettingReason.NotPresent,
    message: "nothing to do",
  };
  const state = verdict.state === "Invalid" ? "Failed" : verdict.state;
  return { ...base, state, reason: verdict.reason, message: verdict.message };
}

/** Kernel files separate numbers with tabs; one space reads better and compares the same. */
export function display(value: string | undefined): string | undefined {
  return value?.replace(/\s+/g, " ");
}

export function baseResult(setting: PlannedSetting): SettingResult {
  const result: SettingResult = { name: setting.name, desired: setting.desired, state: "Skipped" };
  if (setting.source !== undefined) result.source = setting.source;
  return result;
}
