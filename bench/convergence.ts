// Benchmark: rollouts to N nodes (default 200) with simulated agents, the
// shipped report layout against the smallest possible one in the same run.
// Two pools of N nodes each: the agents of "shipped" write the report the
// agent writes (conditions and compact per-setting results of
// bench/realistic-objects.ts, the inventory apart; BENCH_REPORT picks another
// layout of bench/report-layouts.ts, such as "status", the report before
// v1beta1); those of "smallest" write their conditions only. Each change
// round changes one pool's tuning, then the other's, and prints, per round,
// the rollout time ratio and the API server's CPU per node ratio between
// them (goals: at most 1.5 and 2.0), and as a secondary figure
// the shipped rollout against 2N bare object writes. The agents report what a
// real agent would after a change (the new value, a new conntrack count), and
// a report write that changes nothing fails the run. Also: API writes per node
// (goal <= 2), writes at steady state (goal 0), the operator's peak RSS and CPU
// (both pools are in its caches), etcd's size and the bytes of a
// NodeNetworkTuning. Nodes carry a kubelet's status (BENCH_OBJECTS=bare: only
// Ready). The operator runs with the chart's heap flags (operator.maxHeapMB and
// operator.maxSemiSpaceMB); OPERATOR_NODE_OPTIONS replaces them. It runs in a
// memory cgroup of the chart's operator.resources.limits.memory, and an OOM
// kill there fails the run (BENCH_OPERATOR_CGROUP=none runs it without).
//   node bench/convergence.ts [N] [rounds]
import { execFile, spawn } from "node:child_process";
import { openSync } from "node:fs";
import { tmpdir } from "node:os";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { installCRDs } from "../test/harness/kubectl.ts";
import { readyNodeStatus } from "../test/harness/nodes.ts";
import { agentReport, kubeletNodeStatus } from "./realistic-objects.ts";
import { installReportKind, reportLayout } from "./report-layouts.ts";
import { benchControlPlane, client } from "./admin-client.ts";
import { simulateAgents } from "./simulated-agents.ts";
import { peakRSSMB, timed, writes } from "./fleet-measures.ts";
import { measureRound, type RoundFigures } from "./convergence-round.ts";
import { memoryCgroup, quantityBytes } from "./memory-cgroup.ts";

const n = Number(process.argv[2] ?? "200");
const rounds = Number(process.argv[3] ?? "3");
const workers = Number(process.env.OPERATOR_WORKERS ?? "4");
const bare = process.env.BENCH_OBJECTS === "bare";
const layout = reportLayout(process.env.BENCH_REPORT);
const root = path.resolve(import.meta.dirname, "..");
const exec = promisify(execFile);

const chart = parse(await readFile(path.join(root, "charts/nettune/values.yaml"), "utf8")) as {
  operator: {
    maxHeapMB: number;
    maxSemiSpaceMB: number;
    resources: { limits: { memory: string } };
  };
};
/** The operator's Node.js flags as the chart sets them: V8's old and young generation sizes. */
const operatorNodeOptions =
  process.env.OPERATOR_NODE_OPTIONS ??
  `--max-old-space-size=${chart.operator.maxHeapMB} --max-semi-space-size=${chart.operator.maxSemiSpaceMB}`;
