// Benchmark: idle RSS and CPU of one node agent over a window (default 60 s)
// after it applied a profile, next to a bare Node.js process measured in the
// same run as the baseline. Goals: at most 50 MB RSS, under 0.1% of a core.
// Needs root and the Kubernetes build (scripts/ensure-k8s.sh).
//   node bench/agent-footprint.ts [seconds]
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { AgentProcess } from "../test/harness/agent-process.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { Sandbox } from "../test/harness/netns.ts";
import { eventually } from "../test/harness/wait.ts";

const seconds = Number(process.argv[2] ?? "60");
const root = path.resolve(import.meta.dirname, "..");
const ticksPerSecond = Number((await promisify(execFile)("getconf", ["CLK_TCK"])).stdout.trim());

async function sample(pid: number): Promise<{ rssKiB: number; cpuTicks: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const stat = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  return {
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    cpuTicks: Number(stat[11]) + Number(stat[12]),
  };
}

async function idle(pid: number): Promise<{ rssMB: number; cpuPercent: number }> {
  const before = await sample(pid);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const after = await sample(pid);
  return {
    rssMB: after.rssKiB / 1024,
    cpuPercent: ((after.cpuTicks - before.cpuTicks) / ticksPerSecond / seconds) * 100,
  };
}

const binDir =
  (await promisify(execFile)("bash", [path.join(root, "scripts/ensure-k8s.sh")])).stdout
    .trim()
    .split("\n")
    .at(-1) ?? "";
const controlPlane = await startControlPlane({ binDir });
const sandbox = await Sandbox.create("ntfoot");
const work = await mkdtemp(path.join(tmpdir(), "nettune-footprint-"));
const agent = new AgentProcess({
  sandbox,
  apiServer: controlPlane.server,
  token: controlPlane.adminToken,
  caFile: controlPlane.caFile,
  entry: path.join(root, "dist/node-agent/src/main.js"),
  nodeName: "bench-node",
  work,
});
const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
try {
  await installCRDs(controlPlane);
  const spec = {
    interfaces: [
      {
        match: { names: ["vA"], physicalOnly: false },
        channels: { rx: 2, tx: 2 },
        offloads: { gro: true },
        rps: { cpus: "all", flowEntries: 4096 },
        xps: { spread: "all" },
        txQueueLength: 5000,
      },
    ],
    conntrack: { timeouts: { tcpEstablishedSeconds: 3600 } },
    sysctls: { "net.core.somaxconn": "8192" },
  };
  await kubectl(
    controlPlane,
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name: "bench-node" },
      spec,
    }),
  );
  await agent.start();
  await eventually(async () => {
    const out = await kubectl(controlPlane, [
      "get",
      "nnt",
      "bench-node",
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Applied")].status}',
    ]);
    if (out.stdout !== "True") throw new Error("not applied yet");
  }, 60_000);
  const pid = agent.pid();
  if (pid === undefined) throw new Error("agent has no pid");
  console.log(
    `agent-footprint: idle for ${seconds} s after applying a profile (default 60 s re-verify included)`,
  );
  const [agentIdle, bareIdle] = await Promise.all([idle(pid), idle(bare.pid ?? 0)]);
  console.log(
    `  node agent:          RSS ${agentIdle.rssMB.toFixed(1)} MB, CPU ${agentIdle.cpuPercent.toFixed(3)}% of a core`,
  );
  console.log(
    `  bare node process:   RSS ${bareIdle.rssMB.toFixed(1)} MB, CPU ${bareIdle.cpuPercent.toFixed(3)}% of a core`,
  );
  console.log(
    `  RSS ratio agent/bare: ${(agentIdle.rssMB / bareIdle.rssMB).toFixed(2)}; goals: RSS <= 50 MB, CPU < 0.1%`,
  );
} finally {
  bare.kill();
  await agent.destroy();
  await sandbox.destroy();
  await controlPlane.stop();
  await rm(work, { recursive: true, force: true });
}
