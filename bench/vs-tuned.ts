// Benchmark: a one-shot apply of the same 8 network sysctls by NetTune's CLI and by TuneD
// 2.20 (Debian), each in a fresh network namespace, process start to applied, in one run.
// TuneD runs in its one-shot mode (daemon = 0: it applies the profile and exits), with
// reapply_sysctl = 0 so that it writes nothing but the profile, over a private /etc and /run
// (an overlay and a tmpfs in a mount namespace of its own): the machine's files and settings
// are never touched. NetTune runs as shipped (the CLI's startup snapshot, dist/cli.blob,
// built here), from the compiled modules in dist/, and from the TypeScript sources. Prints min/median/max of the time and peak RSS, and the ratios NetTune/TuneD.
// Needs root; installs TuneD with scripts/ensure-tuned.sh when missing.
//   node bench/vs-tuned.ts [runs]
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { Sandbox } from "../test/harness/netns.ts";

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? "12");
const root = path.resolve(import.meta.dirname, "..");

const sysctls: Record<string, string> = {
  "net.core.somaxconn": "8192",
  "net.ipv4.tcp_rmem": "4096 131072 16777216",
  "net.ipv4.tcp_wmem": "4096 65536 16777216",
  "net.ipv4.tcp_fin_timeout": "15",
  "net.ipv4.tcp_tw_reuse": "1",
  "net.ipv4.ip_local_port_range": "10240 65535",
  "net.ipv4.tcp_slow_start_after_idle": "0",
  "net.ipv4.tcp_keepalive_time": "600",
};

const tunedProfile = `[main]\nsummary=8 network sysctls\n[sysctl]\n${Object.entries(sysctls)
  .map(([key, value]) => `${key}=${value}`)
  .join("\n")}\n`;
const tunedMain = "daemon = 0\ndynamic_tuning = 0\nreapply_sysctl = 0\n";

/**
 * Prepares a namespace, then waits for "go" on stdin and runs `command` under GNU time:
 * prints the wall time in ns (from just before the exec to its end) and the peak RSS in KB.
 * The preparation (mounts, files) is not timed.
 */
function harness(prepare: string, command: string): string {
  return `set -e
${prepare}
read -r go
start=$(date +%s%N)
/usr/bin/time -f %M -o "$W/rss" ${command} >"$W/out" 2>&1
end=$(date +%s%N)
echo "$((end - start)) $(cat "$W/rss")"
`;
}

const tunedPrepare = `mount -t overlay vs-tuned-etc -o lowerdir=/etc,upperdir="$W/up",workdir="$W/work" /etc
mount -t tmpfs vs-tuned-run /run
mkdir -p /etc/tuned/nettune-bench
cp "$W/tuned.conf" /etc/tuned/nettune-bench/tuned.conf
cp "$W/tuned-main.conf" /etc/tuned/tuned-main.conf
echo nettune-bench >/etc/tuned/active_profile
echo manual >/etc/tuned/profile_mode`;

interface Sample {
  ms: number;
  rssMB: number;
}

type Tool = "tuned" | "snapshot" | "dist" | "source";

/** How each NetTune form starts: the image's nettune-agent-cli runs the snapshot. */
const nettuneCommand: Record<Exclude<Tool, "tuned">, string> = {
  snapshot: `${process.execPath} --snapshot-blob ${path.join(root, "dist/cli.blob")}`,
  dist: `${process.execPath} ${path.join(root, "dist/node-agent/src/cli.js")}`,
  source: `${process.execPath} ${path.join(root, "node-agent/src/cli.ts")}`,
};

