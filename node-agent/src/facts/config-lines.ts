import type { EthtoolGroup } from "../model/targets.ts";

/** What a line of another program's configuration writes. */
export type WriteTarget =
  /** A sysctl or sysfs file: its path, "/proc/sys/net/core/somaxconn" (a glob for TuneD's [sysfs]). */
  | { kind: "file"; path: string }
  /** An ethtool parameter or the queue length, on the NICs `devices` matches (TuneD's rules). */
  | { kind: "nic"; devices: string; group: EthtoolGroup | "txqueuelen"; param: string }
  /** Every IRQ's affinity: TuneD's scheduler moves them off `isolated_cores`. */
  | { kind: "irqs" };

/** Where people change a line: the section (TuneD's unit), its option, the file. */
export interface WriteOrigin {
  unit: string;
  option: string;
  file: string;
}

/** One line of another program's configuration (a TuneD profile, a NetworkManager connection, a .link file). */
export interface ConfiguredWrite {
  target: WriteTarget;
  /** The value in ethtool's or the file's own terms; undefined when computed at the program's start. */
  value?: string;
  /** TuneD's assignment modifiers: ">" only raises, "<" only lowers. */
  modifier?: ">" | "<";
  origin: WriteOrigin;
}

/** An origin for people: "[sysctl] net.core.somaxconn in /usr/lib/tuned/x/tuned.conf". */
export function describeOrigin({ unit, option, file }: WriteOrigin): string {
  return `[${unit}] ${option} in ${file}`;
}

/** A write with its value unquoted and TuneD's modifier split off; none when computed at start. */
export function withValue(write: ConfiguredWrite, raw: string): ConfiguredWrite {
  const value = raw.replace(/^"(.*)"$/, "$1");
  if (value.includes("${")) return write;
  const modifier = value.startsWith(">") || value.startsWith("<") ? value[0] : undefined;
  return modifier === ">" || modifier === "<"
    ? { ...write, value: value.slice(1), modifier }
    : { ...write, value };
}

/** Whether a NIC is one `devices` rules match (shell globs, "!" to exclude), as TuneD's DeviceMatcher. */
export function matchesDevices(rules: string, device: string): boolean {
  const all = rules.split(/\s|,\s*/).filter((rule) => rule.trim() !== "");
  const positive = all.filter((rule) => !rule.startsWith("!"));
  const negative = all.filter((rule) => rule.startsWith("!")).map((rule) => rule.slice(1));
  const included = (positive.length === 0 ? ["*"] : positive).some((rule) => glob(rule, device));
  return included && !negative.some((rule) => glob(rule, device));
}

/** fnmatch's shell-style pattern: * and ? and [set]. */
export function glob(pattern: string, text: string): boolean {
  const source = pattern
    .split("")
    .map((ch) =>
      ch === "*" ? ".*" : ch === "?" ? "." : ch === "[" || ch === "]" ? ch : escape(ch),
    )
    .join("");
  try {
    return new RegExp(`^${source}$`).test(text);
  } catch {
    return pattern === text; // an unbalanced [ is taken literally
  }
}

function escape(ch: string): string {
  return /[.+^${}()|\\/]/.test(ch) ? `\\${ch}` : ch;
}
