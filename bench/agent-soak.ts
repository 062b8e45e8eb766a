// Benchmark: one node agent for a long run at a high event rate, on a real API
// server and a real veth in a network namespace: a drift every few seconds (a
// sysctl changed behind its back, corrected at its 5 s re-verify, and an offload
// turned off, which ethtool's monitor reports at once), a spec change every
// minute, and the API server restarted every 10 minutes (3 times in a short
// run), which restarts its watch. Samples RSS (and its anonymous part), V8
// heap, open fds, child processes and live timers; after a warm-up, prints each
// one's slope per hour and its growth from the first quarter to the last. Goals: RSS slope under
// 1 MB per hour, no growth in fds, children or timers. Counts are judged on samples away from a
// restart: while the API server is down, and for a while after, the watch's socket is closed or
// being opened again, which moves fds by one either way and is no leak. Exits 1 when one is missed.
// Needs root and the Kubernetes build (scripts/ensure-k8s.sh).
//   node bench/agent-soak.ts [minutes=60] [sample-seconds=30]   (5 minutes: the short run)
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { benchAgent, kubernetesBinDir, untilApplied } from "./agent-applied.ts";
import { startControlPlane } from "../test/harness/control-plane.ts";
import { installCRDs, kubectl } from "../test/harness/kubectl.ts";
import { Sandbox } from "../test/harness/netns.ts";
import { quarterGrowth, slopePerHour, type Sample } from "./soak-stats.ts";

const minutes = Number(process.argv[2] ?? "60");
const sampleSeconds = Number(process.argv[3] ?? "30");
const warmUpSeconds = Math.min(600, (minutes * 60) / 5);
// A short run restarts the API server three times; an hour's, every 10 minutes.
const restartSeconds = Math.min(600, (minutes * 60) / 3);
// Memory settles for longer than a short run lasts: its RSS slope is printed, not judged.
const judgeMemory = minutes >= 30;

// How long after the API server is back a sample still counts as near the restart: the watch
// reconnects within its backoff's first steps.
const settleAfterRestartSeconds = 30;

/** The agent's children now: its monitors and any ethtool run in flight. */
async function children(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
  return text.split(" ").filter(Boolean).length;
}

async function sample(pid: number, sandbox: Sandbox, t: number): Promise<Sample> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  const metrics = (await sandbox.exec("curl", ["-s", "http://127.0.0.1:9464/metrics"])).stdout;
  const metric = (pattern: RegExp): number => Number(pattern.exec(metrics)?.[1] ?? NaN);
  return {
    t,
    rssMB: kib("VmRSS"),
    anonMB: kib("RssAnon"),
    heapMB: metric(/^nettune_agent_heap_used_bytes (\d+)/m) / 1024 / 1024,
    fds: (await readdir(`/proc/${pid}/fd`)).length,
    children: await children(pid),
    timers: metric(/^nettune_agent_active_resources\{type="Timeout"\} (\d+)/m),
  };
}

