// One change round of bench/convergence.ts on one pool of nodes: change its
// tuning, wait until every node is Ready at the new generation, and read what
// the round cost the API server, etcd, the operator and the simulated agents.
import type { ChildProcess } from "node:child_process";
import type { NetworkTuning } from "../api/v1alpha1/network-tuning.ts";
import type { ControlPlane } from "../test/harness/control-plane.ts";
import { apiVersion, collectionPath, Plural } from "../api/v1alpha1/identity.ts";
import { cpuMs } from "./admin-client.ts";
import { etcdDatabaseMB, peakRSSMB, timed, writes } from "./fleet-measures.ts";
import type { Api } from "./report-layouts.ts";
import type { AgentMarks } from "./simulated-agents.ts";

// The version the operator and the agent read and write, so that no request pays for a conversion.
const tunings = collectionPath(Plural.NetworkTuning);

/** The pool's tuning: every node of the pool, all at once (the budget never limits). */
export function poolTuning(pool: string, somaxconn: number): NetworkTuning {
  return {
    apiVersion,
    kind: "NetworkTuning",
    metadata: { name: pool },
    spec: {
      nodeSelector: { matchLabels: { pool } },
      rollout: { maxUnavailable: "100%" },
      sysctls: { "net.core.somaxconn": String(somaxconn) },
    },
  };
}

export interface RoundContext {
  cp: ControlPlane;
  api: Api;
  operator: ChildProcess;
  marks: AgentMarks;
  /** Nodes in each pool. */
  n: number;
}

export interface RoundFigures {
  ms: number;
  apiServerMs: number;
  writes: { all: number; nodeTunings: number; reports: number };
  lines: string[];
}

async function untilReady(api: Api, pool: string, n: number, deadline: number): Promise<void> {
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${pool}: no convergence by the deadline`);
    const current = (await api("GET", `${tunings}/${pool}`)) as NetworkTuning;
    const ready = current.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
    if (
      ready &&
      current.status?.observedGeneration === current.metadata.generation &&
      current.status?.nodes === `${n}/${n}`
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Creates the pool's tuning (`create`) or changes its value, and measures until Ready. */
export async function measureRound(
  { cp, api, operator, marks, n }: RoundContext,
  pool: string,
  somaxconn: number,
  create: boolean,
): Promise<RoundFigures> {
  const before = await writes(cp);
  const operatorCPU = await cpuMs(operator.pid);
  const apiServerCPU = await cpuMs(cp.apiServerPid());
  const etcdCPU = await cpuMs(cp.etcdPid());
  const benchCPU = await cpuMs(process.pid);
  const started = Date.now();
  const ms = await timed(async () => {
    await (create
      ? api("POST", tunings, poolTuning(pool, somaxconn))
      : api(
          "PATCH",
          `${tunings}/${pool}`,
          { spec: { sysctls: { "net.core.somaxconn": String(somaxconn) } } },
          "application/merge-patch+json",
        ));
    await untilReady(api, pool, n, started + 120_000 + n * 500);
  });
  const apiServerMs = (await cpuMs(cp.apiServerPid())) - apiServerCPU;
  const after = await writes(cp);
  const delta = {
    all: after.all - before.all,
    nodeTunings: after.nodeTunings - before.nodeTunings,
    reports: after.reports - before.reports,
  };
  const sample = JSON.stringify(
    await api("GET", `${collectionPath(Plural.NodeNetworkTuning)}/${pool}-0000`),
  );
  const lines = [
    `last node released at ${marks.lastRelease - started} ms, last agent report at ${marks.lastReport - started} ms; ` +
      `operator CPU ${(await cpuMs(operator.pid)) - operatorCPU} ms, peak RSS ${await peakRSSMB(operator.pid)} MB; ` +
      `kube-apiserver CPU ${apiServerMs} ms (${(apiServerMs / n).toFixed(1)} ms per node); ` +
      `etcd CPU ${(await cpuMs(cp.etcdPid())) - etcdCPU} ms, its database ${await etcdDatabaseMB(cp.workDir)} MB; ` +
      `the simulated agents CPU ${(await cpuMs(process.pid)) - benchCPU} ms`,
    `API writes: ${delta.all} = ${(delta.all / n).toFixed(2)} per node; NodeNetworkTuning ${delta.nodeTunings} = ` +
      `${(delta.nodeTunings / n).toFixed(2)} per node, NodeNetworkReport ${delta.reports}; ` +
      `a NodeNetworkTuning is ${sample.length} bytes`,
  ];
  return { ms, apiServerMs, writes: delta, lines };
}
