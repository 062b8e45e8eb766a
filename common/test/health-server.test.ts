import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer } from "../health-server.ts";

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0))
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function serve(ready: boolean): Promise<string> {
  const registry = new Registry();
  new Counter({ name: "nettune_test_total", help: "a test counter", registers: [registry] }).inc(3);
  const server = await startHealthServer(0, registry, { ready: () => ready });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the health server", () => {
  it.each([
    {
      name: "serves the registry's metrics in its content type",
      path: "/metrics",
      ready: true,
      status: 200,
      body: "nettune_test_total 3",
    },
    { name: "says it is alive", path: "/healthz", ready: false, status: 200, body: "ok" },
    {
      name: "is ready once the watch is open",
      path: "/readyz",
      ready: true,
      status: 200,
      body: "ok",
    },
    {
      name: "is not ready before",
      path: "/readyz",
      ready: false,
      status: 503,
      body: "watch not established",
    },
    {
      name: "ignores a query string",
      path: "/healthz?verbose",
      ready: true,
      status: 200,
      body: "ok",
    },
    {
      name: "answers 404 for anything else",
      path: "/debug",
      ready: true,
      status: 404,
      body: "not found",
    },
  ])("$name", async ({ path, ready, status, body }) => {
    const response = await fetch(`${await serve(ready)}${path}`);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain(body);
    if (path === "/metrics")
      expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
  });

  it("refuses other methods", async () => {
    const response = await fetch(`${await serve(true)}/metrics`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });
});
