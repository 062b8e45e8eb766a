// Benchmark: a tuning's rollout to N nodes (default 200) with simulated agents,
// against 2N bare object writes on the same API server in the same run.
// Prints the time to Ready=True, the baseline, their ratio (goal <= 1.3), API
// writes per node from the API server's own metrics (goal <= 2), writes at
// steady state (goal 0), the operator's peak RSS per round (goal <= 200 MB at
// 5,000 nodes) and CPU, the CPU of the API server, of etcd and of this process
// (the simulated agents), etcd's database size, and the bytes of a
// NodeNetworkTuning. Nodes carry a kubelet's status and the simulated agents
// a full report (bench/realistic-objects.ts), as in a real fleet; with
// BENCH_OBJECTS=bare, nodes carry only Ready and agents only their conditions.
// BENCH_REPORT=apart|summary puts the agents' report elsewhere or nowhere
// (bench/report-layouts.ts), to measure an API change before making it.
// Runs three rounds (a create, then two changes) and prints the median ratio
// and the slowdown from the first round to the last (goal <= 1.15). The
// operator runs with the chart's heap flags (operator.maxHeapMB and
// operator.maxSemiSpaceMB), as shipped;
// OPERATOR_NODE_OPTIONS replaces its Node.js flags.
//   node bench/convergence.ts [N] [rounds]
import { execFile, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { tmpdir } from "node:os";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import type { NetworkTuning } from "../api/v1alpha1/network-tuning.ts";
import { installCRDs } from "../test/harness/kubectl.ts";
import { readyNodeStatus } from "../test/harness/nodes.ts";
import { agentReport, kubeletNodeStatus } from "./realistic-objects.ts";
import { installReportKind, reportLayout } from "./report-layouts.ts";
import { benchControlPlane, client, cpuMs } from "./admin-client.ts";
import { simulateAgents } from "./simulated-agents.ts";
import { etcdDatabaseMB, peakRSSMB, timed, writes, type WriteCounts } from "./fleet-measures.ts";

const n = Number(process.argv[2] ?? "200");
const rounds = Number(process.argv[3] ?? "3");
const workers = Number(process.env.OPERATOR_WORKERS ?? "4");
const bare = process.env.BENCH_OBJECTS === "bare";
const layout = reportLayout(process.env.BENCH_REPORT);
const root = path.resolve(import.meta.dirname, "..");
const exec = promisify(execFile);

/** The operator's Node.js flags as the chart sets them: V8's old and young generation sizes. */
async function chartNodeOptions(): Promise<string> {
  const values = parse(await readFile(path.join(root, "charts/nettune/values.yaml"), "utf8")) as {
    operator: { maxHeapMB: number; maxSemiSpaceMB: number };
  };
  return `--max-old-space-size=${values.operator.maxHeapMB} --max-semi-space-size=${values.operator.maxSemiSpaceMB}`;
}
const operatorNodeOptions = process.env.OPERATOR_NODE_OPTIONS ?? (await chartNodeOptions());

await exec(process.execPath, [
  path.join(root, "node_modules/typescript/bin/tsc"),
  "-p",
  path.join(root, "tsconfig.build.json"),
]);
const cp = await benchControlPlane();
const api = client(cp);
let operator: ReturnType<typeof spawn> | undefined;
let stopAgents: (() => void) | undefined;
let stopping = false;
try {
  await installCRDs(cp);
  if (layout === "apart") await installReportKind(api, root);
  await api("POST", "/api/v1/namespaces", { metadata: { name: "nettune-system" } });
  await api("POST", "/api/v1/namespaces", { metadata: { name: "bench" } });
  const names = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(4, "0")}`);
  for (const name of names) {
    await api("POST", "/api/v1/nodes", { metadata: { name, labels: { pool: "bench" } } });
    const ready = readyNodeStatus();
    await api(
      "PATCH",
      `/api/v1/nodes/${name}/status`,
      { status: bare ? ready.status : { ...kubeletNodeStatus(name), ...ready.status } },
      "application/merge-patch+json",
    );
  }

  // Baseline: 2N writes of bare objects, as fast as one client makes them.
  const baseline = (round: number): Promise<number> =>
    timed(async () => {
      for (const name of names) {
        const configMap = `${name}-${round}`;
        await api("POST", "/api/v1/namespaces/bench/configmaps", {
          metadata: { name: configMap },
          data: { v: "1" },
        });
        await api(
          "PATCH",
          `/api/v1/namespaces/bench/configmaps/${configMap}`,
          { data: { v: "2" } },
          "application/merge-patch+json",
        );
      }
    });

  // Simulated agents: report each new generation Applied, once, as a real agent's status write.
  const agents = simulateAgents(cp, api, layout, bare || layout === "summary" ? {} : agentReport());
  const marks = agents.marks;
  stopAgents = agents.stop;
  const operatorLogPath = path.join(tmpdir(), "nettune-convergence-operator.log");
  const operatorLog = openSync(operatorLogPath, "w");
  operator = spawn(
    process.execPath,
    [
      path.join(root, "dist/operator/src/main.js"),
      "--namespace",
      "nettune-system",
      "--metrics-port",
      "18090",
      "--workers",
      String(workers),
      "--webhook-port",
      "0",
    ],
    {
      env: {
        ...process.env,
        KUBECONFIG: cp.kubeconfig,
        NODE_OPTIONS: operatorNodeOptions,
      },
      stdio: ["ignore", operatorLog, operatorLog],
    },
  );
  operator.on("exit", (code, signal) => {
    // The operator exits 0 on the SIGTERM that ends the bench; any other exit is a failure.
    if (!stopping)
      console.error(`the operator exited (${code ?? signal}); its log: ${operatorLogPath}`);
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));

  const tuning = {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name: "bench" },
    spec: {
      nodeSelector: { matchLabels: { pool: "bench" } },
      rollout: { maxUnavailable: "100%" },
      sysctls: { "net.core.somaxconn": "8192" },
    },
  };
  /** Round 1 creates the tuning; later rounds change it, so every node gets a new generation. */
  const change = (round: number): Promise<unknown> =>
    round === 1
      ? api("POST", "/apis/nettune.io/v1alpha1/networktunings", tuning)
      : api(
          "PATCH",
          "/apis/nettune.io/v1alpha1/networktunings/bench",
          { spec: { sysctls: { "net.core.somaxconn": String(8192 + round) } } },
          "application/merge-patch+json",
        );
  const untilReady = async (deadline: number): Promise<void> => {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`no convergence by the deadline`);
      const current = (await api(
        "GET",
        "/apis/nettune.io/v1alpha1/networktunings/bench",
      )) as NetworkTuning;
      const ready = current.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
      if (
        ready &&
        current.status?.observedGeneration === current.metadata.generation &&
        current.status?.nodes === `${n}/${n}`
      )
        return;
      if (process.env.BENCH_DEBUG) console.log(JSON.stringify(current.status));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  console.log(
    `convergence: ${n} nodes, simulated agents with ${bare ? "bare" : "full"} objects (report: ${layout}), operator with ${workers} workers and NODE_OPTIONS="${operatorNodeOptions}", ${rounds} rounds`,
  );
  const ratios: number[] = [];
  await peakRSSMB(operator.pid);
  let afterLastRound: WriteCounts = { all: 0, nodeTunings: 0, reports: 0 };
  for (let round = 1; round <= rounds; round++) {
    const base = await baseline(round);
    const before = await writes(cp);
    const operatorCPU = await cpuMs(operator.pid);
    const apiServerCPU = await cpuMs(cp.apiServerPid());
    const etcdCPU = await cpuMs(cp.etcdPid());
    const benchCPU = await cpuMs(process.pid);
    const started = Date.now();
    const convergence = await timed(async () => {
      await change(round);
      await untilReady(started + 120_000 + n * 500);
    });
    const apiServerRound = (await cpuMs(cp.apiServerPid())) - apiServerCPU;
    const cpu = `operator CPU ${(await cpuMs(operator.pid)) - operatorCPU} ms, peak RSS ${await peakRSSMB(operator.pid)} MB; kube-apiserver CPU ${apiServerRound} ms (${(apiServerRound / n).toFixed(1)} ms per node); etcd CPU ${(await cpuMs(cp.etcdPid())) - etcdCPU} ms, its database ${await etcdDatabaseMB(cp.workDir)} MB; this process (the simulated agents) CPU ${(await cpuMs(process.pid)) - benchCPU} ms`;
    const sample = JSON.stringify(
      await api("GET", `/apis/nettune.io/v1alpha1/nodenetworktunings/${names[0] ?? ""}`),
    );
    const reportBytes =
      layout === "apart"
        ? `, its NodeNetworkReport ${JSON.stringify(await api("GET", `/apis/nettune.io/v1alpha1/nodenetworkreports/${names[0] ?? ""}`)).length} bytes`
        : "";
    afterLastRound = await writes(cp);
    const rollout = afterLastRound.all - before.all;
    const nodeRollout = afterLastRound.nodeTunings - before.nodeTunings;
    const reportRollout = afterLastRound.reports - before.reports;
    ratios.push(convergence / base);
    console.log(
      `  round ${round} (${round === 1 ? "create" : "change"}): Ready=True ${n}/${n} in ${convergence} ms; ` +
        `${2 * n} bare writes in ${base} ms; ratio ${(convergence / base).toFixed(2)}`,
    );
    console.log(
      `    last node released at ${marks.lastRelease - started} ms, last agent report at ${marks.lastReport - started} ms; ${cpu}`,
    );
    console.log(
      `    API writes: ${rollout} = ${(rollout / n).toFixed(2)} per node; NodeNetworkTuning ${nodeRollout} = ` +
        `${(nodeRollout / n).toFixed(2)} per node, NodeNetworkReport ${reportRollout}, ` +
        `NetworkTuning (finalizer, status) ${rollout - nodeRollout - reportRollout}; ` +
        `a NodeNetworkTuning is ${sample.length} bytes${reportBytes}`,
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const steady = (await writes(cp)).all - afterLastRound.all;
  const sorted = [...ratios].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(`  median ratio: ${median.toFixed(2)} (goal <= 1.3)`);
  const slowdown = (ratios.at(-1) ?? 0) / (ratios[0] ?? 1);
  console.log(`  slowdown, last round against the first: ${slowdown.toFixed(2)} (goal <= 1.15)`);
  // Round 1 creates every NodeNetworkTuning, later rounds update them, and an update costs the
  // API server more than a create of the same object; this compares like with like.
  if (ratios.length > 2)
    console.log(
      `  last round against the first change round: ${((ratios.at(-1) ?? 0) / (ratios[1] ?? 1)).toFixed(2)}`,
    );
  console.log(`  operator RSS at steady state: ${await peakRSSMB(operator.pid)} MB`);
  console.log(`  API writes per node per change: see the rounds (goal <= 2)`);
  console.log(`  writes in the 10 s after the last round: ${steady} (goal 0)`);
} finally {
  stopAgents?.();
  stopping = true;
  operator?.kill("SIGTERM");
  await cp.stop();
}
