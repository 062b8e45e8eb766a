import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A small host as files: 4 CPUs on one NUMA node, one 4-queue NIC "sim0"
 * (a name no real host here has, so nothing can reach a real device), and
 * the sysctls the tests tune, in the kernel's formats.
 */
export async function buildSimulatedHost(root: string, bootId: string): Promise<void> {
  const put = async (file: string, content: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  };
  await put("sys/devices/system/cpu/online", "0-3\n");
  for (let cpu = 0; cpu < 4; cpu++)
    await put(`sys/devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`, `${cpu}\n`);
  await put("sys/devices/system/node/node0/cpulist", "0-3\n");
  await put("sys/class/net/sim0/device/numa_node", "0\n");
  await put("sys/class/net/sim0/tx_queue_len", "1000\n");
  for (let q = 0; q < 4; q++) {
    await put(`sys/class/net/sim0/queues/rx-${q}/rps_cpus`, "0\n");
    await put(`sys/class/net/sim0/queues/rx-${q}/rps_flow_cnt`, "0\n");
    await put(`sys/class/net/sim0/queues/tx-${q}/xps_cpus`, "0\n");
  }
  await put("proc/interrupts", "           CPU0       CPU1       CPU2       CPU3\n");
  await put(
    "proc/net/route",
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n",
  );
  await put("proc/sys/kernel/random/boot_id", `${bootId}\n`);
  await put("proc/sys/kernel/osrelease", "6.8.0-simulated\n");
  await put("proc/sys/net/core/netdev_max_backlog", "1000\n");
  await put("proc/sys/net/core/somaxconn", "4096\n");
  await put("proc/sys/net/ipv4/tcp_fin_timeout", "60\n");
  await put("etc/resolv.conf", "nameserver 10.96.0.10\n");
}
