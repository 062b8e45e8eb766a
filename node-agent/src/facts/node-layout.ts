// The node's CPUs and network namespace as the kernel shows them: the CPU
// topology, the default-route interfaces, whether this is the initial
// network namespace, and the driver a NIC is bound to.
import { readdir, readlink } from "node:fs/promises";
import path from "node:path";
import { CPUListError } from "../../../api/helpers/cpu-list.ts";
import { buildTopology, type CPUTopology } from "./cpu-topology.ts";
import { exists, readText } from "./read.ts";

/** The topology, or none and why when the kernel's CPU lists cannot be parsed. */
export async function gatherTopology(
  sys: string,
): Promise<{ cpus: CPUTopology; cpusUnreadable?: string }> {
  const cpuDir = path.join(sys, "devices/system/cpu");
  const online = (await readText(path.join(cpuDir, "online"))).trim();
  const siblings = new Map<number, string>();
  for (const entry of await readdir(cpuDir).catch(() => [])) {
    const match = /^cpu(\d+)$/.exec(entry);
    if (!match?.[1]) continue;
    const text = await readText(path.join(cpuDir, entry, "topology/thread_siblings_list"));
    if (text.trim()) siblings.set(Number(match[1]), text.trim());
  }
  const nodes = new Map<number, string>();
  const nodeDir = path.join(sys, "devices/system/node");
  for (const entry of await readdir(nodeDir).catch(() => [])) {
    const match = /^node(\d+)$/.exec(entry);
    if (match?.[1])
      nodes.set(Number(match[1]), (await readText(path.join(nodeDir, entry, "cpulist"))).trim());
  }
  try {
    return { cpus: buildTopology({ online: online || "0", siblings, nodes }) };
  } catch (cause) {
    if (!(cause instanceof CPUListError)) throw cause;
    const none: CPUTopology = { online: [], nodeOf: new Map(), siblingsOf: new Map() };
    return { cpus: none, cpusUnreadable: `the CPU topology under ${cpuDir}: ${cause.message}` };
  }
}

/** Interfaces holding an IPv4 or IPv6 default route, from /proc/net/route and ipv6_route. */
export async function defaultRouteInterfaces(proc: string): Promise<Set<string>> {
  const result = new Set<string>();
  for (const line of (await readText(path.join(proc, "net/route"))).split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") result.add(iface);
  }
  for (const line of (await readText(path.join(proc, "net/ipv6_route"))).split("\n")) {
    const fields = line.trim().split(/\s+/);
    const iface = fields[9];
    if (fields[0] === "0".repeat(32) && fields[1] === "00" && iface && iface !== "lo")
      result.add(iface);
  }
  return result;
}

/**
 * Compares our network namespace with PID 1's; where PID 1's is not readable,
 * falls back on net.core.netdev_max_backlog, a global sysctl that only the
 * initial namespace shows.
 */
export async function isInitialNetns(proc: string): Promise<boolean> {
  const own = await readlink(path.join(proc, "self/ns/net")).catch(() => undefined);
  const init = await readlink(path.join(proc, "1/ns/net")).catch(() => undefined);
  if (own !== undefined && init !== undefined) return own === init;
  return exists(path.join(proc, "sys/net/core/netdev_max_backlog"));
}

/** The driver a device is bound to (its sysfs link); undefined for virtual interfaces. */
export async function driverFromSysfs(base: string): Promise<string | undefined> {
  const link = await readlink(path.join(base, "device/driver")).catch(() => undefined);
  return link === undefined ? undefined : path.basename(link);
}
