// A real single-node cluster inside the node sandbox: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd + runc and a kubelet,
// all from this machine (pinned Kubernetes modules, Debian packages). The test
// process reaches the API server through one relay on its own loopback.
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, connect, type Server } from "node:net";
import path from "node:path";
import { stringify } from "yaml";
import { relay } from "../relay.ts";
import { waitUntil } from "../wait.ts";
import { kubectl } from "../kubectl.ts";
import { kubeconfigFor, writeCredentials } from "../control-plane.ts";
import { execResult, type ExecResult } from "../exec.ts";
import { cniConfig, containerdConfig, kubeletConfig } from "./configs.ts";
import { makeNodeSandbox, nodeIP, reap, serviceIP, type NodeSandbox } from "./node-sandbox.ts";
import { Programs } from "./programs.ts";

const here = import.meta.dirname;

export interface RealClusterOptions {
  /** kube-apiserver and kubectl (scripts/ensure-k8s.sh). */
  controlPlaneBin: string;
  /** kubelet, kube-scheduler, kube-controller-manager (scripts/ensure-k8s-node.sh). */
  nodeBin: string;
  /** OCI archives to load into the node's containerd before the kubelet starts. */
  images: string[];
  /** The node's name; resolves to 127.0.0.1 inside the node. */
  nodeName: string;
  /** Where the programs' logs are kept after the run. */
  logDir: string;
  log: (line: string) => void;
}

