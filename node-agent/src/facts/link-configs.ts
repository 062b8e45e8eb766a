import path from "node:path";
import { compareCodeUnits } from "../../../common/order.ts";
import type { EthtoolGroup } from "../model/targets.ts";
import type { HostPaths } from "../host/paths.ts";
import { listHostDir, readHostFile } from "../host/host-read.ts";
import type { ConfiguredWrite } from "./config-lines.ts";
import { parseIni, type IniFile } from "./ini.ts";
import { ProcessTable } from "./processes.ts";

/** A program that sets NICs up from its files when a link appears or a connection comes up. */
export interface LinkConfigWriter {
  pid: number;
  writes: ConfiguredWrite[];
}

type NicParam = { group: EthtoolGroup | "txqueuelen"; param: string };

// NetworkManager's [ethtool] keys (nm-setting-ethtool): feature-*, ring-*, coalesce-*, channels-*.
const nmPrefixes: Record<string, EthtoolGroup> = {
  "feature-": "features",
  "ring-": "rings",
  "coalesce-": "coalesce",
  "channels-": "channels",
};

// systemd.link(5) [Link] keys, applied by udev when the NIC appears.
const linkKeys: Record<string, NicParam> = {
  GenericReceiveOffload: { group: "features", param: "gro" },
  LargeReceiveOffload: { group: "features", param: "lro" },
  TCPSegmentationOffload: { group: "features", param: "tso" },
  GenericSegmentationOffload: { group: "features", param: "gso" },
  ReceiveChecksumOffload: { group: "features", param: "rx" },
  TransmitChecksumOffload: { group: "features", param: "tx" },
  RxBufferSize: { group: "rings", param: "rx" },
  TxBufferSize: { group: "rings", param: "tx" },
  RxChannels: { group: "channels", param: "rx" },
  TxChannels: { group: "channels", param: "tx" },
  CombinedChannels: { group: "channels", param: "combined" },
  UseAdaptiveRxCoalesce: { group: "coalesce", param: "adaptive-rx" },
  UseAdaptiveTxCoalesce: { group: "coalesce", param: "adaptive-tx" },
  RxCoalesceSec: { group: "coalesce", param: "rx-usecs" },
  TxCoalesceSec: { group: "coalesce", param: "tx-usecs" },
  TransmitQueueLength: { group: "txqueuelen", param: "txqueuelen" },
};

// NetworkManager's keyfile connections: what it stores and what is generated at run time.
const nmDirs = ["/etc/NetworkManager/system-connections", "/run/NetworkManager/system-connections"];
// systemd.link(5)'s search path, the earlier directory winning for one file name.
const linkDirs = ["/etc/systemd/network", "/run/systemd/network", "/usr/lib/systemd/network"];

/** NetworkManager in the agent's network namespace and the ethtool settings of its connections. */
export async function findNetworkManager(
  paths: HostPaths,
  processes = new ProcessTable(paths.proc),
): Promise<LinkConfigWriter | undefined> {
  const [nm] = await processes.inOwnNetns("NetworkManager");
  if (!nm) return undefined;
  const writes: ConfiguredWrite[] = [];
  for (const dir of nmDirs)
    for (const { file, ini } of await iniFiles(nm.root, dir, ".nmconnection"))
      writes.push(...connectionWrites(ini, file));
  return { pid: nm.pid, writes };
}

/** systemd-udevd in the agent's network namespace and what its .link files set on NICs. */
export async function findLinkFiles(
  paths: HostPaths,
  processes = new ProcessTable(paths.proc),
): Promise<LinkConfigWriter | undefined> {
  const [udevd] = await processes.inOwnNetns("systemd-udevd");
  if (!udevd) return undefined;
  const byName = new Map<string, { file: string; ini: IniFile }>();
  for (const dir of linkDirs)
    for (const found of await iniFiles(udevd.root, dir, ".link"))
      if (!byName.has(path.basename(found.file))) byName.set(path.basename(found.file), found);
  const files = [...byName.entries()].sort(([a], [b]) => compareCodeUnits(a, b)).map(([, f]) => f);
  return { pid: udevd.pid, writes: linkFileWrites(files) };
}

