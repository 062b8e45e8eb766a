import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { stringify } from "yaml";

export interface ControlPlaneOptions {
  /** Directory with kube-apiserver and kubectl (scripts/ensure-k8s.sh). */
  binDir: string;
  /** etcd binary; Debian's etcd-server by default. */
  etcd?: string;
  /** Where logs, data and credentials go; a fresh temp dir by default. */
  workDir?: string;
  /** Progress lines for people. */
  log?: (line: string) => void;
  /** How long to wait for /readyz. */
  startTimeoutMs?: number;
  /** Serve /debug/pprof on the API server, for benchmarks that profile its CPU. */
  profiling?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:PORT */
  server: string;
  /** A kubeconfig for a member of system:masters. */
  kubeconfig: string;
  /** The bearer token in that kubeconfig. */
  adminToken: string;
  workDir: string;
  kubectlPath: string;
  /** The self-signed serving certificate and its CA, for clients that verify TLS. */
  caFile: string;
  /** The running kube-apiserver's process id, for benchmarks that read its CPU time. */
  apiServerPid(): number | undefined;
  /** The running etcd's process id, for the same. */
  etcdPid(): number | undefined;
  /** Stops the API server only; etcd keeps the data for a restart. */
  stopAPIServer(): Promise<void>;
  startAPIServer(): Promise<void>;
  /** Stops etcd only (its data stays), as an etcd restart or outage would. */
  stopEtcd(): Promise<void>;
  startEtcd(): Promise<void>;
  /** Compacts etcd's whole history up to its current revision, and returns that revision. */
  compactEtcd(): Promise<number>;
  /** The bytes etcd stores under a key (such as /registry/nettune.io/...), as text; undefined when absent. */
  etcdValue(key: string): Promise<string | undefined>;
  /** Stops everything and removes the work directory. */
  stop(): Promise<void>;
}

