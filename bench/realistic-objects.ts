// What real clusters put in the objects the operator watches, so that the
// convergence bench loads its caches as a real fleet would: a kubelet's Node
// status (images, addresses, capacity, node info) and an agent's full report
// (a result per setting and the host inventory of two 8-queue NICs).
import type { HostInventory, SettingResult } from "../api/v1alpha1/node-network-tuning.ts";

/** A kubelet's Node status besides its conditions: about 6 KB, as on a node with 30 images. */
export function kubeletNodeStatus(name: string): Record<string, unknown> {
  const images = Array.from({ length: 30 }, (_, i) => ({
    names: [
      `registry.example.com/team-${i % 7}/service-${i}@sha256:${String(i).padStart(64, "0")}`,
      `registry.example.com/team-${i % 7}/service-${i}:v1.${i}.0`,
    ],
    sizeBytes: 25_000_000 + i * 1_000_003,
  }));
  const resources = {
    cpu: "16",
    memory: "65851396Ki",
    pods: "110",
    "ephemeral-storage": "101430960Ki",
  };
  return {
    addresses: [
      { type: "InternalIP", address: "10.0.0.1" },
      { type: "Hostname", address: name },
    ],
    capacity: resources,
    allocatable: resources,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    images,
    nodeInfo: {
      architecture: "amd64",
      bootID: "6a9f3b6e-1d2c-4b8a-9f0e-3c5d7e9a1b2c",
      containerRuntimeVersion: "containerd://1.7.24",
      kernelVersion: "6.12.0-1-amd64",
      kubeProxyVersion: "",
      kubeletVersion: "v1.34.0",
      machineID: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      operatingSystem: "linux",
      osImage: "Debian GNU/Linux 13 (trixie)",
      systemUUID: "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    },
  };
}

/**
 * The per-setting results and inventory an agent reports for a tuning of two
 * 8-queue NICs, after applying `somaxconn`: as a real agent's, the report of
 * each new value differs from the last (the value, the conntrack count).
 */
export function agentReport(somaxconn = "8192"): {
  settings: SettingResult[];
  inventory: HostInventory;
} {
  const settings: SettingResult[] = [];
  for (const nic of ["eth0", "eth1"]) {
    for (let queue = 0; queue < 8; queue++) {
      settings.push({
        name: `${nic}/rx-${queue}/rps_cpus`,
        source: "bench",
        desired: "ffff",
        observed: "ffff",
        original: "0",
        state: "Applied",
      });
      settings.push({
        name: `${nic}/irq/${40 + queue}`,
        source: "bench",
        desired: String(queue * 2),
        observed: String(queue * 2),
        original: "0-15",
        state: "Applied",
      });
    }
  }
  settings.push({
    name: "sysctl/net.core.somaxconn",
    source: "bench",
    desired: somaxconn,
    observed: somaxconn,
    original: "4096",
    state: "Applied",
  });
  const inventory: HostInventory = {
    kernel: "6.12.0-1-amd64",
    interfaces: ["eth0", "eth1"].map((name, n) => ({
      name,
      driver: "ice",
      speedMbps: 25000,
      numaNode: 0,
      physical: true,
      defaultRoute: n === 0,
      rxQueues: 8,
      txQueues: 8,
      channels: { combined: 8, maxCombined: 64 },
      irqs: Array.from({ length: 8 }, (_, queue) => ({
        irq: 40 + n * 8 + queue,
        name: `ice-0000:3b:00.${n}-TxRx-${queue}`,
        queue,
        affinity: String(queue * 2),
      })),
    })),
    cpus: { count: 16, online: "0-15", numaNodes: [{ id: 0, cpus: "0-15" }] },
    conntrack: { max: 262144, buckets: 65536, count: 1200 + (Number(somaxconn) % 997) },
    irqbalanceRunning: false,
  };
  return { settings, inventory };
}