/**
 * What .link files set, in lexical order of their names. udev applies only
 * the first file whose [Match] fits a NIC: the names an earlier file claims
 * are excluded from the later ones. A file that matches on anything but
 * OriginalName (MAC address, driver, path) cannot be tied to a NIC name here
 * and is left out, including what it would shadow.
 */
export function linkFileWrites(files: { file: string; ini: IniFile }[]): ConfiguredWrite[] {
  const claimed: string[] = [];
  return files.flatMap(({ file, ini }) => {
    const names = matchedNames(ini);
    if (names === undefined) return [];
    const devices = [...names, ...claimed.map((name) => `!${name}`)].join(" ");
    claimed.push(...names.filter((name) => !name.startsWith("!")));
    return linkWrites(ini, file, devices);
  });
}

/** A .link file's OriginalName list as device rules ("!" for each when the list is inverted). */
function matchedNames(ini: IniFile): string[] | undefined {
  const match = ini.get("Match") ?? new Map<string, string>();
  const names = match.get("OriginalName");
  if (!names || [...match.keys()].some((key) => key !== "OriginalName")) return undefined;
  const inverted = names.startsWith("!");
  const list = (inverted ? names.slice(1) : names).split(/\s+/).filter(Boolean);
  return inverted ? list.map((name) => `!${name}`) : list;
}

/** The settings of one NetworkManager connection bound to an interface by name. */
export function connectionWrites(ini: IniFile, file: string): ConfiguredWrite[] {
  const device = ini.get("connection")?.get("interface-name");
  if (!device) return []; // matched by MAC address or other properties: the NIC is unknown here
  return [...(ini.get("ethtool") ?? [])].flatMap(([key, raw]) => {
    const prefix = Object.keys(nmPrefixes).find((p) => key.startsWith(p));
    if (!prefix) return [];
    const group = nmPrefixes[prefix] ?? "features";
    return [
      {
        target: { kind: "nic", devices: device, group, param: key.slice(prefix.length) },
        value: onOff(raw),
        origin: { unit: "ethtool", option: key, file },
      },
    ];
  });
}

/** The [Link] settings of one .link file, on the NICs `devices` names. */
function linkWrites(ini: IniFile, file: string, devices: string): ConfiguredWrite[] {
  return [...(ini.get("Link") ?? [])].flatMap(([key, raw]) => {
    const nic = linkKeys[key];
    if (!nic) return [];
    const value = nic.param.endsWith("-usecs") ? microseconds(raw) : onOff(raw);
    return [
      {
        target: { kind: "nic", devices, ...nic },
        ...(value === undefined ? {} : { value }),
        origin: { unit: "Link", option: key, file },
      },
    ];
  });
}

/** Booleans as ethtool says them; any other value as it is. */
function onOff(raw: string): string {
  const value = raw.trim();
  if (/^(yes|true|on|1)$/i.test(value)) return "on";
  if (/^(no|false|off|0)$/i.test(value)) return "off";
  return value;
}

/** A systemd time span ("50us", "1ms", "2") in microseconds; undefined when not one. */
function microseconds(raw: string): string | undefined {
  const span = /^(\d+)\s*(us|usec|ms|msec|s|sec)?$/.exec(raw.trim());
  if (!span) return undefined;
  const scale = { us: 1, usec: 1, ms: 1000, msec: 1000, s: 1e6, sec: 1e6 };
  const unit = (span[2] ?? "s") as keyof typeof scale;
  return String(Number(span[1]) * scale[unit]);
}

/** The INI files of a directory as the program sees it (under its /proc root), by suffix. */
async function iniFiles(
  root: string,
  dir: string,
  suffix: string,
): Promise<{ file: string; ini: IniFile }[]> {
  const names = (await listHostDir(root, path.join(root, dir)))
    .filter((name) => name.endsWith(suffix))
    .sort();
  const found: { file: string; ini: IniFile }[] = [];
  for (const name of names) {
    const text = await readHostFile(root, path.join(root, dir, name)).catch(() => undefined);
    if (text !== undefined)
      found.push({ file: path.join(dir, name), ini: parseIni(text, { inlineComments: false }) });
  }
  return found;
}
