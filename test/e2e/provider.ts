// Where the user-path test runs: the node tier's real single-node cluster on
// this machine, or a kind cluster (test/e2e/kind.sh) when Docker is there.
// The test itself is the same; only these few things differ.
import path from "node:path";
import { inject } from "vitest";
import { execResult as exec, type ExecResult } from "../harness/exec.ts";

export interface ClusterProvider {
  name: "node-tier" | "kind";
  kubeconfig: string;
  kubectlPath: string;
  nodeName: string;
  /** The NIC the tuning adapts to: the node's veth "NIC" here, kind's eth0 there. */
  nic: string;
  /** Runs a command on the node's host (its namespaces), as an operator would with ssh. */
  onNode(program: string, args: string[]): Promise<ExecResult>;
  /** Restarts the node's kubelet, which registers its Node again. */
  restartKubelet(): Promise<void>;
  /**
   * The PodSecurity level of a namespace without labels. The test needs a level below
   * "privileged" to show refused agents; where the cluster admits anything, it labels one.
   */
  defaultPodSecurity: "baseline" | "privileged";
  /** The kubelet's CPU manager policy: "static" gives a Guaranteed pod CPUs of its own. */
  cpuManagerPolicy: "static" | "none";
  /** helm flags that differ from the chart's defaults on this provider, each with why. */
  helmOverrides: { flags: string[]; why: string }[];
}

function nodeTier(): ClusterProvider {
  const holder = String(inject("nodeHolderPid"));
  const control = inject("nodeControlURL");
  return {
    name: "node-tier",
    kubeconfig: inject("nodeKubeconfig"),
    kubectlPath: inject("nodeKubectlPath"),
    nodeName: inject("nodeName"),
    nic: "vA",
    cpuManagerPolicy: "static",
    // The node tier's API server sets it, as hardened clusters do.
    defaultPodSecurity: "baseline",
    onNode: (program, args) => exec("nsenter", ["-t", holder, "-m", "-n", "--", program, ...args]),
    restartKubelet: async () => {
      const response = await fetch(`${control}/kubelet/restart`, { method: "POST" });
      if (!response.ok) throw new Error(`kubelet restart: ${await response.text()}`);
    },
    // The image is built here and loaded into containerd under the chart's default name and
    // tag, so the chart's defaults (IfNotPresent) find it: nothing differs.
    helmOverrides: [],
  };
}

function kind(): ClusterProvider {
  const cluster = process.env.KIND_CLUSTER ?? "nettune-e2e";
  const node = `${cluster}-control-plane`;
  return {
    name: "kind",
    kubeconfig: process.env.KUBECONFIG ?? path.join(process.env.HOME ?? "/root", ".kube/config"),
    kubectlPath: process.env.KUBECTL ?? "kubectl",
    nodeName: node,
    nic: "eth0",
    defaultPodSecurity: "privileged",
    cpuManagerPolicy: "none",
    onNode: (program, args) => exec("docker", ["exec", node, program, ...args]),
    restartKubelet: async () => {
      await exec("docker", ["exec", node, "systemctl", "restart", "kubelet"]);
    },
    helmOverrides: [],
  };
}

export function clusterProvider(): ClusterProvider {
  return process.env.NETTUNE_E2E_PROVIDER === "kind" ? kind() : nodeTier();
}
