import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { sameValue, WriteError, type Actuator } from "../host/actuator.ts";
import { targetKey, type Target } from "../host/targets.ts";
import { SettingReason } from "../tuners/reasons.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import type { OriginalEntry, OriginalsStore } from "./originals.ts";

export interface ExecuteDeps {
  actuator: Actuator;
  store: OriginalsStore;
  mode: "Enforce" | "Audit";
  initialNetns: boolean;
}

/**
 * Applies planned settings one by one: read, compare, record the original
 * before the first write, write, read back. Expected refusals become result
 * states; anything unexpected is thrown for the caller to retry.
 */
export async function execute(
  planned: PlannedSetting[],
  deps: ExecuteDeps,
): Promise<SettingResult[]> {
  const results: SettingResult[] = [];
  for (const setting of planned) results.push(await executeOne(setting, deps));
  return results;
}

async function executeOne(setting: PlannedSetting, deps: ExecuteDeps): Promise<SettingResult> {
  const base = baseResult(setting);
  if (setting.verdict || !setting.target) return verdictResult(base, setting);
  const target = setting.target;
  const observed = display(await deps.actuator.read(target));
  const original = deps.store.originalOf(target);
  const withOriginal = original === undefined ? base : { ...base, original };
  if (observed === undefined) return notPresent(withOriginal, target, deps.initialNetns);
  if (sameValue(target, observed, setting.desired)) {
    return {
      ...withOriginal,
      observed,
      state: "Applied",
      reason: SettingReason.AlreadySet,
      message: setting.note ?? "",
    };
  }
  if (deps.mode === "Audit") {
    const message = `would change ${observed} to ${setting.desired}`;
    return {
      ...withOriginal,
      observed,
      state: "WouldChange",
      reason: SettingReason.WouldChange,
      message,
    };
  }
  return writeAndVerify(setting, target, { ...withOriginal, observed }, deps);
}

function verdictResult(base: SettingResult, setting: PlannedSetting): SettingResult {
  const verdict = setting.verdict ?? {
    state: "Skipped",
    reason: SettingReason.NotPresent,
    message: "nothing to do",
  };
  const state = verdict.state === "Invalid" ? "Failed" : verdict.state;
  return { ...base, state, reason: verdict.reason, message: verdict.message };
}

/** Records the original (once), writes, and reads back. */
async function writeAndVerify(
  setting: PlannedSetting,
  target: Target,
  before: SettingResult & { observed: string },
  deps: ExecuteDeps,
): Promise<SettingResult> {
  const recordedNow = before.original === undefined;
  await deps.store.record(target, before.observed);
  try {
    await deps.actuator.write(target, setting.desired);
  } catch (cause) {
    if (!(cause instanceof WriteError)) throw cause;
    if (recordedNow) await deps.store.forget(targetKey(target));
    return { ...before, ...classifyRefusal(cause, target, deps.initialNetns, setting) };
  }
  const after = display(await deps.actuator.read(target)) ?? "";
  const original = before.original ?? before.observed;
  if (!sameValue(target, after, setting.desired)) {
    const message = `${setting.name}: wrote ${setting.desired}, read back ${after}`;
    return {
      ...before,
      original,
      observed: after,
      state: "Failed",
      reason: SettingReason.VerifyMismatch,
      message,
    };
  }
  return {
    ...before,
    original,
    observed: after,
    state: "Applied",
    reason: SettingReason.Written,
    message: setting.note ?? "",
  };
}

function classifyRefusal(
  error: WriteError,
  target: Target,
  initialNetns: boolean,
  setting: PlannedSetting,
): Pick<SettingResult, "state" | "reason" | "message"> {
  const readOnly = ["EACCES", "EPERM", "EROFS", "EOPNOTSUPP"].includes(error.code);
  if (
    target.kind === "proc" &&
    target.path.startsWith("irq/") &&
    ["EIO", "EPERM", "EINVAL"].includes(error.code)
  ) {
    return {
      state: "Unsupported",
      reason: SettingReason.KernelManagedIRQ,
      message: `${setting.name} (${setting.note ?? "irq"}): the kernel manages this IRQ's affinity (${error.code})`,
    };
  }
  if (readOnly && !initialNetns) {
    return {
      state: "Skipped",
      reason: SettingReason.ReadOnlyInNamespace,
      message: `${setting.name}: read-only in this network namespace (${error.code})`,
    };
  }
  if (readOnly)
    return {
      state: "Failed",
      reason: SettingReason.ReadOnly,
      message: `${setting.name}: the kernel refused the write (${error.code})`,
    };
  return { state: "Failed", reason: SettingReason.WriteFailed, message: error.message };
}

function notPresent(base: SettingResult, target: Target, initialNetns: boolean): SettingResult {
  if (target.kind === "ethtool") {
    return {
      ...base,
      state: "Unsupported",
      reason: SettingReason.NotSupportedByDriver,
      message: `${base.name}: the driver does not support it`,
    };
  }
  if (target.kind === "proc" && target.path.startsWith("sys/net/") && !initialNetns) {
    return {
      ...base,
      state: "Skipped",
      reason: SettingReason.ReadOnlyInNamespace,
      message: `${base.name}: global, only the initial network namespace has it`,
    };
  }
  return {
    ...base,
    state: "Skipped",
    reason: SettingReason.NotPresent,
    message: `${base.name}: ${targetKey(target)} does not exist here`,
  };
}

/** Kernel files separate numbers with tabs; one space reads better and compares the same. */
function display(value: string | undefined): string | undefined {
  return value?.replace(/\s+/g, " ");
}

function baseResult(setting: PlannedSetting): SettingResult {
  const result: SettingResult = { name: setting.name, desired: setting.desired, state: "Skipped" };
  if (setting.source !== undefined) result.source = setting.source;
  return result;
}

/** Restores recorded originals, newest first, forgetting each once it is back. */
export async function revertEntries(
  entries: readonly OriginalEntry[],
  deps: Pick<ExecuteDeps, "actuator" | "store">,
): Promise<SettingResult[]> {
  const results: SettingResult[] = [];
  for (const entry of [...entries].reverse()) {
    const current = display(await deps.actuator.read(entry.target));
    const base: SettingResult = {
      name: entry.key,
      desired: entry.original,
      original: entry.original,
      state: "Reverted",
      reason: SettingReason.RestoredOriginal,
    };
    if (current === undefined) {
      await deps.store.forget(entry.key);
      results.push({
        ...base,
        state: "Skipped",
        reason: SettingReason.NotPresent,
        message: `${entry.key} is gone`,
      });
      continue;
    }
    try {
      if (!sameValue(entry.target, current, entry.original))
        await deps.actuator.write(entry.target, entry.original);
    } catch (cause) {
      if (!(cause instanceof WriteError)) throw cause;
      results.push({
        ...base,
        observed: current,
        state: "Failed",
        reason: SettingReason.WriteFailed,
        message: cause.message,
      });
      continue;
    }
    await deps.store.forget(entry.key);
    results.push({
      ...base,
      observed: display(await deps.actuator.read(entry.target)) ?? "",
      message: `restored ${entry.original}`,
    });
  }
  return results;
}
