import { readFile } from "node:fs/promises";
import { request, type RequestOptions } from "node:https";
import type { IncomingMessage } from "node:http";

// How the agent reaches the API server: flags, the in-cluster service account
// or a kubeconfig, and one request at a time over node:https (ADR 0001).

export interface Connection {
  /** https://host:port */
  server: string;
  /** Read before every request: projected service-account tokens rotate. */
  tokenFile?: string;
  token?: string;
  ca?: Buffer;
  insecureSkipTLSVerify?: boolean;
}

export interface ConnectionFlags {
  server?: string;
  tokenFile?: string;
  caFile?: string;
  insecure?: boolean;
}

const serviceAccount = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Flags, else the in-cluster service account, else $KUBECONFIG (token auth). */
export async function resolveConnection(
  flags: ConnectionFlags,
  env: NodeJS.ProcessEnv,
): Promise<Connection> {
  const host = env.KUBERNETES_SERVICE_HOST;
  const server =
    flags.server ??
    (host
      ? `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? "443"}`
      : undefined);
  if (server) {
    const connection: Connection = {
      server,
      tokenFile: flags.tokenFile ?? `${serviceAccount}/token`,
    };
    if (flags.insecure) connection.insecureSkipTLSVerify = true;
    else connection.ca = await readFile(flags.caFile ?? `${serviceAccount}/ca.crt`);
    return connection;
  }
  if (env.KUBECONFIG) return fromKubeconfig(env.KUBECONFIG);
  throw new Error("no API server: run in a pod, pass --server, or set KUBECONFIG");
}

async function fromKubeconfig(file: string): Promise<Connection> {
  // Out of cluster only (development): the YAML parser is loaded just here.
  const { parse } = await import("yaml");
  type Named<T> = { name: string } & T;
  const config = parse(await readFile(file, "utf8")) as {
    "current-context": string;
    contexts: Named<{ context: { cluster: string; user: string } }>[];
    clusters: Named<{
      cluster: {
        server: string;
        "certificate-authority-data"?: string;
        "insecure-skip-tls-verify"?: boolean;
      };
    }>[];
    users: Named<{ user: { token?: string } }>[];
  };
  const context = config.contexts.find((c) => c.name === config["current-context"])?.context;
  const cluster = config.clusters.find((c) => c.name === context?.cluster)?.cluster;
  const user = config.users.find((u) => u.name === context?.user)?.user;
  if (!cluster || !user?.token)
    throw new Error(`${file}: the current context needs a cluster and a token user`);
  const connection: Connection = { server: cluster.server, token: user.token };
  if (cluster["insecure-skip-tls-verify"]) connection.insecureSkipTLSVerify = true;
  if (cluster["certificate-authority-data"])
    connection.ca = Buffer.from(cluster["certificate-authority-data"], "base64");
  return connection;
}

export async function open(
  connection: Connection,
  method: string,
  url: URL,
  extra: Pick<RequestOptions, "agent" | "timeout">,
  body?: unknown,
  contentType = "application/json",
): Promise<IncomingMessage> {
  const token = connection.tokenFile
    ? (await readFile(connection.tokenFile, "utf8")).trim()
    : connection.token;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const options: RequestOptions = {
    method,
    headers: {
      accept: "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(payload
        ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) }
        : {}),
    },
    rejectUnauthorized: !connection.insecureSkipTLSVerify,
    ...(connection.ca ? { ca: connection.ca } : {}),
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const req = request(url, options, resolve);
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
    req.end(payload);
  });
}

export function readAll(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => (text += chunk));
    response.on("end", () => resolve(text));
    response.on("error", reject);
  });
}

/**
 * GET /readyz over a new connection (no pooled socket), so that a NIC reset
 * that broke the path shows even while old connections linger.
 */
export async function probe(connection: Connection, timeoutMs: number): Promise<boolean> {
  try {
    const response = await open(connection, "GET", new URL("/readyz", connection.server), {
      agent: false,
      timeout: timeoutMs,
    });
    response.resume();
    return (response.statusCode ?? 500) < 500;
  } catch {
    return false;
  }
}
