// The node's world, made from the real kernel: a network namespace with a
// 4-queue veth "NIC", a cgroup of its own in every hierarchy, and a process
// holding a private mount namespace (node-namespace.sh). Every program of the
// node tier runs inside it through nsenter; reap.sh removes all of it.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const run = promisify(execFile);
const here = import.meta.dirname;

/** The ClusterIP of the kubernetes Service: a local address of the node, where the API server listens. */
export const serviceIP = "10.96.0.1";
/**
 * The node's address, on its "NIC" vA, which also holds the default route as on
 * a real node (the kubelet finds its node IP there). The gateway does not
 * exist: nothing sent that way leaves the namespace.
 */
export const nodeIP = "10.250.0.2";
const nodeGateway = "10.250.0.1";

/** Kernel settings the kubelet changes on start (not per network namespace): saved and restored. */
export const kubeletSysctls = ["vm.overcommit_memory", "kernel.panic", "kernel.panic_on_oops"];
const savedSysctls = "/tmp/nettune-sysctl-node-tier.saved";

export interface NodeSandbox {
  /** nettune-node-XXXXXX: the network namespace, the cgroup and the state directory's name. */
  name: string;
  /** Where the node keeps its files; gone after reap. */
  state: string;
  /** The cgroup (same path in every hierarchy) the kubelet uses as its cgroupRoot. */
  cgroupRoot: string;
  /** The process holding the node's mount namespace. */
  holder: ChildProcess;
  /** The command line that runs a program inside the node: nsenter into the holder. */
  inside(program: string, args: string[]): [string, string[]];
}

export async function reap(name?: string): Promise<void> {
  await run("bash", [path.join(here, "reap.sh"), ...(name ? [name] : [])]);
}

/** Saves the kernel settings the kubelet will change, unless a killed run already saved the originals. */
async function saveSysctls(): Promise<void> {
  const existing = await readFile(savedSysctls, "utf8").catch(() => "");
  if (existing) return;
  const lines = await Promise.all(
    kubeletSysctls.map(async (key) => {
      const { stdout } = await run("sysctl", ["-n", key]);
      return `${key} ${stdout.trim()}`;
    }),
  );
  await writeFile(savedSysctls, `${lines.join("\n")}\n`);
}

async function ip(args: string[]): Promise<void> {
  await run("ip", args);
}

async function makeNetwork(name: string): Promise<void> {
  await ip(["netns", "add", name]);
  const veth = ["link", "add", "vA", "numrxqueues", "4", "numtxqueues", "4", "type", "veth"];
  await ip(["-n", name, ...veth, "peer", "name", "vB", "numrxqueues", "4", "numtxqueues", "4"]);
  for (const device of ["lo", "vA", "vB"]) await ip(["-n", name, "link", "set", device, "up"]);
  await ip(["-n", name, "addr", "add", `${serviceIP}/32`, "dev", "lo"]);
  await ip(["-n", name, "addr", "add", `${nodeIP}/24`, "dev", "vA"]);
  await ip(["-n", name, "route", "add", "default", "via", nodeGateway, "dev", "vA"]);
}

/** The kubelet's cgroupRoot must exist in every hierarchy it uses (cgroup v1, cgroupfs). */
async function makeCgroups(name: string): Promise<string[]> {
  const hierarchies = (await readdir("/sys/fs/cgroup")).filter((h) => h !== "unified");
  const made: string[] = [];
  for (const hierarchy of hierarchies) {
    const dir = path.join("/sys/fs/cgroup", hierarchy, name);
    await mkdir(dir);
    made.push(dir);
    if (hierarchy === "cpuset")
      for (const file of ["cpuset.cpus", "cpuset.mems"])
        await copyFile(path.join("/sys/fs/cgroup/cpuset", file), path.join(dir, file));
  }
  return made;
}

async function startHolder(name: string, state: string, node: string): Promise<ChildProcess> {
  const holder = spawn(
    "nsenter",
    [
      `--net=/run/netns/${name}`,
      "unshare",
      "--mount",
      "--propagation",
      "slave",
      "bash",
      path.join(here, "node-namespace.sh"),
      state,
      node,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  holder.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: holder.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") resolve();
    });
    holder.once("exit", (code) => {
      reject(new Error(`the node's mount namespace did not come up (exit ${code}): ${stderr}`));
    });
  });
  return holder;
}

/** Makes the node's namespaces and cgroup; the caller starts the programs and reaps at the end. */
export async function makeNodeSandbox(node: string): Promise<NodeSandbox> {
  await reap();
  await saveSysctls();
  const name = `nettune-node-${randomBytes(3).toString("hex")}`;
  const state = path.join("/tmp", name);
  try {
    await mkdir(state, { recursive: true });
    await makeNetwork(name);
    const cgroups = await makeCgroups(name);
    const holder = await startHolder(name, state, node);
    // Everything started in the node from now on lands in its cgroup, shims included.
    for (const dir of cgroups)
      await writeFile(path.join(dir, "cgroup.procs"), String(holder.pid)).catch(() => undefined);
    const pid = String(holder.pid);
    return {
      name,
      state,
      cgroupRoot: `/${name}`,
      holder,
      inside: (program, args) => ["nsenter", ["-t", pid, "-m", "-n", "--", program, ...args]],
    };
  } catch (cause) {
    await reap(name);
    throw new Error(`the node sandbox ${name} could not be made`, { cause });
  }
}
