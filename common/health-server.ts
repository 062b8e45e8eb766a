import type { Server } from "node:http";
import express from "express";
import type { Registry } from "prom-client";

export interface HealthSources {
  /** Ready: the watch on the agent's own object is open. */
  ready(): boolean;
}

/** /metrics, /healthz and /readyz on one port. */
export function startHealthServer(
  port: number,
  registry: Registry,
  health: HealthSources,
): Promise<Server> {
  const app = express();
  app.get("/metrics", (_request, response, next) => {
    registry
      .metrics()
      .then((text) => {
        response.type(registry.contentType).send(text);
      })
      .catch(next);
  });
  app.get("/healthz", (_request, response) => {
    response.type("text/plain").send("ok\n");
  });
  app.get("/readyz", (_request, response) => {
    const ready = health.ready();
    response
      .status(ready ? 200 : 503)
      .type("text/plain")
      .send(ready ? "ok\n" : "watch not established\n");
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(port, (error?: Error) => {
      if (error) reject(error);
      else resolve(server);
    });
  });
}