async function once(tool: Tool, work: string): Promise<Sample> {
  const sandbox = await Sandbox.create("vt");
  const W = await mkdtemp(path.join(work, `${tool}-`));
  try {
    await mkdir(path.join(W, "up"));
    await mkdir(path.join(W, "work"));
    await writeFile(path.join(W, "tuned.conf"), tunedProfile);
    await writeFile(path.join(W, "tuned-main.conf"), tunedMain);
    const script =
      tool === "tuned"
        ? harness(tunedPrepare, `tuned --no-dbus --no-socket -l "$W/tuned.log" -p nettune-bench`)
        : harness(
            "",
            `${nettuneCommand[tool]} apply --file ${work}/tuning.yaml --run-dir "$W/run"`,
          );
    await writeFile(path.join(W, "run.sh"), script);
    const child = spawn(
      "ip",
      ["netns", "exec", sandbox.name, "unshare", "-m", "--propagation", "private"].concat([
        "bash",
        path.join(W, "run.sh"),
      ]),
      { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, W } },
    );
    const output = collect(child);
    child.stdin.write("go\n");
    child.stdin.end();
    const [ns, kb] = (await output).trim().split(/\s+/).map(Number);
    await expectApplied(sandbox, tool, W);
    return { ms: (ns ?? Number.NaN) / 1e6, rssMB: (kb ?? Number.NaN) / 1024 };
  } finally {
    await sandbox.destroy();
    await rm(W, { recursive: true, force: true });
  }
}

function collect(child: ReturnType<typeof spawn>): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve(text) : reject(new Error(`run exited ${String(code)}: ${text}`)),
    );
  });
}

/** Every sysctl holds the profile's value in the namespace afterwards, or the run does not count. */
async function expectApplied(sandbox: Sandbox, tool: string, W: string): Promise<void> {
  for (const [key, value] of Object.entries(sysctls)) {
    const file = `/proc/sys/${key.replaceAll(".", "/")}`;
    const now = (await sandbox.exec("cat", [file])).stdout.trim().split(/\s+/).join(" ");
    if (now !== value) {
      const out = await readFile(path.join(W, "out"), "utf8").catch(() => "");
      throw new Error(`${tool} left ${key}=${now}, not ${value}:\n${out}`);
    }
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const spread = (values: number[], digits: number): string =>
  `${Math.min(...values).toFixed(digits)}/${median(values).toFixed(digits)}/${Math.max(...values).toFixed(digits)}`;

async function main(): Promise<void> {
  await run("bash", [path.join(root, "scripts/ensure-tuned.sh")]);
  await run("npm", ["run", "-s", "build"], { cwd: root });
  const hostBefore = await readFile("/proc/sys/net/core/somaxconn", "utf8");
  const work = await mkdtemp(path.join(tmpdir(), "nettune-vs-tuned-"));
  const tools = ["tuned", "snapshot", "dist", "source"] as const;
  const samples: Record<(typeof tools)[number], Sample[]> = {
    tuned: [],
    snapshot: [],
    dist: [],
    source: [],
  };
  try {
    await writeFile(
      path.join(work, "tuning.yaml"),
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NetworkTuning",
        metadata: { name: "eight-sysctls" },
        spec: { sysctls },
      }),
    );
    // One unmeasured run each fills Python's and Node's compile caches.
    for (const tool of tools) await once(tool, work);
    for (let i = 0; i < runs; i++)
      for (const tool of tools) samples[tool].push(await once(tool, work));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if ((await readFile("/proc/sys/net/core/somaxconn", "utf8")) !== hostBefore)
    throw new Error("the machine's own net.core.somaxconn changed");
  const ms = (tool: (typeof tools)[number]): number[] => samples[tool].map((s) => s.ms);
  const mb = (tool: (typeof tools)[number]): number[] => samples[tool].map((s) => s.rssMB);
  console.log(
    `vs-tuned: 8 sysctls, one-shot apply in a fresh network namespace, ${runs} runs each, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log("  tool                        time ms min/median/max   peak RSS MB min/median/max");
  const row = (label: string, tool: (typeof tools)[number]): void => {
    console.log(`  ${label.padEnd(27)} ${spread(ms(tool), 1).padEnd(24)} ${spread(mb(tool), 1)}`);
  };
  row("TuneD 2.20 (daemon = 0)", "tuned");
  row("NetTune snapshot (shipped)", "snapshot");
  row("NetTune dist/ modules", "dist");
  row("NetTune from sources", "source");
  const ratio = (tool: (typeof tools)[number]): string =>
    `time ${(median(ms(tool)) / median(ms("tuned"))).toFixed(2)}, RSS ${(median(mb(tool)) / median(mb("tuned"))).toFixed(2)}`;
  console.log(`  ratio NetTune/TuneD, snapshot: ${ratio("snapshot")}`);
  console.log(`  ratio NetTune/TuneD, dist/:    ${ratio("dist")}`);
  console.log(`  ratio NetTune/TuneD, sources:  ${ratio("source")}`);
}

await main();
