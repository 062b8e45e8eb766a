// NetTune beside a real kube-proxy (built from the pinned Kubernetes release)
// in the same network namespace, both on a real API server: the agent names
// kube-proxy on the conntrack settings it also writes, says on the node
// before the first fight which kube-proxy flag to change, holds its own value
// (the documented winner) after each kube-proxy restart, and attributes the
// correction to kube-proxy. kube-proxy leaves the global table size alone
// (--conntrack-max-per-core=0), so nothing outside the sandbox changes.
import { settingResults } from "../../api/v1alpha1/contract.ts";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { AgentProcess } from "../../test/harness/agent-process.ts";
import { startControlPlane, type ControlPlane } from "../../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../../test/harness/kubectl.ts";
import { Sandbox } from "../../test/harness/netns.ts";
import { eventually } from "../../test/harness/wait.ts";

const root = path.resolve(import.meta.dirname, "../..");
const node = "kp-node";
const established = "/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established";
// The machine's own conntrack settings, compared before and after.
const hostFiles = [
  established,
  "/proc/sys/net/netfilter/nf_conntrack_max",
  "/sys/module/nf_conntrack/parameters/hashsize",
];

let controlPlane: ControlPlane;
let sandbox: Sandbox;
let agent: AgentProcess;
let work: string;
let kubeProxyBinary: string;
let kubeProxy: ChildProcess | undefined;
let hostBefore: string[];

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const hostValues = (): Promise<string[]> =>
  Promise.all(hostFiles.map((file) => readFile(file, "utf8").catch(() => "absent")));

const sandboxValue = async (): Promise<string> =>
  (await sandbox.exec("cat", [established])).stdout.trim();

async function nodeTuning(): Promise<NodeNetworkTuning> {
  return JSON.parse(await run(["get", "nnt", node, "-o", "json"])) as NodeNetworkTuning;
}

/**
 * kube-proxy in the sandbox, through the agent's relay to the API server;
 * returns once its log shows `ready` (its conntrack write, or its start).
 */
async function startKubeProxy(establishedFlag: string, ready: RegExp): Promise<void> {
  kubeProxy = spawn(
    "ip",
    [
      "netns",
      "exec",
      sandbox.name,
      kubeProxyBinary,
      `--kubeconfig=${path.join(work, "kube-proxy.kubeconfig")}`,
      `--hostname-override=${node}`,
      "--proxy-mode=iptables",
      "--conntrack-max-per-core=0",
      `--conntrack-tcp-timeout-established=${establishedFlag}`,
      "--conntrack-tcp-timeout-close-wait=0s",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  kubeProxy.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString()));
  await eventually(
    () => {
      expect(log, log.slice(-2000)).toMatch(ready);
      return Promise.resolve();
    },
    30_000,
    100,
  );
}

const wroteTimeout = /Set sysctl.*nf_conntrack_tcp_timeout_established/;
const started = /Starting service config controller|Caches are synced/;

async function stopKubeProxy(): Promise<void> {
  const process = kubeProxy;
  kubeProxy = undefined;
  if (!process || process.exitCode !== null || process.signalCode !== null) return;
  const exited = new Promise((resolve) => process.once("exit", resolve));
  process.kill("SIGTERM");
  await exited;
}

const spec = (seconds: number): Record<string, unknown> => ({
  mode: "Enforce",
  sources: [{ name: "conntrack", generation: 1, priority: 0 }],
  sourceNames: "conntrack",
  conntrack: { timeouts: { tcpEstablishedSeconds: seconds } },
});

beforeAll(async () => {
  hostBefore = await hostValues();
  const binDir = path.dirname(inject("kubectlPath"));
  controlPlane = await startControlPlane({ binDir });
  await installCRDs(controlPlane);
  const exec = promisify(execFile);
  const dir = (await exec("bash", [path.join(root, "scripts/ensure-kube-proxy.sh")])).stdout
    .trim()
    .split("\n")
    .at(-1);
  kubeProxyBinary = path.join(dir ?? "", "kube-proxy");
  work = await mkdtemp(path.join(tmpdir(), "nettune-kube-proxy-"));
  sandbox = await Sandbox.create();
  await run(
    ["apply", "-f", "-"],
    stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } }),
  );
  // kube-proxy waits for its Node's addresses before it sets anything up.
  await run([
    "patch",
    "node",
    node,
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status: { addresses: [{ type: "InternalIP", address: "10.77.1.1" }] } }),
  ]);
  // The agent starts with nothing to do, so that kube-proxy writes first.
  await run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name: node },
      spec: { mode: "Enforce", sysctls: { "net.core.somaxconn": "4096" } },
    }),
  );
  agent = new AgentProcess({
    sandbox,
    apiServer: controlPlane.server,
    token: controlPlane.adminToken,
    caFile: controlPlane.caFile,
    nodeName: node,
    work,
    args: ["--resync-seconds", "2"],
  });
  await agent.start();
  await writeFile(
    path.join(work, "kube-proxy.kubeconfig"),
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "test",
          cluster: {
            server: "https://127.0.0.1:16443",
            "certificate-authority": controlPlane.caFile,
          },
        },
      ],
      users: [{ name: "admin", user: { token: controlPlane.adminToken } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "admin" } }],
      "current-context": "test",
    }),
    { mode: 0o600 },
  );
}, 300_000);