/** Starts etcd and kube-apiserver on loopback with RBAC and service-account tokens. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const log = options.log ?? (() => undefined);
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), "nettune-cp-")));
  const children: ChildProcess[] = [];
  // If the test runner dies without tearing down, etcd and kube-apiserver die with it.
  const killOnExit = (): void => {
    for (const child of children) child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  const stopAll = async (): Promise<void> => {
    process.removeListener("exit", killOnExit);
    await Promise.all(children.map((child) => stopProcess(child)));
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    const [etcdPort = 0, peerPort = 0, apiPort = 0] = await freePorts(3);
    const credentials = await writeCredentials(workDir);
    let etcd: ChildProcess | undefined;
    const startEtcd = async (): Promise<void> => {
      log(`starting etcd on 127.0.0.1:${etcdPort}`);
      etcd = launchEtcd(options.etcd ?? "etcd", workDir, etcdPort, peerPort);
      children.push(etcd);
      await waitForEtcd(etcdPort);
    };
    await startEtcd();

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserverArgs = kubeAPIServerArgs(workDir, etcdPort, apiPort, options.profiling);
    let apiserver: ChildProcess | undefined;
    const startAPIServer = async (): Promise<void> => {
      log(`starting kube-apiserver on ${server}`);
      apiserver = launch(
        path.join(options.binDir, "kube-apiserver"),
        apiserverArgs,
        workDir,
        "kube-apiserver",
      );
      children.push(apiserver);
      await waitForReady(server, credentials.token, apiserver, options.startTimeoutMs ?? 90_000);
      log("kube-apiserver is ready");
    };
    await startAPIServer();

    const kubeconfig = path.join(workDir, "kubeconfig");
    await writeFile(kubeconfig, kubeconfigFor(server, credentials.token), { mode: 0o600 });
    return {
      server,
      kubeconfig,
      adminToken: credentials.token,
      workDir,
      kubectlPath: path.join(options.binDir, "kubectl"),
      caFile: path.join(workDir, "certs/apiserver.crt"),
      apiServerPid: () => apiserver?.pid,
      etcdPid: () => etcd?.pid,
      stopAPIServer: async () => {
        if (apiserver) await stopProcess(apiserver);
      },
      startAPIServer,
      stopEtcd: async () => {
        if (etcd) await stopProcess(etcd);
      },
      startEtcd,
      compactEtcd: () => compactEtcd(etcdPort),
      etcdValue: (key) => etcdValue(etcdPort, key),
      stop: stopAll,
    };
  } catch (cause) {
    await stopAll();
    throw new Error("control plane did not start", { cause });
  }
}

function kubeAPIServerArgs(
  workDir: string,
  etcdPort: number,
  apiPort: number,
  profiling = false,
): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${path.join(workDir, "certs")}`,
    `--token-auth-file=${path.join(workDir, "tokens.csv")}`,
    "--authorization-mode=RBAC",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${path.join(workDir, "sa.pub")}`,
    `--service-account-signing-key-file=${path.join(workDir, "sa.key")}`,
    "--service-cluster-ip-range=10.96.0.0/24",
    "--allow-privileged=true",
    // No controller-manager runs, so nothing would create the default ServiceAccounts.
    "--disable-admission-plugins=ServiceAccount",
    "--enable-priority-and-fairness=false",
    `--profiling=${profiling}`,
    // The kubernetes Service cannot point at a loopback address; nothing here needs it.
    "--endpoint-reconciler-type=none",
  ];
}

/** A static admin token and a service-account signing key pair, written into workDir. */
export async function writeCredentials(workDir: string): Promise<{ token: string }> {
  await mkdir(path.join(workDir, "certs"), { recursive: true });
  const token = randomBytes(24).toString("hex");
  await writeFile(path.join(workDir, "tokens.csv"), `${token},admin,admin,"system:masters"\n`, {
    mode: 0o600,
  });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  await writeFile(
    path.join(workDir, "sa.key"),
    privateKey.export({ type: "pkcs8", format: "pem" }),
  );
  await writeFile(path.join(workDir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
  return { token };
}

function launchEtcd(binary: string, workDir: string, port: number, peerPort: number): ChildProcess {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return launch(
    binary,
    [
      `--data-dir=${path.join(workDir, "etcd")}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      "--unsafe-no-fsync",
      "--quota-backend-bytes=4294967296",
    ],
    workDir,
    "etcd",
  );
}

function launch(binary: string, args: string[], workDir: string, name: string): ChildProcess {
  const logFile = createWriteStream(path.join(workDir, `${name}.log`), { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(logFile);
  child.stderr.pipe(logFile);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      resolve();
    });
  });
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Through etcd's JSON gateway: read the head revision, then compact everything before it. */
async function compactEtcd(port: number): Promise<number> {
  const call = async (api: string, body: unknown): Promise<unknown> => {
    const response = await fetch(`http://127.0.0.1:${port}/v3/${api}`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`etcd ${api} answered ${response.status}`);
    return response.json();
  };
  const status = (await call("maintenance/status", {})) as { header: { revision: string } };
  const revision = Number(status.header.revision);
  await call("kv/compaction", { revision: String(revision), physical: true });
  return revision;
}

async function etcdValue(port: number, key: string): Promise<string | undefined> {
  const response = await fetch(`http://127.0.0.1:${port}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: Buffer.from(key).toString("base64") }),
  });
  if (!response.ok) throw new Error(`etcd kv/range answered ${response.status}`);
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}

async function waitForEtcd(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const healthy = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (healthy) return;
    await sleep(100);
  }
  throw new Error(`etcd on port ${port} did not become healthy`);
}

async function waitForReady(
  server: string,
  token: string,
  child: ChildProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kube-apiserver exited with ${child.exitCode}`);
    if ((await statusOf(`${server}/readyz`, token)) === 200) return;
    await sleep(250);
  }
  throw new Error(`kube-apiserver at ${server} was not ready within ${timeoutMs} ms`);
}

function statusOf(url: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    // The serving certificate is self-signed by kube-apiserver in --cert-dir.
    const request = httpsGet(
      url,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false, timeout: 2000 },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", () => {
      resolve(0);
    });
    request.on("timeout", () => {
      request.destroy();
    });
  });
}

/** Finds n distinct free TCP ports on loopback. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return server;
    }),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return address.port;
  });
  await Promise.all(
    servers.map(
      (s) =>
        new Promise((resolve) => {
          s.close(resolve);
        }),
    ),
  );
  return ports;
}

/** A kubeconfig for the admin token, trusting the self-signed serving certificate. */
export function kubeconfigFor(server: string, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "nettune-test", cluster: { server, "insecure-skip-tls-verify": true } }],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name: "nettune-test", context: { cluster: "nettune-test", user: "admin" } }],
    "current-context": "nettune-test",
  });
}
