// The node's CPUs and network namespace as the kernel shows them: the CPU
// topology, the default-route interfaces, whether this is the initial
// network namespace, and the driver a NIC is bound to.
import path from "node:path";
import { CPUListError } from "../../../api/helpers/cpu-list.ts";
import { listHostDir, readHostLink } from "../host/host-read.ts";
import { buildTopology, type CPUTopology } from "./cpu-topology.ts";
import { exists, readText } from "./read.ts";

/** The topology, or none and why when the kernel's CPU lists cannot be read or parsed. */
export async function gatherTopology(
  root: string,
  sys: string,
): Promise<{ cpus: CPUTopology; cpusUnreadable?: string }> {
  const cpuDir = path.join(sys, "devices/system/cpu");
  const none: CPUTopology = { online: [], nodeOf: new Map(), siblingsOf: new Map() };
  const online = (await readText(root, path.join(cpuDir, "online"))).trim();
  // Every running kernel lists at least CPU 0 here: an empty answer is an unreadable one.
  if (online === "")
    return { cpus: none, cpusUnreadable: `${path.join(cpuDir, "online")} cannot be read` };
  const siblings = new Map<number, string>();
  for (const entry of await listHostDir(root, cpuDir)) {
    const match = /^cpu(\d+)$/.exec(entry);
    if (!match?.[1]) continue;
    const text = await readText(root, path.join(cpuDir, entry, "topology/thread_siblings_list"));
    if (text.trim()) siblings.set(Number(match[1]), text.trim());
  }
  const nodes = new Map<number, string>();
  const nodeDir = path.join(sys, "devices/system/node");
  for (const entry of await listHostDir(root, nodeDir)) {
    const match = /^node(\d+)$/.exec(entry);
    if (match?.[1])
      nodes.set(
        Number(match[1]),
        (await readText(root, path.join(nodeDir, entry, "cpulist"))).trim(),
      );
  }
  try {
    return { cpus: buildTopology({ online, siblings, nodes }) };
  } catch (cause) {
    if (!(cause instanceof CPUListError)) throw cause;
    return { cpus: none, cpusUnreadable: `the CPU topology under ${cpuDir}: ${cause.message}` };
  }
}

/** Interfaces holding an IPv4 or IPv6 default route, from /proc/net/route and ipv6_route. */
export async function defaultRouteInterfaces(root: string, proc: string): Promise<Set<string>> {
  const result = new Set<string>();
  const route = await readText(root, path.join(proc, "net/route"));
  for (const line of route.split("\n").slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (iface && destination === "00000000" && mask === "00000000") result.add(iface);
  }
  for (const line of (await readText(root, path.join(proc, "net/ipv6_route"))).split("\n")) {
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
export async function isInitialNetns(root: string, proc: string): Promise<boolean> {
  const own = await readHostLink(root, path.join(proc, "self/ns/net"));
  const init = await readHostLink(root, path.join(proc, "1/ns/net"));
  if (own !== undefined && init !== undefined) return own === init;
  return exists(root, path.join(proc, "sys/net/core/netdev_max_backlog"));
}

/** The driver a device is bound to (its sysfs link); undefined for virtual interfaces. */
export async function driverFromSysfs(root: string, base: string): Promise<string | undefined> {
  const link = await readHostLink(root, path.join(base, "device/driver"));
  return link === undefined ? undefined : path.basename(link);
}
