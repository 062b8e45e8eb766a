// Configuration files of the node's programs, with the settings this kind of
// machine needs (cgroup v1 with cgroupfs, no CAP_SYS_RESOURCE, a loopback
// node address) and every path inside the node's state directory.
import path from "node:path";
import { stringify } from "yaml";

export const pauseImage = "localhost/nettune/pause:1";
export const podSubnet = "10.88.0.0/16";
export const clusterDNS = "10.96.0.10";

export function containerdConfig(state: string): string {
  const dir = path.join(state, "containerd");
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage}"
  # Lowering oom_score_adj needs CAP_SYS_RESOURCE, which root lacks here.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "${state}/cni"
`;
}

/** A bridge whose gateway address lives in the node's namespace: pods reach the API server, nothing else. */
export function cniConfig(): string {
  return JSON.stringify({
    cniVersion: "0.4.0",
    name: "nettune-node",
    plugins: [
      {
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: podSubnet }]],
          routes: [{ dst: "0.0.0.0/0" }],
        },
      },
    ],
  });
}

export function kubeletConfig(
  state: string,
  cgroupRoot: string,
  extra: Record<string, unknown> = {},
): string {
  return stringify({
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    failCgroupV1: false,
    cgroupDriver: "cgroupfs",
    cgroupRoot,
    oomScoreAdj: 0,
    address: "127.0.0.1",
    healthzBindAddress: "127.0.0.1",
    readOnlyPort: 0,
    containerRuntimeEndpoint: `unix://${state}/containerd/containerd.sock`,
    podLogsDir: "/var/log/pods",
    volumePluginDir: path.join(state, "volume-plugins"),
    // kubectl exec and logs come from the API server on loopback.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    clusterDNS: [clusterDNS],
    clusterDomain: "cluster.local",
    resolvConf: "/etc/resolv.conf",
    failSwapOn: false,
    // The machine's disk may be fuller than a node's defaults allow; nothing here fills it.
    evictionHard: {
      "memory.available": "50Mi",
      "nodefs.available": "1%",
      "imagefs.available": "1%",
    },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    // The static CPU manager, as latency-sensitive nodes run it: a Guaranteed pod gets CPUs of
    // its own, and the agent's housekeeping CPU set follows the shared pool. Half a CPU
    // reserved for the system is the least the policy accepts (it rounds up to CPU 0).
    cpuManagerPolicy: "static",
    kubeReserved: { cpu: "500m" },
    nodeStatusUpdateFrequency: "4s",
    syncFrequency: "5s",
    ...extra,
  });
}
