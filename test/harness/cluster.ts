import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { startControlPlane, type ControlPlane } from "./control-plane.ts";
import { installCRDs, kubectl } from "./kubectl.ts";
import { readyNodeStatus } from "./nodes.ts";
import { buildSimulatedHost } from "./simulated-host.ts";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Nodes, agents and operators on a real API server: each node a Node object,
 * a fixture tree standing in for its host, and a real agent process in
 * simulated-host mode; operators run as real processes too. Runs the
 * compiled build (npm run build), as the image does.
 */
export class SimulatedCluster {
  readonly controlPlane: ControlPlane;
  readonly work: string;
  private readonly processes = new Map<string, ChildProcess>();
  /** Processes a test stopped on purpose: they are not started again. */
  private readonly stopping = new WeakSet<ChildProcess>();

  constructor(controlPlane: ControlPlane, work: string) {
    this.controlPlane = controlPlane;
    this.work = work;
  }

  /**
   * A fresh API server with the CRDs, a work directory and the operator's
   * namespace, after building dist/ (the agents and operators run the build).
   */
  static async start(binDir: string, prefix: string): Promise<SimulatedCluster> {
    await promisify(execFile)(process.execPath, [
      path.join(root, "node_modules/typescript/bin/tsc"),
      "-p",
      path.join(root, "tsconfig.build.json"),
    ]);
    // As npm run build does: the agents check specs against dist/crds.
    await cp(path.join(root, "crds"), path.join(root, "dist/crds"), { recursive: true });
    const controlPlane = await startControlPlane({ binDir });
    const cluster = new SimulatedCluster(controlPlane, await mkdtemp(path.join(tmpdir(), prefix)));
    await installCRDs(controlPlane);
    await cluster.prepare();
    return cluster;
  }

  /** Stops every process and the API server, and removes the work directory. */
  async destroy(): Promise<void> {
    await this.stopAll();
    await this.controlPlane.stop();
    // NETTUNE_KEEP_WORK=1 keeps the processes' logs for a look after a failure.
    if (process.env.NETTUNE_KEEP_WORK !== "1")
      await rm(this.work, { recursive: true, force: true });
  }

  hostRoot(node: string): string {
    return path.join(this.work, "hosts", node);
  }

  async addNodes(names: readonly string[], labels: Record<string, string>): Promise<void> {
    const nodes = names.map((name) => ({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    }));
    await this.kubectl(
      ["apply", "-f", "-"],
      stringify({ apiVersion: "v1", kind: "List", items: nodes }),
    );
    const ready = readyNodeStatus();
    await Promise.all(
      names.map((name) =>
        this.kubectl([
          "patch",
          "node",
          name,
          "--subresource=status",
          "--type=merge",
          "-p",
          JSON.stringify(ready),
        ]),
      ),
    );
    for (const name of names)
      await buildSimulatedHost(
        this.hostRoot(name),
        `00000000-0000-4000-8000-${name.replace(/\D/g, "").padStart(12, "0")}`,
      );
  }

  /** Starts the node's agent, as admin unless given the token it should use. */
  async startAgent(node: string, extra: string[] = [], bearer?: string): Promise<void> {
    const token = path.join(this.work, bearer === undefined ? "token" : `token-${node}`);
    await writeFile(token, bearer ?? this.controlPlane.adminToken, { mode: 0o600 });
    const args = [
      path.join(root, "dist/node-agent/src/main.js"),
      "--simulated-host",
      "--node-name",
      node,
      "--host-root",
      this.hostRoot(node),
      "--run-dir",
      path.join(this.hostRoot(node), "run/nettune"),
      "--server",
      this.controlPlane.server,
      "--token-file",
      token,
      "--ca-file",
      this.controlPlane.caFile,
      "--metrics-port",
      "0",
      "--resync-seconds",
      "2",
      ...extra,
    ];
    this.launch(`agent/${node}`, args, {});
  }

  /**
   * Starts an operator replica, with the admin kubeconfig unless given another.
   * Like its Deployment's pod, the replica is started again when it exits on its
   * own (it exits when it loses its lease); not when a test stops or kills it.
   */
  startOperator(
    identity: string,
    port: number,
    extra: string[] = [],
    kubeconfig?: string,
    extraEnv: Record<string, string> = {},
    /** Where the operator's build is: another release's (scripts/previous-dist.sh) for skew. */
    build = root,
  ): void {
    const args = [
      path.join(build, "dist/operator/src/main.js"),
      "--namespace",
      "nettune-system",
      "--identity",
      identity,
      "--metrics-port",
      String(port),
      "--lease-seconds",
      "6",
      // Replicas share this machine: no webhook port unless a test asks for one (later flags win).
      "--webhook-port",
      "0",
      ...extra,
    ];
    const env = { KUBECONFIG: kubeconfig ?? this.controlPlane.kubeconfig, ...extraEnv };
    const child = this.launch(`operator/${identity}`, args, env);
    child.once("exit", (code) => {
      if (code === null || this.stopping.has(child)) return;
      setTimeout(() => {
        if (this.processes.get(`operator/${identity}`) === child && !this.stopping.has(child))
          this.startOperator(identity, port, extra, kubeconfig, extraEnv, build);
      }, 1000);
    });
  }

  async stop(name: string, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.processes.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    this.stopping.add(child);
    child.kill(signal);
    await exited;
  }

  /** The process id of a started process (an operator is "operator/IDENTITY"); a restart changes it. */
  pid(name: string): number | undefined {
    return this.processes.get(name)?.pid;
  }

  /** Sends a signal and returns at once: SIGSTOP and SIGCONT pause and resume a process. */
  signal(name: string, signal: NodeJS.Signals): void {
    this.processes.get(name)?.kill(signal);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((name) => this.stop(name, "SIGKILL")));
  }

  private launch(name: string, args: string[], env: Record<string, string>): ChildProcess {
    const log = createWriteStream(path.join(this.work, `${name.replace("/", "-")}.log`), {
      flags: "a",
    });
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    this.processes.set(name, child);
    return child;
  }

  private async kubectl(args: string[], input?: string): Promise<void> {
    const result = await kubectl(this.controlPlane, args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  }

  async prepare(): Promise<void> {
    await mkdir(path.join(this.work, "hosts"), { recursive: true });
    await this.kubectl(
      ["apply", "-f", "-"],
      stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "nettune-system" } }),
    );
  }
}