afterAll(async () => {
  await stopKubeProxy();
  await agent.destroy();
  await sandbox.destroy();
  await controlPlane.stop();
  await rm(work, { recursive: true, force: true });
  // Nothing outside the sandbox changed.
  expect(await hostValues()).toEqual(hostBefore);
});

describe("NetTune beside a real kube-proxy", () => {
  it("kube-proxy writes its conntrack timeout in the node's namespace when it starts", async () => {
    await startKubeProxy("2h0m0s", wroteTimeout);
    expect(await sandboxValue()).toBe("7200");
  });

  it("names kube-proxy on the setting and says which flag to change, at the first apply", async () => {
    await run(
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NodeNetworkTuning",
        metadata: { name: node },
        spec: spec(600),
      }),
    );
    const object = await eventually(async () => {
      const current = await nodeTuning();
      expect(current.status?.observedGeneration).toBe(current.metadata.generation);
      return current;
    });
    const setting = settingResults(object.status).find(
      (s) => s.name === "conntrack.timeouts.tcpEstablishedSeconds",
    );
    expect(setting).toMatchObject({
      state: "Applied",
      desired: "600",
      alsoWrittenBy: ["kube-proxy"],
    });
    const conflicting = object.status?.conditions?.find((c) => c.type === "Conflicting");
    expect(conflicting).toMatchObject({ status: "True", reason: "OtherWriters" });
    expect(conflicting?.message).toMatch(
      /kube-proxy \(pid \d+\) writes conntrack\.timeouts\.tcpEstablishedSeconds=7200 at its start \(NetTune holds 600\): set --conntrack-tcp-timeout-established=0s/,
    );
    expect(await sandboxValue()).toBe("600");
  });

  it("holds its value after a kube-proxy restart, and puts the correction on kube-proxy", async () => {
    await stopKubeProxy();
    await startKubeProxy("2h0m0s", wroteTimeout);
    // kube-proxy wrote 7200 again at its start; the next re-verify (2 s) sets 600 back.
    await eventually(async () => expect(await sandboxValue()).toBe("600"), 30_000, 200);
    await eventually(async () => {
      const notes = await run([
        "get",
        "events.events.k8s.io",
        "-n",
        "default",
        "--field-selector",
        `regarding.name=${node},reason=DriftCorrected`,
        "-o",
        "jsonpath={.items[*].note}",
      ]);
      expect(notes).toMatch(
        /conntrack\.timeouts\.tcpEstablishedSeconds 7200 → 600 \(kube-proxy \(pid \d+\) writes 7200 at its start\)/,
      );
    });
    const metrics = (
      await sandbox.exec(process.execPath, [
        "-e",
        `fetch("http://127.0.0.1:9464/metrics").then((r) => r.text()).then((t) => process.stdout.write(t))`,
      ])
    ).stdout;
    expect(metrics).toMatch(/^nettune_agent_drift_corrections_total\{writer="kube-proxy"\} [1-9]/m);
  });

  it("with kube-proxy's flag changed as told, nothing conflicts", async () => {
    await stopKubeProxy();
    await startKubeProxy("0s", started);
    await eventually(
      async () => {
        const object = await nodeTuning();
        const conflicting = object.status?.conditions?.find((c) => c.type === "Conflicting");
        expect(conflicting).toMatchObject({ status: "False", reason: "NoOtherWriters" });
        const setting = settingResults(object.status).find(
          (s) => s.name === "conntrack.timeouts.tcpEstablishedSeconds",
        );
        expect(setting?.alsoWrittenBy).toBeUndefined();
      },
      30_000,
      500,
    );
    expect(await sandboxValue()).toBe("600");
  });
});
