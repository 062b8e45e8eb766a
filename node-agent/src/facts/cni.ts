import { readdir } from "node:fs/promises";
import path from "node:path";
import type { HostPaths } from "../host/paths.ts";
import { readHostFile } from "../host/host-read.ts";

/** The CNI plugin chain the node's container runtime uses, from its configuration directory. */
export interface CNIConfig {
  /** The file it comes from, as the node sees it, such as /etc/cni/net.d/10-calico.conflist. */
  file: string;
  /** The main plugin's type, such as calico, cilium-cni, flannel or bridge. */
  plugin: string;
}

const configDir = "etc/cni/net.d";

/**
 * The CNI that sets the node's pod networking up. Container runtimes take the
 * first configuration file in lexical order (.conf, .conflist, .json), as
 * libcni's ConfFiles does; its first plugin is the one that owns forwarding
 * and reverse-path filtering on the node.
 */
export async function findCNI(paths: HostPaths): Promise<CNIConfig | undefined> {
  const dir = path.join(paths.root, configDir);
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((name) => /\.(conf|conflist|json)$/.test(name))
    .sort();
  for (const name of files) {
    const text = await readHostFile(path.join(dir, name)).catch(() => undefined);
    const plugin = text === undefined ? undefined : mainPlugin(text);
    if (plugin) return { file: `/${configDir}/${name}`, plugin };
  }
  return undefined;
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
