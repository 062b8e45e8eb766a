// Debian's TuneD as a daemon beside the agent, for the footprint bench: it applies a profile of
// network sysctls and stays, in a network namespace and over a private /etc (an overlay) and
// /run (a tmpfs) in a mount namespace of its own, so it touches none of the machine's files or
// settings. D-Bus and its socket are off; reapply_sysctl = 0 keeps it to the profile's keys.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Sandbox } from "../test/harness/netns.ts";
import { eventually } from "../test/harness/wait.ts";

const profile = `[main]
summary=network sysctls
[sysctl]
net.core.somaxconn=8192
net.ipv4.tcp_fin_timeout=15
`;
const tunedMain = "daemon = 1\ndynamic_tuning = 0\nreapply_sysctl = 0\n";

const script = `set -e
mount -t overlay footprint-etc -o lowerdir=/etc,upperdir="$W/up",workdir="$W/work" /etc
mount -t tmpfs footprint-run /run
mkdir -p /etc/tuned/nettune-bench
cp "$W/tuned.conf" /etc/tuned/nettune-bench/tuned.conf
cp "$W/tuned-main.conf" /etc/tuned/tuned-main.conf
echo nettune-bench >/etc/tuned/active_profile
echo manual >/etc/tuned/profile_mode
exec tuned --no-dbus --no-socket -l "$W/tuned.log" -p nettune-bench
`;

export interface TunedDaemon {
  pid: number;
  stop(): Promise<void>;
}

/** Starts TuneD's daemon in the sandbox and waits until its profile holds there. */
export async function startTunedDaemon(sandbox: Sandbox, work: string): Promise<TunedDaemon> {
  const W = await mkdtemp(path.join(work, "tuned-"));
  await mkdir(path.join(W, "up"));
  await mkdir(path.join(W, "work"));
  await writeFile(path.join(W, "tuned.conf"), profile);
  await writeFile(path.join(W, "tuned-main.conf"), tunedMain);
  await writeFile(path.join(W, "run.sh"), script);
  // ip netns exec, unshare and the script's exec each replace themselves: the pid is TuneD's.
  const child: ChildProcess = spawn(
    "ip",
    ["netns", "exec", sandbox.name, "unshare", "-m", "--propagation", "private", "bash"].concat(
      path.join(W, "run.sh"),
    ),
    { stdio: "ignore", env: { ...process.env, W } },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(W, { recursive: true, force: true });
  };
  try {
    await eventually(async () => {
      const now = (await sandbox.exec("cat", ["/proc/sys/net/core/somaxconn"])).stdout.trim();
      if (now !== "8192") {
        const log = await readFile(path.join(W, "tuned.log"), "utf8").catch(() => "");
        throw new Error(`TuneD has not applied its profile yet:\n${log.slice(-2000)}`);
      }
    }, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  if (child.pid === undefined) throw new Error("TuneD has no pid");
  return { pid: child.pid, stop };
}
