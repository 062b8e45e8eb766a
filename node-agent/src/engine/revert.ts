import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { CPUListError } from "../../../api/helpers/cpu-list.ts";
import { sameValue, WriteError } from "../host/actuator.ts";
import { HostDataError } from "../host/host-read.ts";
import { RefusedTargetError } from "../model/targets.ts";
import type { ApplyDeps } from "./apply.ts";
import type { OriginalEntry } from "./originals.ts";
import { display, unreadable } from "./outcomes.ts";

/**
 * Restores recorded originals, newest first, forgetting each once it is back.
 * A write refused in that order gets a second try once the rest is back: a
 * value can depend on one restored after it (an RSS table over four queues
 * while the channels are still two). One entry that cannot be restored never
 * stops the others: it is reported Failed, stays on record and is tried again.
 */
export async function revertEntries(
  entries: readonly OriginalEntry[],
  deps: Pick<ApplyDeps, "actuator" | "store">,
): Promise<SettingResult[]> {
  const ordered = [...entries].reverse();
  const results: SettingResult[] = [];
  for (const entry of ordered) results.push(await revertEntry(entry, deps));
  for (const [index, entry] of ordered.entries()) {
    if (results[index]?.reason === SettingReason.WriteFailed)
      results[index] = await revertEntry(entry, deps);
  }
  return results;
}

async function revertEntry(
  entry: OriginalEntry,
  deps: Pick<ApplyDeps, "actuator" | "store">,
): Promise<SettingResult> {
  const base: SettingResult = {
    name: entry.name ?? entry.key,
    desired: entry.original,
    original: entry.original,
    state: "Reverted",
    reason: SettingReason.RestoredOriginal,
  };
  try {
    return await restore(entry, base, deps);
  } catch (cause) {
    // What the host or the record holds cannot be used for this entry; the rest go on.
    if (cause instanceof HostDataError) return unreadable(base, cause);
    if (cause instanceof CPUListError || cause instanceof RefusedTargetError)
      return {
        ...base,
        state: "Failed",
        reason: SettingReason.UnreadableHostValue,
        message: `${entry.key}: the recorded original ${JSON.stringify(entry.original)} cannot be written back (${cause.message})`,
      };
    throw cause;
  }
}

async function restore(
  entry: OriginalEntry,
  base: SettingResult,
  deps: Pick<ApplyDeps, "actuator" | "store">,
): Promise<SettingResult> {
  // The original stays on record until it is back: a read that fails keeps it for the next try.
  const current = display(await deps.actuator.read(entry.target));
  if (current === undefined) {
    await deps.store.forget(entry.key);
    return {
      ...base,
      state: "Skipped",
      reason: SettingReason.NotPresent,
      message: `${entry.key} is gone`,
    };
  }
  try {
    if (!sameValue(entry.target, current, entry.original))
      await deps.actuator.write(entry.target, entry.original);
  } catch (cause) {
    if (!(cause instanceof WriteError)) throw cause;
    return {
      ...base,
      observed: current,
      state: "Failed",
      reason: SettingReason.WriteFailed,
      message: cause.message,
    };
  }
  await deps.store.forget(entry.key);
  return {
    ...base,
    observed: display(await deps.actuator.read(entry.target)) ?? "",
    message: `restored ${entry.original}`,
  };
}
