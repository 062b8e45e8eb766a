// Benchmark: the idle footprint of one node agent, next to Debian's TuneD 2.20 as a daemon, a
// bare Node.js process and Node's floor for the agent's job (bench/node-floor.mjs: a TLS watch
// and a keep-alive connection to the same API server, an HTTP server and a shell child, under the
// agent's flags, nothing of NetTune loaded) measured over the same window. Each run starts a fresh agent, applies a
// profile, lets it settle (the status write and Events that follow an apply, and the garbage
// collection after them: printed on their own), then measures all three side by side for the
// window (default 600 s: ten of the agent's 60 s re-verifies; a 60 s window resolves only about
// 0.017% of a core). Memory is split into anonymous pages, what the process itself holds, and
// file-backed ones (the binary and libraries, shared with every process that maps them), from
// smaps_rollup. CPU counts children: the agent's monitors and the ethtool runs of a re-verify.
// Prints min/median/max over the runs (default 3). Goals: the agent's anonymous memory at most
// TuneD's, its CPU at most 0.05% of a core. Exits 1 when a median misses one.
// Needs root, the Kubernetes build (scripts/ensure-k8s.sh) and TuneD (scripts/ensure-tuned.sh,
// run here when missing). AGENT_NODE_FLAGS (space-separated) replaces the agent's Node.js
// flags, AGENT_ENTRY its entry point and AGENT_ARGS (space-separated) adds to its arguments, to
// measure other ways of running it.
//   node bench/agent-footprint.ts [seconds=600] [settle-seconds=15] [runs=3]
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { agentNodeFlags } from "../node-agent/src/node-flags.ts";
import { benchAgent, kubernetesBinDir, untilApplied } from "./agent-applied.ts";
import { idleOver, median, spread, statFields, type IdleFigures } from "./process-sample.ts";
import { startTunedDaemon } from "./tuned-daemon.ts";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { leftoverProcesses } from "../test/harness/leftovers.ts";
import { Sandbox } from "../test/harness/netns.ts";

const seconds = Number(process.argv[2] ?? "600");
const settleSeconds = Number(process.argv[3] ?? "15");
const runs = Number(process.argv[4] ?? "3");
const root = path.resolve(import.meta.dirname, "..");
const exec = promisify(execFile);
const goals = { cpuPercent: 0.05 };

/** Every child of an agent seen while sampling, with its start time: the only ones ended later. */
const seen = new Map<number, string>();

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

interface RunFigures {
  settleCpuMs: number;
  agent: IdleFigures;
  tuned: IdleFigures;
  bare: IdleFigures;
  floor: IdleFigures;
  load: string;
}

