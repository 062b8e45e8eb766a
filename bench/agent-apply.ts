// Benchmark: the agent's plan + apply + verify of a full profile on a 4-queue
// veth, against a plain shell script making the same writes, in the same run.
// Prints both medians and their ratio (goal: at most 1.1). Needs root.
//   node bench/agent-apply.ts [iterations]
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import type { EnactDeps } from "../node-agent/src/engine/enact.ts";
import type { LoadedSpec } from "../node-agent/src/load-spec.ts";
import { Sandbox } from "../test/harness/netns.ts";

const run = promisify(execFile);
const iterations = Number(process.argv[2] ?? "15");
const cli = path.resolve(import.meta.dirname, "../node-agent/src/cli.ts");

const profile = {
  apiVersion: "nettune.io/v1alpha1",
  kind: "NetworkTuning",
  metadata: { name: "bench" },
  spec: {
    interfaces: [
      {
        match: { names: ["vA"], physicalOnly: false },
        channels: { rx: 2, tx: 2 },
        offloads: { gro: true, tso: false },
        txQueueLength: 5000,
        rps: { cpus: "all", flowEntries: 4096 },
        xps: { spread: "all" },
      },
    ],
    conntrack: { timeouts: { tcpEstablishedSeconds: 3600, udpSeconds: 20 }, tcpBeLiberal: true },
    sysctls: { "net.core.somaxconn": "8192" },
  },
};

// The same writes by hand, each followed by a read-back as the agent verifies.
const script = (mask: string): string => `set -e
q=/sys/class/net/vA/queues
ethtool -L vA rx 2 tx 2
ethtool -K vA gro on tso off
ethtool -l vA >/dev/null; ethtool -k vA >/dev/null
echo 5000 > /sys/class/net/vA/tx_queue_len; cat /sys/class/net/vA/tx_queue_len >/dev/null
for i in 0 1; do
  echo ${mask} > $q/rx-$i/rps_cpus; cat $q/rx-$i/rps_cpus >/dev/null
  echo 2048 > $q/rx-$i/rps_flow_cnt; cat $q/rx-$i/rps_flow_cnt >/dev/null
done
n=$(nproc); i=0
for t in 0 1; do echo $(printf '%x' $((1 << (t % n)))) > $q/tx-$t/xps_cpus; cat $q/tx-$t/xps_cpus >/dev/null; done
nf=/proc/sys/net/netfilter
echo 3600 > $nf/nf_conntrack_tcp_timeout_established; cat $nf/nf_conntrack_tcp_timeout_established >/dev/null
echo 20 > $nf/nf_conntrack_udp_timeout; cat $nf/nf_conntrack_udp_timeout >/dev/null
echo 1 > $nf/nf_conntrack_tcp_be_liberal; cat $nf/nf_conntrack_tcp_be_liberal >/dev/null
echo 8192 > /proc/sys/net/core/somaxconn; cat /proc/sys/net/core/somaxconn >/dev/null
`;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** Runs inside the namespace: the agent as the DaemonSet runs it (warm, in-process) against the script. */
async function inner(work: string): Promise<void> {
  const { revertAll } = await import("../node-agent/src/engine/enact.ts");
  const { shellRunner } = await import("../node-agent/src/host/shell-runner.ts");
  const { hostPathsUnder } = await import("../node-agent/src/host/paths.ts");
  const { loadSpecFile } = await import("../node-agent/src/load-spec.ts");
  const runDir = await mkdtemp("/dev/shm/nettune-bench-run-"); // a tmpfs, as /run is on nodes
  const paths = { ...hostPathsUnder("/", runDir), resolvConf: path.join(work, "none") };
  // A running agent keeps what ethtool -i said of a device from one check to the next, and its
  // last walk for other writers for ten seconds; it runs ethtool through its long-lived shells.
  const { WritersMemo } = await import("../node-agent/src/facts/writing-programs.ts");
  const shells = shellRunner();
  const deps = {
    paths,
    run: shells.run,
    driverInfoMemo: new Map<string, Record<string, string>>(),
    writersMemo: new WritersMemo(10_000),
  };
  const { spec } = await loadSpecFile(path.join(work, "profile.yaml"));
  const reset = async (): Promise<void> => {
    await revertAll(deps);
    await run("sh", ["-c", "ethtool -L vA rx 4 tx 4; ethtool -K vA gro off tso on"]);
  };
  try {
    await measure(spec, deps, reset, work, runDir);
  } finally {
    shells.close();
    await rm(runDir, { recursive: true, force: true });
  }
}

async function measure(
  spec: LoadedSpec["spec"],
  deps: EnactDeps,
  reset: () => Promise<void>,
  work: string,
  runDir: string,
): Promise<void> {
  const { enact } = await import("../node-agent/src/engine/enact.ts");
  const agentTimes: number[] = [];
  const shellTimes: number[] = [];
  const cliTimes: number[] = [];
  await timed(() => enact(spec, deps)); // warm-up: module loading and JIT, as a running agent has done
  await reset();
  for (let i = 0; i < iterations; i++) {
    agentTimes.push(await timed(() => enact(spec, deps)));
    await reset();
    shellTimes.push(await timed(() => run("sh", [path.join(work, "apply.sh")])));
    await reset();
    cliTimes.push(
      await timed(() =>
        run(process.execPath, [
          cli,
          "apply",
          "--file",
          path.join(work, "profile.yaml"),
          "--run-dir",
          runDir,
          "--resolv-conf",
          path.join(work, "none"),
        ]),
      ),
    );
    await reset();
  }
  const agent = median(agentTimes);
  const baseline = median(shellTimes);
  console.log(`agent-apply: full profile on a 4-queue veth, ${iterations} runs each, medians`);
  console.log(`  node agent, plan + apply + verify (running agent): ${agent.toFixed(1)} ms`);
  console.log(`  shell script, same writes and read-backs:          ${baseline.toFixed(1)} ms`);
  console.log(`  ratio agent/shell: ${(agent / baseline).toFixed(2)} (goal <= 1.10)`);
  if (agent / baseline > 1.1) process.exitCode = 1;
  console.log(
    `  for reference, the CLI from a cold process start:  ${median(cliTimes).toFixed(1)} ms`,
  );
}

if (process.argv[3] === "--inner") {
  await inner(process.argv[4] ?? "");
} else {
  const work = await mkdtemp(path.join(tmpdir(), "nettune-bench-"));
  const sandbox = await Sandbox.create("ntbench");
  try {
    await writeFile(path.join(work, "profile.yaml"), stringify(profile));
    const cpus = Number((await run("nproc")).stdout.trim());
    await writeFile(
      path.join(work, "apply.sh"),
      script(((1 << Math.min(cpus, 31)) - 1).toString(16)),
    );
    const result = await sandbox.exec(process.execPath, [
      import.meta.filename,
      String(iterations),
      "--inner",
      work,
    ]);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.code;
  } finally {
    await sandbox.destroy();
    await rm(work, { recursive: true, force: true });
  }
}
