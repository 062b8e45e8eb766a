// What the node tier must never change: the machine's own network settings.
// Taken in the test process's network namespace (the machine's) before and
// after the tier and compared key by key.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { kubeletSysctls } from "./node-sandbox.ts";

const run = promisify(execFile);

/** Counters and tables that move by themselves, not settings. */
const volatile = [
  /nf_conntrack_count$/,
  /\/neigh\/.*\/(ucast|mcast)_solicit$/,
  /\/route\/(flush|gc_)/,
];

async function readTree(dir: string, into: Record<string, string>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await readTree(file, into);
    else if (!volatile.some((pattern) => pattern.test(file)))
      into[file] = await readFile(file, "utf8").catch(() => "<unreadable>");
  }
}

export async function machineNetworkSnapshot(): Promise<Record<string, string>> {
  const snapshot: Record<string, string> = {};
  await readTree("/proc/sys/net", snapshot);
  for (const key of kubeletSysctls)
    snapshot[`sysctl ${key}`] = (await run("sysctl", ["-n", key])).stdout.trim();
  snapshot["/etc/resolv.conf"] = await readFile("/etc/resolv.conf", "utf8");
  snapshot["/etc/hosts"] = await readFile("/etc/hosts", "utf8");
  for (const device of await readdir("/sys/class/net")) {
    const base = `/sys/class/net/${device}`;
    snapshot[`${base}/tx_queue_len`] = await readFile(`${base}/tx_queue_len`, "utf8").catch(
      () => "",
    );
    snapshot[`${base}/mtu`] = await readFile(`${base}/mtu`, "utf8").catch(() => "");
    for (const queue of await readdir(`${base}/queues`).catch(() => [])) {
      for (const file of ["rps_cpus", "rps_flow_cnt", "xps_cpus"])
        snapshot[`${base}/queues/${queue}/${file}`] = await readFile(
          `${base}/queues/${queue}/${file}`,
          "utf8",
        ).catch(() => "");
    }
    for (const flag of ["-k", "-l", "-g", "-c"])
      snapshot[`ethtool ${flag} ${device}`] = await run("ethtool", [flag, device]).then(
        (r) => r.stdout,
        () => "",
      );
  }
  snapshot["ip -d link"] = (await run("ip", ["-d", "-o", "link"])).stdout.replace(
    / link\/\S+ \S+ brd \S+/g,
    "",
  );
  snapshot["ip addr"] = (await run("ip", ["-o", "addr"])).stdout;
  snapshot["ip route"] = (await run("ip", ["route"])).stdout;
  snapshot["ip netns"] = (await run("ip", ["netns", "list"])).stdout;
  return snapshot;
}

/** The keys whose values differ between two snapshots. */
export function differences(
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => before[key] !== after[key]).sort();
}
