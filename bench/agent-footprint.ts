// Benchmark: idle RSS and CPU of one node agent over a window (default 120 s,
// two of its 60 s re-verifies) after it applied a profile and settled, next to
// a bare Node.js process measured in the same run as the baseline. Goals: at
// most 55 MB RSS, under 0.1% of a core, children (its monitors and the ethtool
// runs of a re-verify) included. The settling (the status write and Events that
// follow an apply, and the garbage collection after them: the first 15 s after
// Applied) is measured and printed on its own.
// Needs root and the Kubernetes build (scripts/ensure-k8s.sh). AGENT_NODE_FLAGS
// (space-separated) replaces the agent's Node.js flags, AGENT_ENTRY its entry
// point, to measure other ways of running it.
//   node bench/agent-footprint.ts [seconds] [settle-seconds]
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { agentNodeFlags } from "../node-agent/src/node-flags.ts";
import { untilApplied } from "./agent-applied.ts";
import { AgentProcess } from "../test/harness/agent-process.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { leftoverProcesses } from "../test/harness/leftovers.ts";
import { Sandbox } from "../test/harness/netns.ts";

const seconds = Number(process.argv[2] ?? "120");
const settleSeconds = Number(process.argv[3] ?? "15");
const root = path.resolve(import.meta.dirname, "..");
const ticksPerSecond = Number((await promisify(execFile)("getconf", ["CLK_TCK"])).stdout.trim());

/** The fields of /proc/PID/stat after the command name (field 3 is index 0). */
async function statFields(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return text.slice(text.lastIndexOf(") ") + 2).split(" ");
}

/** Every child of the agent seen while sampling, with its start time: the only ones ended later. */
const started = new Map<number, string>();

/** A process's descendants that run now (the agent's ip monitor and ethtool --monitor). */
async function descendants(pid: number): Promise<number[]> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => ""))
    .split(" ")
    .filter(Boolean)
    .map(Number);
  return [...children, ...(await Promise.all(children.map(descendants))).flat()];
}

/**
 * RSS, and CPU ticks of the process and of its children: those running now
 * (utime + stime) and those that ended and were waited for (cutime + cstime),
 * such as the ethtool runs of a re-verify.
 */
async function sample(pid: number): Promise<{ rssKiB: number; cpuTicks: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const own = await statFields(pid);
  let cpuTicks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of await descendants(pid)) {
    const fields = await statFields(child);
    // Field 22, the start time: a pid the kernel hands out again later is not this child.
    if (fields[19]) started.set(child, fields[19]);
    if (fields.length > 12) cpuTicks += Number(fields[11]) + Number(fields[12]);
  }
  return { rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), cpuTicks };
}

async function idle(
  pid: number,
  window = seconds,
): Promise<{ rssMB: number; cpuMs: number; cpuPercent: number }> {
  const before = await sample(pid);
  await new Promise((resolve) => setTimeout(resolve, window * 1000));
  const after = await sample(pid);
  const cpuMs = ((after.cpuTicks - before.cpuTicks) / ticksPerSecond) * 1000;
  return { rssMB: after.rssKiB / 1024, cpuMs, cpuPercent: (cpuMs / 1000 / window) * 100 };
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
  entry: process.env.AGENT_ENTRY ?? path.join(root, "dist/node-agent/src/main.js"),
  nodeFlags: process.env.AGENT_NODE_FLAGS?.split(" ").filter(Boolean) ?? agentNodeFlags,
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
  await untilApplied(controlPlane, "bench-node");
  const pid = agent.pid();
  if (pid === undefined) throw new Error("agent has no pid");
  const settling = await idle(pid, settleSeconds);
  console.log(
    `agent-footprint: idle for ${seconds} s after applying a profile and ${settleSeconds} s of settling (default 60 s re-verify included; CPU counts the agent's children)`,
  );
  console.log(
    `  settling:            CPU ${settling.cpuMs.toFixed(0)} ms in the first ${settleSeconds} s after Applied`,
  );
  const [agentIdle, bareIdle] = await Promise.all([idle(pid), idle(bare.pid ?? 0)]);
  console.log(
    `  node agent:          RSS ${agentIdle.rssMB.toFixed(1)} MB, CPU ${agentIdle.cpuPercent.toFixed(3)}% of a core`,
  );
  console.log(
    `  bare node process:   RSS ${bareIdle.rssMB.toFixed(1)} MB, CPU ${bareIdle.cpuPercent.toFixed(3)}% of a core`,
  );
  console.log(
    `  RSS ratio agent/bare: ${(agentIdle.rssMB / bareIdle.rssMB).toFixed(2)}; goals: RSS <= 55 MB, CPU < 0.1%`,
  );
} finally {
  bare.kill();
  await agent.destroy();
  await sandbox.destroy();
  await controlPlane.stop();
  await rm(work, { recursive: true, force: true });
  // The agent's monitors end with it (a parent-death signal). What is left of the children this
  // bench saw is reported and ended; another monitor on the machine (a user's) is only reported.
  const left = await leftoverProcesses();
  for (const line of left) {
    const pid = Number(line.split(" ")[0]);
    const ours = started.has(pid) && (await statFields(pid))[19] === started.get(pid);
    if (ours) process.kill(pid, "SIGKILL");
    console.error(`agent-footprint: ${ours ? "ended" : "left alone (not the agent's)"}: ${line}`);
  }
}
