import type { ApplyDeps } from "./apply-deps.ts";
import { interfaceOf } from "./device-renames.ts";
import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import { sameValue, WriteError } from "../host/actuator.ts";
import { HostDataError } from "../host/host-read.ts";
import { targetKey, targetTraits, type Target } from "../model/targets.ts";
import { notEffective } from "./irq-effective.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import {
  baseResult,
  classifyRefusal,
  display,
  notPresent,
  unreadable,
  verdictResult,
} from "./outcomes.ts";

export type { ApplyDeps, SettingChange, TargetIO } from "./apply-deps.ts";

/**
 * Applies planned settings one by one: read, compare, record the original
 * before the first write, write, read back. Expected refusals become result
 * states; anything unexpected is thrown for the caller to retry.
 */
export async function applySettings(
  planned: PlannedSetting[],
  deps: ApplyDeps,
): Promise<SettingResult[]> {
  const results: SettingResult[] = [];
  for (const round of readRounds(planned)) results.push(...(await applyRound(round, deps)));
  return results;
}

/**
 * The planned settings cut after each one that gates later reads: irqbalance
 * may finish a pass that moves an IRQ after the IRQ was read and before it
 * took the ban, so the IRQs are read only once the ban is written.
 */
function readRounds(planned: PlannedSetting[]): PlannedSetting[][] {
  const rounds: PlannedSetting[][] = [[]];
  for (const setting of planned) {
    rounds.at(-1)?.push(setting);
    if (setting.target && targetTraits(setting.target).gatesLaterReads) rounds.push([]);
  }
  return rounds.filter((round) => round.length > 0);
}

async function applyRound(planned: PlannedSetting[], deps: ApplyDeps): Promise<SettingResult[]> {
  // Read everything first, then record every original with one save, then write.
  const decided = await Promise.all(planned.map((setting) => decide(setting, deps)));
  const pending = decided.filter((d): d is Pending => "before" in d);
  await deps.store.record(
    pending.map(({ target, before, setting }) => {
      const device = interfaceOf(target);
      return {
        target,
        original: before.observed,
        name: setting.name,
        device: device === undefined ? undefined : deps.identities?.get(device),
      };
    }),
  );
  const written = new Map<Pending, SettingResult>();
  const keep = (batch: Pending[], results: SettingResult[]): void => {
    batch.forEach((p, i) => written.set(p, results[i] ?? p.before));
  };
  // An ethtool read-back waits on its own process; the next write need not wait for it.
  const readBacks: Promise<void>[] = [];
  for (let index = 0; index < pending.length;) {
    const batch = batchFrom(pending, index);
    if (batch[0]?.target.kind === "ethtool") {
      const { results } = await writeEthtool(batch, deps);
      readBacks.push(
        results.then((r) => {
          keep(batch, r);
        }),
      );
    } else {
      keep(batch, await writeFiles(batch, deps));
    }
    index += batch.length;
  }
  await Promise.all(readBacks);
  return decided.map((d) => ("before" in d ? (written.get(d) ?? d.before) : d));
}

/** Consecutive writes one ethtool command can make (same device and group), or one file write. */
function batchFrom(pending: Pending[], start: number): Pending[] {
  const first = pending[start];
  if (first?.target.kind !== "ethtool") return first ? [first] : [];
  const key = `${first.target.device} ${first.target.group}`;
  let end = start + 1;
  for (; end < pending.length; end++) {
    const target = pending[end]?.target;
    if (target?.kind !== "ethtool" || `${target.device} ${target.group}` !== key) break;
  }
  return pending.slice(start, end);
}

type Pending = {
  setting: PlannedSetting;
  target: Target;
  before: SettingResult & { observed: string };
};

/** One ethtool command for the batch; if it fails, none of it was applied. */
async function writeEthtool(
  pending: Pending[],
  deps: ApplyDeps,
): Promise<{ results: Promise<SettingResult[]> }> {
  try {
    await deps.actuator.writeEthtool(
      pending.map((p) => ({ target: p.target, value: p.setting.desired })),
    );
  } catch (cause) {
    if (!(cause instanceof WriteError)) throw cause;
    return { results: Promise.all(pending.map((p) => refused(p, cause, deps))) };
  }
  const verified = Promise.all(pending.map((p) => verify(p, deps)));
  const first = pending[0]?.target;
  if (!deps.probe || !first || !targetTraits(first).probeGated) return { results: verified };
  // The probe gates what comes next, so this batch is finished before moving on.
  const results = await verified;
  return {
    results: Promise.resolve((await deps.probe()) ? results : await rollBack(pending, deps)),
  };
}