const controlPlane = await startControlPlane({ binDir: await kubernetesBinDir() });
const sandbox = await Sandbox.create("ntsoak");
const work = await mkdtemp(path.join(tmpdir(), "nettune-soak-"));
const agent = benchAgent(controlPlane, sandbox, "soak-node", work, {
  args: ["--resync-seconds", "5"],
});
const spec = (somaxconn: number): Record<string, unknown> => ({
  interfaces: [
    {
      match: { names: ["vA"], physicalOnly: false },
      offloads: { gro: true },
      rps: { cpus: "all", flowEntries: 4096 },
      txQueueLength: 5000,
    },
  ],
  sysctls: { "net.core.somaxconn": String(somaxconn) },
});
const timers: NodeJS.Timeout[] = [];
// A restart in flight when the run ends is waited for: the API server must not start after stop().
let restarting: Promise<unknown> = Promise.resolve();
// Seconds since the start at which the API server went down and came back; undefined while down.
const restartTimes: { down: number; up: number | undefined }[] = [];
let failed = false;
try {
  await installCRDs(controlPlane);
  const object = { apiVersion: "nettune.io/v1alpha1", kind: "NodeNetworkTuning" };
  await kubectl(
    controlPlane,
    ["apply", "-f", "-"],
    stringify({ ...object, metadata: { name: "soak-node" }, spec: spec(8192) }),
  );
  await agent.start();
  await untilApplied(controlPlane, "soak-node");
  const pid = agent.pid();
  if (pid === undefined) throw new Error("agent has no pid");

  const counts = { drifts: 0, specChanges: 0, restarts: 0 };
  const start = Date.now();
  const since = (): number => (Date.now() - start) / 1000;
  let tick = 0;
  timers.push(
    setInterval(() => {
      tick += 1;
      counts.drifts += 1;
      void (tick % 2 === 0
        ? sandbox.exec("sysctl", ["-qw", "net.core.somaxconn=1024"])
        : sandbox.exec("ethtool", ["-K", "vA", "gro", "off"]));
    }, 5_000),
    setInterval(() => {
      counts.specChanges += 1;
      const patch = JSON.stringify({ spec: spec(8192 + (counts.specChanges % 2)) });
      // Refused while the API server restarts: the next minute's change goes through.
      void kubectl(controlPlane, [
        "patch",
        "nnt",
        "soak-node",
        "--type",
        "merge",
        "-p",
        patch,
      ]).catch(() => undefined);
    }, 60_000),
    setInterval(() => {
      counts.restarts += 1;
      const restart: { down: number; up: number | undefined } = { down: since(), up: undefined };
      restartTimes.push(restart);
      restarting = controlPlane
        .stopAPIServer()
        .then(() => new Promise((resolve) => setTimeout(resolve, 2_000)))
        .then(() => controlPlane.startAPIServer())
        .then(() => {
          restart.up = since();
        })
        .catch((error: unknown) => {
          console.error("agent-soak: the API server did not restart", error);
        });
    }, restartSeconds * 1000),
  );

  const samples: Sample[] = [];
  const nearRestart = (t: number): boolean =>
    restartTimes.some(
      ({ down, up }) => t >= down && (up === undefined || t < up + settleAfterRestartSeconds),
    );
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
    const t = since();
    samples.push({ ...(await sample(pid, sandbox, t)), nearRestart: nearRestart(t) });
    if (t >= minutes * 60) break;
  }
  for (const timer of timers) clearInterval(timer);

  const measured = samples.filter((s) => s.t >= warmUpSeconds);
  const awayFromRestarts = measured.filter((s) => s.nearRestart !== true);
  const metricsText = (await sandbox.exec("curl", ["-s", "http://127.0.0.1:9464/metrics"])).stdout;
  const total = (name: string): string =>
    metricsText
      .split("\n")
      .filter((line) => line.startsWith(name))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0)
      .toFixed(0);
  console.log(
    `agent-soak: ${minutes} min, ${samples.length} samples every ${sampleSeconds} s, slopes after ${warmUpSeconds} s of warm-up; counts judged on the ${awayFromRestarts.length} of ${measured.length} samples away from a restart`,
  );
  console.log(
    `  events: ${counts.drifts} drifts, ${counts.specChanges} spec changes, ${counts.restarts} API server restarts; the agent counted ${total("nettune_agent_drift_corrections_total")} drift corrections, ${total("nettune_agent_watch_restarts_total")} watch restarts, ${total("nettune_agent_status_writes_total")} status writes`,
  );
  const rows: { name: string; value: (s: Sample) => number; unit: string; goal?: number }[] = [
    { name: "RSS", value: (s) => s.rssMB, unit: "MB", goal: 1 },
    { name: "RSS anonymous", value: (s) => s.anonMB, unit: "MB" },
    { name: "V8 heap", value: (s) => s.heapMB, unit: "MB" },
    { name: "open fds", value: (s) => s.fds, unit: "" },
    { name: "children", value: (s) => s.children, unit: "" },
    { name: "timers", value: (s) => s.timers, unit: "" },
  ];
  for (const { name, value, unit, goal } of rows) {
    const judged = unit === "" ? awayFromRestarts : measured;
    const slope = slopePerHour(judged, value);
    const growth = quarterGrowth(judged, value);
    const first = judged[0] ? value(judged[0]) : NaN;
    const last = judged.at(-1) ? value(judged.at(-1) as Sample) : NaN;
    // Counts must not grow; memory must not climb faster than its goal.
    const missed = goal !== undefined ? judgeMemory && slope >= goal : unit === "" && growth > 0;
    if (missed) failed = true;
    console.log(
      `  ${name.padEnd(14)} ${first.toFixed(1)} -> ${last.toFixed(1)} ${unit}, slope ${slope.toFixed(2)} ${unit}/h, growth first->last quarter ${growth.toFixed(1)}${missed ? "  MISSED" : ""}`,
    );
  }
  console.log(
    `  goals: RSS slope < 1 MB/h; no growth in fds, children or timers: ${failed ? "missed" : "met"}`,
  );
} finally {
  for (const timer of timers) clearInterval(timer);
  await restarting;
  await agent.destroy();
  await sandbox.destroy();
  await controlPlane.stop();
  await rm(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
