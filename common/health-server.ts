import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export interface HealthSources {
  /** Ready: the watch on the agent's own object is open. */
  ready(): boolean;
}

/**
 * /metrics, /healthz and /readyz on one port, on node:http alone: three GET
 * routes do not need a framework, and the agent's idle memory is smaller
 * without one (express stays where it serves the operator's webhook).
 */
export function startHealthServer(
  port: number,
  registry: Registry,
  health: HealthSources,
  /** The address to listen on; every address when absent. */
  host?: string,
): Promise<Server> {
  // node:http's CommonJS exports, not an ES import: importing a built-in from an
  // ES module reads every export, and node:http's WebSocket, CloseEvent and
  // MessageEvent getters then load undici, which nothing here uses: 2.7 MB of
  // an idle agent's RSS (docs/adr/0011).
  const { createServer } = process.getBuiltinModule("node:http");
  const server = createServer((request, response) => {
    void route(request, response, registry, health);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  registry: Registry,
  health: HealthSources,
): Promise<void> {
  const path = (request.url ?? "/").split("?")[0];
  if (request.method !== "GET" && request.method !== "HEAD") {
    send(response, 405, "text/plain", "only GET\n", { allow: "GET, HEAD" });
    return;
  }
  switch (path) {
    case "/metrics":
      try {
        send(response, 200, registry.contentType, await registry.metrics());
      } catch {
        send(response, 500, "text/plain", "metrics unavailable\n");
      }
      return;
    case "/healthz":
      send(response, 200, "text/plain", "ok\n");
      return;
    case "/readyz": {
      const ready = health.ready();
      send(response, ready ? 200 : 503, "text/plain", ready ? "ok\n" : "watch not established\n");
      return;
    }
    default:
      send(response, 404, "text/plain", "not found\n");
  }
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": type.includes("charset") ? type : `${type}; charset=utf-8`,
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}
