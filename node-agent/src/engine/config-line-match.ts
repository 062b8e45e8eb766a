import {
  describeOrigin,
  glob,
  matchesDevices,
  type ConfiguredWrite,
} from "../facts/config-lines.ts";
import { canonicalFeature } from "../host/ethtool-parse.ts";
import { targetKey, type Target } from "../model/targets.ts";

/** The line of a program's configuration that writes a target, and what it means for NetTune. */
export interface ConfiguredLineMatch {
  /** What it writes, with TuneD's modifier; undefined when computed at the program's start. */
  value?: string;
  fights: boolean;
  fix: string;
}

/**
 * The last line of a program's configuration that writes the target (later
 * lines win, as in TuneD's merge). It fights NetTune when the value differs,
 * when TuneD's ">" (raise only) or "<" (lower only) would move NetTune's value,
 * or when the value is computed at the program's start and cannot be known here.
 */
export function matchConfiguredLine(
  writes: ConfiguredWrite[],
  target: Target,
  desired: string,
): ConfiguredLineMatch | undefined {
  const write = writes.findLast((w) => writesTarget(w, target));
  if (!write) return undefined;
  const value = write.value === undefined ? undefined : `${write.modifier ?? ""}${write.value}`;
  return {
    ...(value === undefined ? {} : { value }),
    fights: fights(write, desired),
    fix:
      write.target.kind === "irqs"
        ? `leave IRQ affinity to it, or remove ${describeOrigin(write.origin)}`
        : `remove ${describeOrigin(write.origin)}, or set it to NetTune's value there`,
  };
}

/** Whether a configuration line writes this target. */
function writesTarget(write: ConfiguredWrite, target: Target): boolean {
  const own = write.target;
  switch (own.kind) {
    case "file":
      return (target.kind === "proc" || target.kind === "sys") && glob(own.path, targetKey(target));
    case "irqs":
      return target.kind === "proc" && /^irq\/\d+\/smp_affinity_list$/.test(target.path);
    case "nic":
      return own.group === "txqueuelen"
        ? writesQueueLength(own.devices, target)
        : writesEthtool(own, target);
  }
}

function writesQueueLength(devices: string, target: Target): boolean {
  const device = /^class\/net\/([^/]+)\/tx_queue_len$/.exec(
    target.kind === "sys" ? target.path : "",
  )?.[1];
  return device !== undefined && matchesDevices(devices, device);
}

function writesEthtool(
  own: { devices: string; group: string; param: string },
  target: Target,
): boolean {
  return (
    target.kind === "ethtool" &&
    target.group === own.group &&
    sameParam(own.group, own.param, target.param) &&
    matchesDevices(own.devices, target.device)
  );
}

function sameParam(group: string, theirs: string, ours: string): boolean {
  return group === "features"
    ? canonicalFeature(theirs) === canonicalFeature(ours)
    : theirs === ours;
}

function fights(write: ConfiguredWrite, desired: string): boolean {
  if (write.value === undefined) return true;
  const normal = (text: string): string => text.trim().split(/\s+/).join(" ");
  if (write.modifier === undefined) return normal(write.value) !== normal(desired);
  const theirs = Number(write.value);
  const ours = Number(desired);
  if (!Number.isFinite(theirs) || !Number.isFinite(ours)) return true;
  return write.modifier === ">" ? ours < theirs : ours > theirs;
}