/** Puts the batch back as it was and reports it Failed (RolledBack). */
async function rollBack(pending: Pending[], deps: ApplyDeps): Promise<SettingResult[]> {
  await deps.actuator.writeEthtool(
    pending.map((p) => ({ target: p.target, value: p.before.observed })),
  );
  for (const p of pending)
    if (p.before.original === undefined) await deps.store.forget(targetKey(p.target));
  const after = await Promise.all(
    pending.map(async (p) => display(await deps.actuator.read(p.target)) ?? ""),
  );
  return pending.map((p, i) => ({
    ...p.before,
    observed: after[i] ?? "",
    state: "Failed",
    reason: SettingReason.RolledBack,
    message: `${p.setting.name}=${p.setting.desired}: the API server did not answer after the change; restored ${p.before.observed}`,
  }));
}

async function writeFiles(pending: Pending[], deps: ApplyDeps): Promise<SettingResult[]> {
  const results: SettingResult[] = [];
  for (const p of pending) {
    try {
      await deps.actuator.write(p.target, p.setting.desired);
    } catch (cause) {
      if (!(cause instanceof WriteError)) throw cause;
      results.push(await refused(p, cause, deps));
      continue;
    }
    results.push(await verify(p, deps));
  }
  return results;
}

/** A refused write changed nothing: an original recorded just for it is dropped. */
async function refused(p: Pending, cause: WriteError, deps: ApplyDeps): Promise<SettingResult> {
  if (p.before.original === undefined) await deps.store.forget(targetKey(p.target));
  return { ...p.before, ...classifyRefusal(cause, p.target, deps.initialNetns, p.setting) };
}

/**
 * Everything before the write: a verdict, an absent target, a value already
 * set, Audit mode, or a current value the host answered with garbage (then
 * this setting fails and nothing is written for it).
 */
async function decide(setting: PlannedSetting, deps: ApplyDeps): Promise<SettingResult | Pending> {
  try {
    return await decideFromHost(setting, deps);
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    return unreadable(baseResult(setting), cause);
  }
}

async function decideFromHost(
  setting: PlannedSetting,
  deps: ApplyDeps,
): Promise<SettingResult | Pending> {
  const base = baseResult(setting);
  if (setting.verdict || !setting.target) return verdictResult(base, setting);
  const target = setting.target;
  const observed = display(await deps.actuator.read(target));
  const original = deps.store.originalOf(target);
  const withOriginal = original === undefined ? base : { ...base, original };
  if (observed === undefined) return notPresent(withOriginal, target, deps.initialNetns);
  if (sameValue(target, observed, setting.desired)) {
    const ineffective = await notEffective(target, setting, deps.actuator);
    if (ineffective) return { ...withOriginal, observed, ...ineffective };
    return {
      ...withOriginal,
      observed,
      state: "Applied",
      reason: setting.heldReason ?? SettingReason.AlreadySet,
      message: setting.note ?? "",
    };
  }
  if (deps.mode === "Audit") {
    const [state, reason] = ["WouldChange", SettingReason.WouldChange] as const;
    return {
      ...withOriginal,
      observed,
      state,
      reason,
      message: `would change ${observed} to ${setting.desired}`,
    };
  }
  return { setting, target, before: { ...withOriginal, observed } };
}

async function verify(
  { setting, target, before }: Pending,
  { actuator, onChange }: Pick<ApplyDeps, "actuator" | "onChange">,
): Promise<SettingResult> {
  const original = before.original ?? before.observed;
  let after: string;
  try {
    after = display(await actuator.read(target)) ?? "";
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    return { ...unreadable(before, cause), original };
  }
  if (!sameValue(target, after, setting.desired)) {
    const [state, reason] = ["Failed", SettingReason.VerifyMismatch] as const;
    const message = `${setting.name}: wrote ${setting.desired}, read back ${after}`;
    return { ...before, original, observed: after, state, reason, message };
  }
  // A write is a change whether or not the kernel delivers the IRQ there yet: it counts as one.
  onChange?.({ name: setting.name, from: before.observed, to: after });
  const ineffective = await notEffective(target, setting, actuator);
  if (ineffective) return { ...before, original, observed: after, ...ineffective };
  return {
    ...before,
    original,
    observed: after,
    state: "Applied",
    reason: SettingReason.Written,
    message: setting.note ?? "",
  };
}
