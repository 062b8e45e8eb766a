import type { OtherWriterName } from "../../../api/v1alpha1/reasons.ts";
import {
  describeOrigin,
  glob,
  matchesDevices,
  type ConfiguredWrite,
} from "../facts/configured-writes.ts";
import { canonicalFeature } from "../host/ethtool-parse.ts";
import { targetKey, type Target } from "../host/targets.ts";
import type { PlannedSetting } from "../tuners/types.ts";
import type { OtherWriter } from "./other-writers.ts";

/** A program that writes what its configuration files say: TuneD, NetworkManager, udev. */
export interface ConfiguredWriter {
  kind: OtherWriterName;
  /** Who, for people: "TuneD (pid 77, profile openshift-node)". */
  writer: string;
  /** When it writes: "at its start", "when the NIC appears". */
  when: string;
  writes: ConfiguredWrite[];
}

/**
 * The program as the other writer of a planned setting: the last line of its
 * configuration that writes the setting's target (later lines win, as in
 * TuneD's merge). It fights NetTune when the value differs, when TuneD's ">"
 * (raise only) or "<" (lower only) would move NetTune's value, or when the
 * value is computed at the program's start and cannot be known here.
 */
export function configuredWriter(
  setting: PlannedSetting,
  program: ConfiguredWriter,
): OtherWriter | undefined {
  const target = setting.target;
  if (!target) return undefined;
  const write = program.writes.findLast((w) => writes(w, target));
  if (!write) return undefined;
  const value = write.value === undefined ? undefined : `${write.modifier ?? ""}${write.value}`;
  return {
    setting: setting.name,
    kind: program.kind,
    writer: program.writer,
    when: program.when,
    ...(value === undefined ? {} : { value }),
    desired: setting.desired,
    fights: fights(write, setting.desired),
    fix:
      write.target.kind === "irqs"
        ? `leave IRQ affinity to it, or remove ${describeOrigin(write.origin)}`
        : `remove ${describeOrigin(write.origin)}, or set it to NetTune's value there`,
  };
}

/** Whether a configuration line writes this target. */
function writes(write: ConfiguredWrite, target: Target): boolean {
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
