// Every key of the running kernel's /proc/sys/net, classified: each category
// the kernel's documentation calls a matter of security is refused without
// allowSecuritySensitiveSysctls, and the settings NetTune's own fields and
// examples use are allowed. Reads only; the machine's settings are untouched.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isSecuritySensitiveSysctl } from "./sysctl.ts";

async function sysctlKeys(dir: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    // Interface names may hold dots; sysctl writes those as "/", which no NetTune key accepts.
    const key = `${prefix}.${entry.name}`;
    if (entry.isDirectory()) keys.push(...(await sysctlKeys(path.join(dir, entry.name), key)));
    else keys.push(key);
  }
  return keys;
}

// Categories of Documentation/networking/ip-sysctl.rst and nf_conntrack-sysctl.rst that
// change who can reach what, or weaken the node's defences.
const sensitiveCategories =
  /(^|\.)(forwarding|bc_forwarding|mc_forwarding|ip_forward\w*|rp_filter|\w*redirects|accept_source_route|route_localnet|proxy_arp\w*|proxy_ndp|accept_ra\w*|seg6_\w+|\w*l3mdev_accept|nf_conntrack_helper|bpf_\w+|tcp_syncookies|ip_unprivileged_port_start|ping_group_range|disable_policy|disable_xfrm|arp_\w+|ip_nonlocal_bind|src_valid_mark|accept_local|disable_ipv6)$/;

const usedByNetTune = [
  "net.core.somaxconn",
  "net.core.netdev_max_backlog",
  "net.core.netdev_budget",
  "net.core.rps_sock_flow_entries",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_fin_timeout",
  "net.netfilter.nf_conntrack_max",
  "net.netfilter.nf_conntrack_tcp_timeout_established",
  "net.netfilter.nf_conntrack_udp_timeout",
  "net.netfilter.nf_conntrack_tcp_be_liberal",
];

describe("the running kernel's /proc/sys/net, classified", () => {
  it("refuses every security category without the flag, and allows what NetTune's own settings use", async () => {
    const keys = (await sysctlKeys("/proc/sys/net", "net")).filter((key) =>
      /^net\.(core|ipv4|ipv6|netfilter)\./.test(key),
    );
    const sensitive = keys.filter(isSecuritySensitiveSysctl);
    console.log(
      `${keys.length} keys under /proc/sys/net: ${keys.length - sensitive.length} known safe, ${sensitive.length} need allowSecuritySensitiveSysctls`,
    );
    expect(keys.length).toBeGreaterThan(200);
    const allowedButSensitive = keys.filter(
      (key) => sensitiveCategories.test(key) && !isSecuritySensitiveSysctl(key),
    );
    expect(allowedButSensitive).toEqual([]);
    for (const key of usedByNetTune.filter((k) => keys.includes(k)))
      expect([key, isSecuritySensitiveSysctl(key)]).toEqual([key, false]);
    // The list names real keys: most of what this kernel has for tuning is on it.
    expect(keys.length - sensitive.length).toBeGreaterThan(80);
  });
});
