// The cluster demo: control plane, CRDs, operator, one agent in a sandbox
// namespace, a tuning applied, Ready, described, deleted, every value restored.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { AgentProcess } from "../test/harness/agent-process.ts";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { Sandbox } from "../test/harness/netns.ts";
import { readyNodeStatus } from "../test/harness/nodes.ts";

const root = path.resolve(import.meta.dirname, "..");
const example = path.join(root, "examples/sandbox/veth-profile.yaml");
const nodeName = hostname().toLowerCase();

const step = (text: string): void => console.log(`\n== ${text}`);
const progress = (text: string): void => console.error(`   ${text}`);

/** Runs a command, showing its stderr (progress) as it comes; returns stdout. */
function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${program} ${args.join(" ")}: exit ${code}`)),
    );
  });
}

async function k(cp: ControlPlane, args: string[], input?: string): Promise<string> {
  const result = await kubectl(cp, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** The kernel values the example touches, read inside the sandbox. */
async function kernelValues(sandbox: Sandbox, agent: AgentProcess): Promise<string> {
  const script = `
    ethtool -l vA | sed -n '/Current/,$p' | tr -s '\\t' ' ' | paste -sd' '
    q=/sys/class/net/vA/queues
    for f in $q/rx-*/rps_cpus $q/rx-*/rps_flow_cnt $q/tx-*/xps_cpus /sys/class/net/vA/tx_queue_len; do
      printf '%s=%s\\n' "\${f#/sys/class/net/}" "$(cat "$f")"; done | paste -sd' '
    ethtool -k vA | grep -E '^(generic-receive-offload|tcp-segmentation-offload):' | paste -sd' '
    for k in nf_conntrack_tcp_timeout_established nf_conntrack_udp_timeout; do
      printf '%s=%s ' $k "$(cat /proc/sys/net/netfilter/$k)"; done
    echo "net.core.somaxconn=$(cat /proc/sys/net/core/somaxconn)"
    grep '^options' ${agent.resolvConf} || echo '(no options line in resolv.conf)'`;
  const result = await sandbox.exec("sh", ["-c", script]);
  return result.stdout.trimEnd();
}

async function addNode(cp: ControlPlane): Promise<void> {
  await k(
    cp,
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: nodeName, labels: { "kubernetes.io/hostname": nodeName } },
    }),
  );
  await k(cp, [
    "patch",
    "node",
    nodeName,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify(readyNodeStatus()),
  ]);
}

function startOperator(cp: ControlPlane, work: string): ChildProcess {
  const log = createWriteStream(path.join(work, "operator.log"));
  const child = spawn(
    process.execPath,
    [
      path.join(root, "dist/operator/src/main.js"),
      "--namespace",
      "nettune-system",
      "--metrics-port",
      "0",
      "--lease-seconds",
      "6",
      "--webhook-port",
      "0",
    ],
    { env: { ...process.env, KUBECONFIG: cp.kubeconfig }, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), "nettune-demo-"));
  let cp: ControlPlane | undefined;
  let sandbox: Sandbox | undefined;
  let agent: AgentProcess | undefined;
  let operator: ChildProcess | undefined;
  try {
    step(
      "Preparing: kube-apiserver and kubectl (built once from Go modules, then cached), the build",
    );
    const binDir =
      (await run("bash", [path.join(root, "scripts/ensure-k8s.sh")])).trim().split("\n").at(-1) ??
      "";
    await promisify(execFile)(process.execPath, [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(root, "tsconfig.build.json"),
    ]);
    step("Starting the embedded control plane (etcd + kube-apiserver on loopback)");
    cp = await startControlPlane({ binDir, log: progress });
    const plane = cp;
    await installCRDs(plane);
    await k(plane, ["create", "namespace", "nettune-system"]);
    await addNode(plane);
    console.log(`   CRDs applied; Node ${nodeName} registered`);

    step(
      `Starting the operator and the node agent of ${nodeName} (in a sandbox namespace with a 4-queue veth "vA")`,
    );
    operator = startOperator(plane, work);
    sandbox = await Sandbox.create("nettune-demo");
    agent = new AgentProcess({
      sandbox,
      apiServer: plane.server,
      token: plane.adminToken,
      caFile: plane.caFile,
      nodeName,
      work: path.join(work, "agent"),
      entry: path.join(root, "dist/node-agent/src/main.js"),
      args: ["--metrics-port", "0"],
    });
    await agent.start();
    console.log(`   operator log: ${work}/operator.log, agent log: ${agent.logFile}`);

    step("Kernel values before");
    console.log(await kernelValues(sandbox, agent));

    step(`kubectl apply -f ${path.relative(root, example)}`);
    console.log((await k(plane, ["apply", "-f", example])).trimEnd());
    await k(plane, [
      "wait",
      "--for=condition=Ready",
      "networktuning/sandbox-veth",
      "--timeout=120s",
    ]);

    step("kubectl get networktunings,nodenetworktunings");
    console.log((await k(plane, ["get", "networktunings,nodenetworktunings"])).trimEnd());
    step("kubectl describe networktuning sandbox-veth");
    console.log((await k(plane, ["describe", "networktuning", "sandbox-veth"])).trimEnd());
    step(`kubectl describe nodenetworktuning ${nodeName}   (per-setting results)`);
    console.log((await k(plane, ["describe", "nodenetworktuning", nodeName])).trimEnd());

    step("Kernel values after");
    console.log(await kernelValues(sandbox, agent));

    step(
      "kubectl delete networktuning sandbox-veth   (the finalizer waits for the agent's revert)",
    );
    console.log(
      (await k(plane, ["delete", "networktuning", "sandbox-veth", "--timeout=120s"])).trimEnd(),
    );
    step("Kernel values after the delete: every value restored");
    console.log(await kernelValues(sandbox, agent));
  } finally {
    operator?.kill("SIGTERM");
    await agent?.destroy();
    await sandbox?.destroy();
    await cp?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
