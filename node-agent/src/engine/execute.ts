import type { SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import { sameValue, WriteError, type Actuator } from "../host/actuator.ts";
import { HostDataError } from "../host/host-read.ts";
import { targetKey, type Target } from "../host/targets.ts";
import { SettingReason } from "../../../api/v1alpha1/reasons.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import type { OriginalEntry, OriginalsStore } from "./originals.ts";

export interface ExecuteDeps {
  actuator: Actuator;
  store: OriginalsStore;
  mode: "Enforce" | "Audit";
  initialNetns: boolean;
  /**
   * Asked after a change that can reset a NIC; false means the node lost its
   * way to the API server and the change is rolled back.
   */
  probe?: () => Promise<boolean>;
  /** Told of every write that stuck, with the value it replaced (Events say what changed). */
  onChange?: (change: SettingChange) => void;
}

/** A value the agent changed and verified: what the node held and what it holds now. */
export interface SettingChange {
  name: string;
  from: string;
  to: string;
}

// Changes that can take a NIC down for a moment, or for good.
const probeGated = new Set(["channels", "rings", "rss", "features"]);

/**
 * Applies planned settings one by one: read, compare, record the original
 * before the first write, write, read back. Expected refusals become result
 * states; anything unexpected is thrown for the caller to retry.
 */
export async function execute(
  planned: PlannedSetting[],
  deps: ExecuteDeps,
): Promise<SettingResult[]> {
  // Read everything first, then record every original with one save, then write.
  const decided = await Promise.all(planned.map((setting) => decide(setting, deps)));
  const pending = decided.filter((d): d is Pending => "before" in d);
  await deps.store.record(
    pending.map(({ target, before, setting }) => ({
      target,
      original: before.observed,
      name: setting.name,
    })),
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
  deps: ExecuteDeps,
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
  if (!deps.probe || first?.kind !== "ethtool" || !probeGated.has(first.group))
    return { results: verified };
  // The probe gates what comes next, so this batch is finished before moving on.
  const results = await verified;
  return {
    results: Promise.resolve((await deps.probe()) ? results : await rollBack(pending, deps)),
  };
}

/** Puts the batch back as it was and reports it Failed (RolledBack). */
async function rollBack(pending: Pending[], deps: ExecuteDeps): Promise<SettingResult[]> {
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

async function writeFiles(pending: Pending[], deps: ExecuteDeps): Promise<SettingResult[]> {
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
async function refused(p: Pending, cause: WriteError, deps: ExecuteDeps): Promise<SettingResult> {
  if (p.before.original === undefined) await deps.store.forget(targetKey(p.target));
  return { ...p.before, ...classifyRefusal(cause, p.target, deps.initialNetns, p.setting) };
}

/**
 * Everything before the write: a verdict, an absent target, a value already
 * set, Audit mode, or a current value the host answered with garbage (then
 * this setting fails and nothing is written for it).
 */
async function decide(
  setting: PlannedSetting,
  deps: ExecuteDeps,
): Promise<SettingResult | Pending> {
  try {
    return await decideFromHost(setting, deps);
  } catch (cause) {
    if (!(cause instanceof HostDataError)) throw cause;
    return unreadable(baseResult(setting), cause);
  }
}

function unreadable(base: SettingResult, cause: HostDataError): SettingResult {
  return {
    ...base,
    state: "Failed",
    reason: SettingReason.UnreadableHostValue,
    message: cause.message,
  };
}

async function decideFromHost(
  setting: PlannedSetting,
  deps: ExecuteDeps,
): Promise<SettingResult | Pending> {
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
      reason: setting.heldReason ?? SettingReason.AlreadySet,
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
  return { setting, target, before: { ...withOriginal, observed } };
}

async function verify(
  { setting, target, before }: Pending,
  { actuator, onChange }: Pick<ExecuteDeps, "actuator" | "onChange">,
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
  onChange?.({ name: setting.name, from: before.observed, to: after });
  return {
    ...before,
    original,
    observed: after,
    state: "Applied",
    reason: SettingReason.Written,
    message: setting.note ?? "",
  };
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

export function classifyRefusal(
  error: WriteError,
  target: Target,
  initialNetns: boolean,
  setting: PlannedSetting,
): Pick<SettingResult, "state" | "reason" | "message"> {
  if (target.kind === "ethtool" && error.code === "EOPNOTSUPP") {
    // vmxnet3 answers `ethtool -l` and refuses `-L`: the query said yes, the driver says no.
    return {
      state: "Unsupported",
      reason: SettingReason.NotSupportedByDriver,
      message: `${setting.name}: the driver refused the change as not supported (${error.message})`,
    };
  }
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
  if (target.kind === "irqbalance-bans") {
    return {
      ...base,
      state: "Skipped",
      reason: SettingReason.IRQBalanceNotRunning,
      message: `${base.name}: irqbalance stopped, or its control socket does not answer`,
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
  // Without the module there is no table to size; say so rather than leave people guessing.
  const conntrack =
    (target.kind === "proc" && target.path.startsWith("sys/net/netfilter/nf_conntrack_")) ||
    (target.kind === "sys" && target.path.startsWith("module/nf_conntrack/"));
  return {
    ...base,
    state: "Skipped",
    reason: SettingReason.NotPresent,
    message: `${base.name}: ${targetKey(target)} does not exist here${conntrack ? " (the nf_conntrack module is not loaded; it loads with the first connection-tracking rule, such as kube-proxy's)" : ""}`,
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

/**
 * Restores recorded originals, newest first, forgetting each once it is back.
 * A write refused in that order gets a second try once the rest is back: a
 * value can depend on one restored after it (an RSS table over four queues
 * while the channels are still two).
 */
export async function revertEntries(
  entries: readonly OriginalEntry[],
  deps: Pick<ExecuteDeps, "actuator" | "store">,
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
  deps: Pick<ExecuteDeps, "actuator" | "store">,
): Promise<SettingResult> {
  const base: SettingResult = {
    name: entry.name ?? entry.key,
    desired: entry.original,
    original: entry.original,
    state: "Reverted",
    reason: SettingReason.RestoredOriginal,
  };
  let current: string | undefined;
  try {
    current = display(await deps.actuator.read(entry.target));
  } catch (cause) {
    // The original stays on record: the next revert tries again.
    if (!(cause instanceof HostDataError)) throw cause;
    return unreadable(base, cause);
  }
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
