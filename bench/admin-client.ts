// What the benchmarks share: an admin client for the API server and a
// process's CPU time from /proc.
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { startControlPlane, type ControlPlane } from "../test/harness/control-plane.ts";

/** Sequential JSON requests as admin over one kept-alive connection. */
export function client(
  cp: ControlPlane,
): (method: string, url: string, body?: unknown, type?: string) => Promise<unknown> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  return (method, url, body, type = "application/json") =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(url, cp.server),
        {
          method,
          agent,
          rejectUnauthorized: false,
          headers: { authorization: `Bearer ${cp.adminToken}`, "content-type": type },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (text += c));
          res.on("end", () =>
            (res.statusCode ?? 500) < 300
              ? resolve(text ? JSON.parse(text) : undefined)
              : reject(new Error(`${method} ${url}: ${res.statusCode} ${text.slice(0, 200)}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
}

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
export async function cpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * A kube-apiserver and etcd on loopback, from the pinned release (built once,
 * cached). BENCH_APISERVER_PROFILING=1 serves the API server's CPU profile
 * (/debug/pprof/profile, as admin), to see where a write's cost goes.
 */
export async function benchControlPlane(): Promise<ControlPlane> {
  const root = path.resolve(import.meta.dirname, "..");
  const built = await promisify(execFile)("bash", [path.join(root, "scripts/ensure-k8s.sh")]);
  const binDir = built.stdout.trim().split("\n").at(-1) ?? "";
  return startControlPlane({
    binDir,
    startTimeoutMs: 120_000,
    profiling: process.env.BENCH_APISERVER_PROFILING === "1",
  });
}
