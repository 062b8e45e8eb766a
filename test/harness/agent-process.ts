import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import type { Sandbox } from "./netns.ts";
import { relay } from "./relay.ts";

const root = path.resolve(import.meta.dirname, "../..");

export interface AgentOptions {
  sandbox: Sandbox;
  /** https://127.0.0.1:PORT of the API server in the host namespace. */
  apiServer: string;
  token: string;
  /** The API server's serving certificate, trusted through the relays (it names 127.0.0.1). */
  caFile?: string;
  nodeName: string;
  work: string;
  args?: string[];
  /** The agent's entry point; the TypeScript source unless a build is given. */
  entry?: string;
  /** Node's own flags before the entry point, such as the image's agentNodeFlags. */
  nodeFlags?: readonly string[];
}

/** Relays a Unix socket to a TCP port on the host's loopback. */
export async function unixToTCP(socketPath: string, port: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    relay(client, connect(port, "127.0.0.1"));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  // Closing waits for open connections: drop them, so a stopped agent's sockets cannot hold it.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void): Server => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}

/**
 * The node agent (node-agent/src/main.ts) inside a sandbox namespace, with
 * its own way to the API server: a relay in the namespace, a Unix socket,
 * and a relay in the host namespace.
 */
export class AgentProcess {
  private readonly options: AgentOptions;
  private relay: Server | undefined;
  private forwarder: ChildProcess | undefined;
  private agent: ChildProcess | undefined;
  readonly logFile: string;
  readonly runDir: string;
  readonly resolvConf: string;

  constructor(options: AgentOptions) {
    this.options = options;
    this.logFile = path.join(options.work, "agent.log");
    this.runDir = path.join(options.work, "run");
    this.resolvConf = path.join(options.work, "resolv.conf");
  }

  async start(): Promise<void> {
    const { sandbox, work } = this.options;
    await mkdir(work, { recursive: true });
    if (!this.relay) {
      const socketPath = path.join(work, "api.sock");
      this.relay = await unixToTCP(socketPath, Number(new URL(this.options.apiServer).port));
      const forwarder = spawn(
        "ip",
        [
          "netns",
          "exec",
          sandbox.name,
          process.execPath,
          path.join(root, "test/harness/ns-forward.ts"),
          socketPath,
          "16443",
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      this.forwarder = forwarder;
      await new Promise<void>((resolve, reject) => {
        forwarder.stdout.once("data", () => resolve());
        forwarder.once("exit", (code) =>
          reject(new Error(`relay in ${sandbox.name} exited with ${code}`)),
        );
      });
      await writeFile(path.join(work, "token"), this.options.token, { mode: 0o600 });
      await writeFile(this.resolvConf, "nameserver 10.96.0.10\noptions ndots:5\n");
    }
    const log = createWriteStream(this.logFile, { flags: "a" });
    const agent = spawn(
      "ip",
      [
        "netns",
        "exec",
        sandbox.name,
        process.execPath,
        ...(this.options.nodeFlags ?? []),
        this.options.entry ?? path.join(root, "node-agent/src/main.ts"),
        "--node-name",
        this.options.nodeName,
        "--host-root",
        "/",
        "--run-dir",
        this.runDir,
        "--resolv-conf",
        this.resolvConf,
        "--server",
        "https://127.0.0.1:16443",
        "--token-file",
        path.join(work, "token"),
        ...(this.options.caFile
          ? ["--ca-file", this.options.caFile]
          : ["--insecure-skip-tls-verify"]),
        ...(this.options.args ?? []),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    agent.stdout.pipe(log);
    agent.stderr.pipe(log);
    this.agent = agent;
  }

  /** The agent's process id: `ip netns exec` execs node in place. */
  pid(): number | undefined {
    return this.agent?.pid;
  }

  /** Sends a signal and waits for the agent to exit; returns its exit code. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const agent = this.agent;
    // A process ended by a signal has a signalCode and no exitCode.
    if (!agent || agent.exitCode !== null || agent.signalCode !== null)
      return agent?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) =>
      agent.once("exit", (code) => resolve(code)),
    );
    agent.kill(signal);
    return exited;
  }

  async destroy(): Promise<void> {
    await this.stop("SIGKILL");
    this.forwarder?.kill();
    await new Promise<void>((resolve) => {
      if (this.relay) this.relay.close(() => resolve());
      else resolve();
    });
  }
}
