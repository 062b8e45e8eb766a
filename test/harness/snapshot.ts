// Prints, as JSON, every value a tuning of vA/vB can touch inside the current
// network namespace: run with `ip netns exec NS node snapshot.ts [resolv.conf]`.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const snapshot: Record<string, string> = {};
const read = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "<absent>";
  }
};
for (const device of ["vA", "vB"]) {
  const base = `/sys/class/net/${device}`;
  snapshot[`${base}/tx_queue_len`] = read(`${base}/tx_queue_len`);
  for (const queue of readdirSync(`${base}/queues`).sort()) {
    const files = queue.startsWith("rx-") ? ["rps_cpus", "rps_flow_cnt"] : ["xps_cpus"];
    for (const file of files)
      snapshot[`${base}/queues/${queue}/${file}`] = read(`${base}/queues/${queue}/${file}`);
  }
  for (const flag of ["-l", "-k"]) {
    snapshot[`ethtool ${flag} ${device}`] = execFileSync("ethtool", [flag, device], {
      encoding: "utf8",
    });
  }
}
for (const dir of ["/proc/sys/net/netfilter", "/proc/sys/net/core"]) {
  for (const name of readdirSync(dir).sort()) {
    if (name === "nf_conntrack_count" || name.startsWith("nf_log")) continue;
    snapshot[`${dir}/${name}`] = read(`${dir}/${name}`);
  }
}
for (const key of ["tcp_rmem", "tcp_wmem", "ip_local_port_range"]) {
  snapshot[`/proc/sys/net/ipv4/${key}`] = read(`/proc/sys/net/ipv4/${key}`);
}
const resolvConf = process.argv[2];
if (resolvConf) snapshot[resolvConf] = read(resolvConf);
process.stdout.write(JSON.stringify(snapshot));
