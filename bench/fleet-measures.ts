// What the fleet benches read of the API server, etcd and the operator's process.
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ControlPlane } from "../test/harness/control-plane.ts";
import { apiServerGet } from "../test/harness/wait.ts";

export interface WriteCounts {
  /** Every nettune.io write. */
  all: number;
  nodeTunings: number;
  /** The bench-only NodeNetworkReport of BENCH_REPORT=apart. */
  reports: number;
}

/** nettune.io writes counted by the API server, from one read of its metrics. */
export async function writes(cp: ControlPlane): Promise<WriteCounts> {
  const text = await apiServerGet(cp, "/metrics");
  const counts = { all: 0, nodeTunings: 0, reports: 0 };
  for (const line of text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{") || !/group="nettune.io"/.test(line)) continue;
    if (!/verb="(POST|PUT|PATCH|DELETE)"/.test(line)) continue;
    const count = Number(line.slice(line.lastIndexOf(" ") + 1));
    counts.all += count;
    if (line.includes('resource="nodenetworktunings"')) counts.nodeTunings += count;
    if (line.includes('resource="nodenetworkreports"')) counts.reports += count;
  }
  return counts;
}

/** A process's peak resident memory since the last reset, in MB; resets it for the next round. */
export async function peakRSSMB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? "0");
  // Writing 5 to clear_refs resets the peak (proc(5)).
  await writeFile(`/proc/${pid}/clear_refs`, "5").catch(() => undefined);
  return Math.round(kb / 1024);
}

/** The size of etcd's database file: it grows with every revision kept until a compaction. */
export async function etcdDatabaseMB(workDir: string): Promise<string> {
  const db = await stat(path.join(workDir, "etcd/member/snap/db")).catch(() => undefined);
  return db ? (db.size / 1024 / 1024).toFixed(0) : "?";
}

/** How long `fn` takes, in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = Date.now();
  await fn();
  return Date.now() - start;
}