const cgroup =
  process.env.BENCH_OPERATOR_CGROUP === "none"
    ? undefined
    : await memoryCgroup(
        `nettune-bench-operator-${process.pid}`,
        quantityBytes(chart.operator.resources.limits.memory),
      );

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
  const names = ["shipped", "smallest"].flatMap((pool) =>
    Array.from({ length: n }, (_, i) => ({ pool, name: `${pool}-${String(i).padStart(4, "0")}` })),
  );
  for (const { pool, name } of names) {
    await api("POST", "/api/v1/nodes", { metadata: { name, labels: { pool } } });
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
      for (const { name } of names.slice(0, n)) {
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
  const shipped = bare ? "summary" : layout;
  const agents = simulateAgents(cp, api, {
    layout: (nnt) => (nnt.metadata.name?.startsWith("shipped-") ? shipped : "summary"),
    report: (nnt) =>
      nnt.metadata.name?.startsWith("shipped-") && !bare
        ? agentReport(nnt.spec.sysctls?.["net.core.somaxconn"] ?? "8192")
        : {},
  });
  const marks = agents.marks;
  stopAgents = agents.stop;
  const operatorLogPath = path.join(tmpdir(), "nettune-convergence-operator.log");
  const operatorLog = openSync(operatorLogPath, "w");
  const operatorCommand = [
    process.execPath,
    path.join(root, "dist/operator/src/main.js"),
    "--namespace",
    "nettune-system",
    "--metrics-port",
    "18090",
    "--workers",
    String(workers),
    "--webhook-port",
    "0",
  ];
  const [program = "", ...args] = cgroup ? cgroup.wrap(operatorCommand) : operatorCommand;
  operator = spawn(program, args, {
    env: {
      ...process.env,
      KUBECONFIG: cp.kubeconfig,
      NODE_OPTIONS: operatorNodeOptions,
    },
    stdio: ["ignore", operatorLog, operatorLog],
  });
  operator.on("exit", (code, signal) => {
    // The operator exits 0 on the SIGTERM that ends the bench; any other exit is a failure.
    if (!stopping)
      console.error(`the operator exited (${code ?? signal}); its log: ${operatorLogPath}`);
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));

  console.log(
    `convergence: 2 pools of ${n} nodes, simulated agents with ${bare ? "bare" : "full"} objects (shipped report: ${shipped}; smallest: conditions only), operator with ${workers} workers and NODE_OPTIONS="${operatorNodeOptions}" in ${cgroup?.describe ?? "no memory cgroup"}, ${rounds} rounds`,
  );
  await peakRSSMB(operator.pid);
  const context = { cp, api, operator, marks, n };
  const print = (label: string, figures: RoundFigures): void => {
    console.log(`  ${label}: Ready=True ${n}/${n} in ${figures.ms} ms`);
    for (const line of figures.lines) console.log(`    ${line}`);
  };
  const ratios: { rollout: number; apiCost: number; bare: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const base = await baseline(round);
    const create = round === 1;
    const big = await measureRound(context, "shipped", 8192 + round, create);
    const small = await measureRound(context, "smallest", 8192 + round, create);
    print(`round ${round} (${create ? "create" : "change"}), shipped`, big);
    print(`round ${round} (${create ? "create" : "change"}), smallest`, small);
    const figures = {
      rollout: big.ms / small.ms,
      apiCost: big.apiServerMs / Math.max(1, small.apiServerMs),
      bare: big.ms / base,
    };
    console.log(
      `    rollout ratio ${figures.rollout.toFixed(2)}, api cost ratio ${figures.apiCost.toFixed(2)}; ` +
        `shipped against ${2 * n} bare writes (${base} ms): ${figures.bare.toFixed(2)}`,
    );
    if (!create) ratios.push(figures);
  }
  const afterLastRound = await writes(cp);
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const steady = (await writes(cp)).all - afterLastRound.all;
  const median = (values: number[]): number =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
  console.log(
    `  change rounds, median: rollout ratio ${median(ratios.map((r) => r.rollout)).toFixed(2)} (goal <= 1.5), ` +
      `api cost ratio ${median(ratios.map((r) => r.apiCost)).toFixed(2)} (goal <= 2.0); ` +
      `shipped against bare writes ${median(ratios.map((r) => r.bare)).toFixed(2)}`,
  );
  console.log(`  operator RSS at steady state: ${await peakRSSMB(operator.pid)} MB`);
  console.log(`  writes in the 10 s after the last round: ${steady} (goal 0)`);
  if (cgroup) {
    const kills = await cgroup.oomKills();
    console.log(
      `  operator's memory cgroup: peak ${await cgroup.peakMB()} MB (page cache included), OOM kills ${kills} (must be 0)`,
    );
    if (kills > 0) process.exitCode = 1;
  }
  const noOps = agents.noOps();
  console.log(`  report writes that changed nothing: ${noOps} (must be 0)`);
  if (noOps > 0) process.exitCode = 1;
} finally {
  stopAgents?.();
  stopping = true;
  operator?.kill("SIGTERM");
  if (operator && operator.exitCode === null && operator.signalCode === null)
    await new Promise((resolve) => operator?.once("exit", resolve));
  await cgroup?.remove();
  await cp.stop();
}