export interface RealCluster {
  kubeconfig: string;
  kubectlPath: string;
  adminToken: string;
  nodeName: string;
  sandbox: NodeSandbox;
  restartKubelet(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const sandbox = await makeNodeSandbox(options.nodeName);
  const { state } = sandbox;
  await mkdir(options.logDir, { recursive: true });
  const programs = new Programs(sandbox, options.logDir);
  let relayServer: Server | undefined;
  const stop = async (): Promise<void> => {
    relayServer?.close();
    await programs.stopAll();
    await reap(sandbox.name);
  };
  try {
    const { token } = await writeCredentials(state);
    await writeFile(path.join(state, "admission.yaml"), admissionConfig());
    const inNode = kubeconfigFor(`https://127.0.0.1:443`, token);
    await writeFile(path.join(state, "kubeconfig"), inNode, { mode: 0o600 });
    options.log(`starting etcd and kube-apiserver in ${sandbox.name}`);
    await programs.start("etcd", "etcd", etcdArgs(state));
    await programs.start(
      "kube-apiserver",
      path.join(options.controlPlaneBin, "kube-apiserver"),
      apiServerArgs(state),
    );
    const socket = path.join(state, "api.sock");
    await programs.start(
      "api-forward",
      process.execPath,
      [path.join(here, "api-forward.ts"), socket, "127.0.0.1", "443"],
      /^listening$/,
    );
    relayServer = createServer((client) => {
      relay(client, connect(socket));
    });
    await new Promise<void>((resolve) => relayServer?.listen(0, "127.0.0.1", resolve));
    const address = relayServer.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const kubeconfig = path.join(state, "kubeconfig.relay");
    await writeFile(kubeconfig, kubeconfigFor(`https://127.0.0.1:${port}`, token), { mode: 0o600 });
    const target = { kubeconfig, kubectlPath: path.join(options.controlPlaneBin, "kubectl") };
    await waitUntil(
      "kube-apiserver /readyz",
      async () => (await kubectl(target, ["get", "--raw=/readyz"])).code === 0,
      90_000,
    );

    options.log("starting kube-controller-manager, kube-scheduler, containerd");
    await programs.start(
      "kube-controller-manager",
      path.join(options.nodeBin, "kube-controller-manager"),
      controllerManagerArgs(state),
    );
    await programs.start("kube-scheduler", path.join(options.nodeBin, "kube-scheduler"), [
      `--kubeconfig=${path.join(state, "kubeconfig")}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
    ]);
    await mkdir(path.join(state, "cni"), { recursive: true });
    await writeFile(path.join(state, "cni/10-nettune-node.conflist"), cniConfig());
    await writeFile(path.join(state, "containerd.toml"), containerdConfig(state));
    await programs.start("containerd", "containerd", [
      `--config=${path.join(state, "containerd.toml")}`,
    ]);
    const ctr = ["--address", path.join(state, "containerd/containerd.sock"), "-n", "k8s.io"];
    await waitUntil(
      "containerd",
      async () => (await inside(sandbox, "ctr", [...ctr, "version"])).code === 0,
      30_000,
    );
    for (const archive of options.images) {
      options.log(`loading ${path.basename(archive)} into containerd`);
      const loaded = await inside(sandbox, "ctr", [
        ...ctr,
        "images",
        "import",
        "--no-unpack=false",
        archive,
      ]);
      if (loaded.code !== 0) throw new Error(`ctr images import ${archive}: ${loaded.stderr}`);
    }

    const startKubelet = async (): Promise<void> => {
      await programs.start("kubelet", path.join(options.nodeBin, "kubelet"), [
        `--config=${path.join(state, "kubelet.yaml")}`,
        `--kubeconfig=${path.join(state, "kubeconfig")}`,
        `--hostname-override=${options.nodeName}`,
        `--node-ip=${nodeIP}`,
        "--v=1",
      ]);
    };
    await writeFile(path.join(state, "kubelet.yaml"), kubeletConfig(state, sandbox.cgroupRoot));
    options.log(`starting the kubelet of node ${options.nodeName}`);
    await startKubelet();
    await waitUntil(
      `node ${options.nodeName} Ready`,
      async () => {
        const ready = await kubectl(target, [
          "get",
          "node",
          options.nodeName,
          "-o",
          "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
        ]);
        return ready.stdout === "True";
      },
      120_000,
    );
    options.log(`node ${options.nodeName} is Ready`);
    return {
      kubeconfig,
      kubectlPath: target.kubectlPath,
      adminToken: token,
      nodeName: options.nodeName,
      sandbox,
      restartKubelet: async () => {
        await programs.stop("kubelet");
        await startKubelet();
      },
      stop,
    };
  } catch (cause) {
    await stop();
    throw new Error(`the real node cluster did not start (logs: ${options.logDir})`, { cause });
  }
}

export function inside(sandbox: NodeSandbox, program: string, args: string[]): Promise<ExecResult> {
  const [command, commandArgs] = sandbox.inside(program, args);
  return execResult(command, commandArgs);
}

function etcdArgs(state: string): string[] {
  return [
    `--data-dir=${path.join(state, "etcd")}`,
    "--listen-client-urls=http://127.0.0.1:2379",
    "--advertise-client-urls=http://127.0.0.1:2379",
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    "--initial-cluster=default=http://127.0.0.1:2380",
    "--unsafe-no-fsync",
  ];
}

/**
 * The API server listens on the kubernetes Service's ClusterIP port, on every
 * address of the node: pods reach it at 10.96.0.1:443 with no kube-proxy,
 * because that address is the node's own.
 */
function apiServerArgs(state: string): string[] {
  return [
    "--etcd-servers=http://127.0.0.1:2379",
    "--bind-address=0.0.0.0",
    `--advertise-address=${serviceIP}`,
    "--secure-port=443",
    `--cert-dir=${path.join(state, "certs")}`,
    `--token-auth-file=${path.join(state, "tokens.csv")}`,
    "--authorization-mode=Node,RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${path.join(state, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(state, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/24",
    "--allow-privileged=true",
    "--endpoint-reconciler-type=none",
    // The kubelet serves on loopback under the node's name; webhooks are reached at their pods.
    "--kubelet-preferred-address-types=Hostname",
    "--enable-aggregator-routing=true",
    "--profiling=false",
    `--admission-control-config-file=${path.join(state, "admission.yaml")}`,
  ];
}

/**
 * PodSecurity as a hardened cluster sets it: namespaces without a label get
 * "baseline", which refuses the privileged agent until its namespace is labelled
 * (the API server's own default, "privileged", would admit it anywhere).
 */
function admissionConfig(): string {
  return stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [
      {
        name: "PodSecurity",
        configuration: {
          apiVersion: "pod-security.admission.config.k8s.io/v1",
          kind: "PodSecurityConfiguration",
          defaults: { enforce: "baseline", "enforce-version": "latest" },
          exemptions: { usernames: [], runtimeClasses: [], namespaces: [] },
        },
      },
    ],
  });
}

function controllerManagerArgs(state: string): string[] {
  return [
    `--kubeconfig=${path.join(state, "kubeconfig")}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    // Published into every namespace as kube-root-ca.crt, which service-account volumes mount.
    `--root-ca-file=${path.join(state, "certs/apiserver.crt")}`,
    `--service-account-private-key-file=${path.join(state, "sa.key")}`,
    `--flex-volume-plugin-dir=${path.join(state, "flex")}`,
    "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
  ];
}
