import path from "node:path";
import type { HostPaths } from "../host/paths.ts";
import { listHostDir, readHostFile } from "../host/host-read.ts";
import { flagValue, ProcessTable } from "./processes.ts";

/** The CNI plugin chain the node's container runtime uses, from its configuration directory. */
export interface CNIConfig {
  /** The file it comes from, as the node sees it, such as /etc/cni/net.d/10-calico.conflist. */
  file: string;
  /** The main plugin's type, such as calico, cilium-cni, flannel or bridge. */
  plugin: string;
}

const defaultConfDir = "/etc/cni/net.d";

/** A container runtime's configuration file and where in it the CNI directory is named. */
interface RuntimeConfig {
  program: string;
  defaultFile: string;
  /** The TOML table that holds the key, such as plugins."io.containerd.grpc.v1.cri".cni. */
  table: RegExp;
  key: string;
}

const runtimes: RuntimeConfig[] = [
  {
    // containerd 1.x names the CRI plugin io.containerd.grpc.v1.cri, 2.x io.containerd.cri.v1.runtime.
    program: "containerd",
    defaultFile: "/etc/containerd/config.toml",
    table: /^plugins\.["']io\.containerd\.(grpc\.v1\.cri|cri\.v1\.runtime)["']\.cni$/,
    key: "conf_dir",
  },
  {
    program: "crio",
    defaultFile: "/etc/crio/crio.conf",
    table: /^crio\.network$/,
    key: "network_dir",
  },
];

/**
 * The CNI that sets the node's pod networking up. The directory is the one
 * the running container runtime is configured with (containerd's CRI
 * `conf_dir`, CRI-O's `network_dir`, read through its /proc root), else
 * /etc/cni/net.d. Runtimes take the first configuration file in lexical
 * order (.conf, .conflist, .json), as libcni's ConfFiles does; its first
 * plugin is the one that owns forwarding and reverse-path filtering.
 */
export async function findCNI(
  paths: HostPaths,
  processes = new ProcessTable(paths.proc),
): Promise<CNIConfig | undefined> {
  for (const runtime of runtimes) {
    const [process] = await processes.named(runtime.program);
    if (!process) continue;
    const file =
      flagValue(process.argv, "config") ?? shortFlag(process.argv, "-c") ?? runtime.defaultFile;
    const text = await readHostFile(process.root, path.join(process.root, file)).catch(
      () => undefined,
    );
    const dir =
      (text === undefined ? undefined : tomlString(text, runtime.table, runtime.key)) ??
      defaultConfDir;
    return firstConfig(process.root, dir);
  }
  return firstConfig(paths.root, defaultConfDir);
}

/** The first readable CNI configuration of `dir` (as the node sees it), read under `root`. */
async function firstConfig(root: string, dir: string): Promise<CNIConfig | undefined> {
  const files = (await listHostDir(root, path.join(root, dir)))
    .filter((name) => /\.(conf|conflist|json)$/.test(name))
    .sort();
  for (const name of files) {
    const text = await readHostFile(root, path.join(root, dir, name)).catch(() => undefined);
    const plugin = text === undefined ? undefined : mainPlugin(text);
    if (plugin) return { file: path.join(dir, name), plugin };
  }
  return undefined;
}

/** A `-c FILE` short flag's value (containerd's and CRI-O's short form of --config). */
function shortFlag(argv: string[], flag: string): string | undefined {
  const at = argv.lastIndexOf(flag);
  return at >= 0 ? argv[at + 1] : undefined;
}

/**
 * A string key of one table of a runtime's TOML configuration. Only a quoted
 * one-line string is understood, which is how runtimes write these paths; any
 * other form leaves the runtime's default in place.
 */
export function tomlString(text: string, table: RegExp, key: string): string | undefined {
  let inTable = false;
  let value: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const header = /^\[([^[\]]+)\]$/.exec(line);
    if (header) inTable = table.test((header[1] ?? "").replace(/\s+/g, ""));
    const assignment = inTable
      ? new RegExp(`^${key}\\s*=\\s*(["'])(.*)\\1\\s*(#.*)?$`).exec(line)
      : null;
    if (assignment) value = assignment[2];
  }
  return value === "" ? undefined : value;
}

/** The first plugin's type of a .conf or .conflist; undefined for anything else. */
export function mainPlugin(text: string): string | undefined {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return undefined; // the runtime skips a file it cannot read as well
  }
  if (typeof config !== "object" || config === null) return undefined;
  const { type, plugins } = config as { type?: unknown; plugins?: unknown };
  const first: unknown = Array.isArray(plugins) ? (plugins[0] as unknown) : { type };
  const pluginType = (first as { type?: unknown } | undefined)?.type;
  return typeof pluginType === "string" && pluginType !== "" ? pluginType : undefined;
}

// Sysctls a CNI sets up and checks for pod traffic: forwarding and reverse-path filtering.
const cniOwned = [
  /^net\.ipv4\.ip_forward$/,
  /^net\.ipv4\.conf\.[^.]+\.(forwarding|rp_filter)$/,
  /^net\.ipv6\.conf\.[^.]+\.forwarding$/,
];

/** Whether the CNI owns this sysctl key (forwarding and rp_filter). */
export function ownedByCNI(key: string): boolean {
  return cniOwned.some((pattern) => pattern.test(key));
}
