import path from "node:path";
import type { EthtoolGroup } from "../model/targets.ts";
import type { HostPaths } from "../host/paths.ts";
import { readHostFile } from "../host/host-read.ts";
import { parseIni, type IniFile } from "./ini.ts";
import { withValue, type ConfiguredWrite, type WriteOrigin } from "./config-lines.ts";
import { ProcessTable } from "./processes.ts";

/** What the active profile writes: its lines as settings with their targets. */
export type TunedWrite = ConfiguredWrite;

export interface TunedFacts {
  pid: number;
  /** The active profile as TuneD names it, "openshift-node" or "a b" when merged. */
  profile: string;
  writes: TunedWrite[];
}

/** One profile file as read: its name, the file, and its units. */
export interface TunedProfileFile {
  name: string;
  file: string;
  units: IniFile;
}

const activeProfileFile = "/etc/tuned/active_profile";
// TuneD's LOAD_DIRECTORIES, the later winning: a profile in /etc/tuned overrides the shipped one.
const profileDirs = ["/etc/tuned", "/usr/lib/tuned"];

/**
 * The running TuneD in the agent's network namespace and what its active
 * profile writes, read through /proc/PID/root as TuneD sees its files.
 * Undefined when TuneD does not run there or has no active profile.
 */
export async function findTuned(
  paths: HostPaths,
  processes = new ProcessTable(paths.proc),
): Promise<TunedFacts | undefined> {
  for (const tuned of await processes.inOwnNetns("tuned")) {
    const read = (file: string): Promise<string | undefined> =>
      readHostFile(tuned.root, path.join(tuned.root, file)).catch(() => undefined);
    const profile = (await read(activeProfileFile))?.trim() ?? "";
    if (profile === "") return undefined;
    const files = await loadProfiles(profile.split(/\s+/), read);
    return { pid: tuned.pid, profile, writes: profileWrites(files) };
  }
  return undefined;
}

/** The profiles in TuneD's merge order, read with `read` (a path as TuneD sees it): each one's includes before it, each file once. */
export async function loadProfiles(
  names: string[],
  read: (file: string) => Promise<string | undefined>,
  seen = new Set<string>(),
): Promise<TunedProfileFile[]> {
  const loaded: TunedProfileFile[] = [];
  for (const raw of names) {
    const name = path.basename(raw.replace(/^-/, "")); // "-name" is TuneD's load-if-present
    for (const dir of profileDirs) {
      const file = path.join(dir, name, "tuned.conf");
      if (seen.has(file)) break;
      const text = await read(file);
      if (text === undefined) continue;
      seen.add(file);
      const units = parseIni(text, { inlineComments: true });
      const include = units.get("main")?.get("include");
      // An include computed by a function (${f:virt_check:...}) cannot be followed here.
      if (include && !include.includes("${"))
        loaded.push(...(await loadProfiles(include.split(/\s*[,;]\s*/), read, seen)));
      loaded.push({ name, file, units });
      break;
    }
  }
  return loaded;
}

/**
 * What merged profiles write, the later profile's option winning, as TuneD's
 * merger does (a unit with replace=1 drops what came before it; enabled=false
 * turns it off). Units that apply only on matching hardware (uname_regex,
 * cpuinfo_regex) are left out: they are not this node's business as a rule.
 */
export function profileWrites(files: TunedProfileFile[]): TunedWrite[] {
  return [...mergedUnits(files)].flatMap(([unit, { options, file }]) => {
    const off = ["false", "0"].includes(options.get("enabled") ?? "");
    if (off || options.has("uname_regex") || options.has("cpuinfo_regex")) return [];
    const write = pluginWrites[options.get("type") ?? unit];
    return write ? write(options, (option) => ({ unit, option, file })) : [];
  });
}

interface MergedUnit {
  options: Map<string, string>;
  /** The last file that set the unit, where people change it. */
  file: string;
}

/** The units of merged profiles, in TuneD's merge order. */
function mergedUnits(files: TunedProfileFile[]): Map<string, MergedUnit> {
  const units = new Map<string, MergedUnit>();
  for (const { file, units: own } of files) {
    for (const [unit, options] of own) {
      if (unit === "main" || unit === "variables") continue;
      const before = units.get(unit);
      const keep = before !== undefined && options.get("replace") !== "1";
      units.set(unit, { options: new Map([...(keep ? before.options : []), ...options]), file });
    }
  }
  return units;
}

type PluginWrites = (
  options: Map<string, string>,
  where: (option: string) => WriteOrigin,
) => TunedWrite[];

// The plugins whose writes NetTune also makes, by unit type.
const pluginWrites: Record<string, PluginWrites> = {
  sysctl: (options, where) => sysctlWrites(options, where),
  sysfs: (options, where) => sysfsWrites(options, where),
  net: (options, where) => netWrites(options, where),
  scheduler: (options, where) =>
    (options.get("isolated_cores") ?? "") === ""
      ? []
      : [{ target: { kind: "irqs" }, origin: where("isolated_cores") }],
};

// Options every unit may carry, which are not settings.
const unitOptions = new Set([
  "type",
  "enabled",
  "devices",
  "replace",
  "priority",
  "devices_udev_regex",
  "drop",
]);

function sysctlWrites(
  options: Map<string, string>,
  where: (option: string) => WriteOrigin,
): TunedWrite[] {
  return [...options].flatMap(([key, raw]) => {
    if (unitOptions.has(key)) return [];
    const file = `/proc/sys/${key.includes("/") ? key : key.replaceAll(".", "/")}`;
    return [withValue({ target: { kind: "file", path: file }, origin: where(key) }, raw)];
  });
}

function sysfsWrites(
  options: Map<string, string>,
  where: (option: string) => WriteOrigin,
): TunedWrite[] {
  return [...options].flatMap(([key, raw]) =>
    key.startsWith("/sys/")
      ? [withValue({ target: { kind: "file", path: key }, origin: where(key) }, raw)]
      : [],
  );
}

// The net plugin's ethtool options take ethtool's own "name value" pairs.
const netGroups: Record<string, EthtoolGroup> = {
  features: "features",
  ring: "rings",
  coalesce: "coalesce",
  channels: "channels",
};

function netWrites(
  options: Map<string, string>,
  where: (option: string) => WriteOrigin,
): TunedWrite[] {
  const devices = options.get("devices") ?? "";
  const writes: TunedWrite[] = [];
  const hashsize = options.get("nf_conntrack_hashsize");
  if (hashsize !== undefined)
    writes.push(
      withValue(
        {
          target: { kind: "file", path: "/sys/module/nf_conntrack/parameters/hashsize" },
          origin: where("nf_conntrack_hashsize"),
        },
        hashsize,
      ),
    );
  const queueLength = options.get("txqueuelen");
  if (queueLength !== undefined)
    writes.push(
      withValue(
        {
          target: { kind: "nic", devices, group: "txqueuelen", param: "txqueuelen" },
          origin: where("txqueuelen"),
        },
        queueLength,
      ),
    );
  for (const [option, group] of Object.entries(netGroups)) {
    const words = (options.get(option) ?? "").split(/\s+/).filter(Boolean);
    for (let i = 0; i + 1 < words.length; i += 2)
      writes.push(
        withValue(
          { target: { kind: "nic", devices, group, param: words[i] ?? "" }, origin: where(option) },
          words[i + 1] ?? "",
        ),
      );
  }
  return writes;
}