async function oneRun(controlPlane: ControlPlane, run: number): Promise<RunFigures> {
  const node = `bench-node-${String(run)}`;
  const sandbox = await Sandbox.create(`ntfoot${String(run)}`);
  const tunedSandbox = await Sandbox.create(`ntftd${String(run)}`);
  const work = await mkdtemp(path.join(tmpdir(), "nettune-footprint-"));
  const flags = process.env.AGENT_NODE_FLAGS?.split(" ").filter(Boolean);
  const agent = benchAgent(controlPlane, sandbox, node, work, {
    ...(process.env.AGENT_ENTRY ? { entry: process.env.AGENT_ENTRY } : {}),
    ...(flags ? { nodeFlags: flags } : {}),
    ...(process.env.AGENT_ARGS ? { args: process.env.AGENT_ARGS.split(" ").filter(Boolean) } : {}),
  });
  const bare = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], {
    stdio: "ignore",
  });
  const floor = spawn(
    process.execPath,
    [
      ...agentNodeFlags,
      path.join(root, "bench/node-floor.mjs"),
      controlPlane.server,
      controlPlane.caFile,
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, FLOOR_TOKEN: controlPlane.adminToken },
    },
  );
  const tuned = await startTunedDaemon(tunedSandbox, work);
  try {
    await kubectl(
      controlPlane,
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NodeNetworkTuning",
        metadata: { name: node },
        spec,
      }),
    );
    // A real node has its Node object: the agent writes its advice condition there.
    await kubectl(
      controlPlane,
      ["apply", "-f", "-"],
      stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } }),
    );
    await agent.start();
    await untilApplied(controlPlane, node);
    const pid = agent.pid();
    if (pid === undefined) throw new Error("agent has no pid");
    const settling = await idleOver(pid, settleSeconds, seen);
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
    const [agentIdle, tunedIdle, bareIdle, floorIdle] = await Promise.all([
      idleOver(pid, seconds, seen),
      idleOver(tuned.pid, seconds),
      idleOver(bare.pid ?? 0, seconds),
      idleOver(floor.pid ?? 0, seconds),
    ]);
    const row = (label: string, f: IdleFigures): string =>
      `    ${label.padEnd(10)} RSS ${f.rssMB.toFixed(1)} MB (anonymous ${f.anonMB.toFixed(1)}, file ${f.fileMB.toFixed(1)}), CPU ${f.cpuPercent.toFixed(3)}%`;
    console.log(
      `  run ${String(run + 1)}, load ${load} at the window's start; settling CPU ${settling.cpuMs.toFixed(0)} ms`,
    );
    console.log(row("agent", agentIdle));
    console.log(row("TuneD", tunedIdle));
    console.log(row("bare Node", bareIdle));
    console.log(row("Node floor", floorIdle));
    return {
      settleCpuMs: settling.cpuMs,
      agent: agentIdle,
      tuned: tunedIdle,
      bare: bareIdle,
      floor: floorIdle,
      load,
    };
  } finally {
    bare.kill();
    floor.kill();
    await tuned.stop();
    await agent.destroy();
    await kubectl(controlPlane, ["delete", "nnt", node, "--ignore-not-found", "--wait=false"]);
    await kubectl(controlPlane, ["delete", "node", node, "--ignore-not-found", "--wait=false"]);
    await sandbox.destroy();
    await tunedSandbox.destroy();
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  await exec("bash", [path.join(root, "scripts/ensure-tuned.sh")]);
  const controlPlane = await startControlPlane({ binDir: await kubernetesBinDir() });
  const figures: RunFigures[] = [];
  try {
    await installCRDs(controlPlane);
    console.log(
      `agent-footprint: ${String(runs)} runs, each idle for ${String(seconds)} s after applying a profile and ${String(settleSeconds)} s of settling, the agent, TuneD's daemon, a bare Node.js and Node's floor for the agent's job side by side (CPU counts children)`,
    );
    for (let run = 0; run < runs; run++) figures.push(await oneRun(controlPlane, run));
  } finally {
    await controlPlane.stop();
    // The agent's monitors end with it (a parent-death signal). What is left of the children this
    // bench saw is reported and ended; another monitor on the machine (a user's) is only reported.
    for (const line of await leftoverProcesses()) {
      const pid = Number(line.split(" ")[0]);
      const ours = seen.has(pid) && (await statFields(pid))[19] === seen.get(pid);
      if (ours) process.kill(pid, "SIGKILL");
      console.error(`agent-footprint: ${ours ? "ended" : "left alone (not the agent's)"}: ${line}`);
    }
  }
  const of = (who: "agent" | "tuned" | "bare" | "floor", key: keyof IdleFigures): number[] =>
    figures.map((f) => f[who][key]);
  console.log(
    "  min/median/max       RSS MB            anonymous MB      file MB           CPU % of a core",
  );
  for (const [label, who] of [
    ["agent", "agent"],
    ["TuneD 2.20 daemon", "tuned"],
    ["bare Node.js", "bare"],
    ["Node floor", "floor"],
  ] as const)
    console.log(
      `  ${label.padEnd(20)} ${spread(of(who, "rssMB"), 1).padEnd(17)} ${spread(of(who, "anonMB"), 1).padEnd(17)} ${spread(of(who, "fileMB"), 1).padEnd(17)} ${spread(of(who, "cpuPercent"), 3)}`,
    );
  console.log(
    `  settling CPU ms: ${spread(
      figures.map((f) => f.settleCpuMs),
      0,
    )}`,
  );
  const anon = median(of("agent", "anonMB"));
  const tunedAnon = median(of("tuned", "anonMB"));
  const cpu = median(of("agent", "cpuPercent"));
  const anonMet = anon <= tunedAnon;
  const floorAnon = median(of("floor", "anonMB"));
  const cpuMet = cpu <= goals.cpuPercent;
  console.log(
    `  goals (medians): anonymous ${anon.toFixed(1)} MB <= TuneD's ${tunedAnon.toFixed(1)} MB: ${anonMet ? "met" : "missed"}; CPU ${cpu.toFixed(3)}% <= ${String(goals.cpuPercent)}%: ${cpuMet ? "met" : "missed"}`,
  );
  console.log(
    `  Node's floor for the agent's job holds ${floorAnon.toFixed(1)} MB anonymous: the agent's own code and data are ${(anon - floorAnon).toFixed(1)} MB above it`,
  );
  return anonMet && cpuMet ? 0 : 1;
}

process.exitCode = await main();
