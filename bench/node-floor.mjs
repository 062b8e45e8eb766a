// The least a Node.js process holds to do what the idle agent does, for bench/agent-footprint.ts:
// a watch held open over TLS to the API server, a second keep-alive connection that asks it
// something every 10 s, an HTTP server for probes and metrics, and one shell child waiting on
// its standard input. Nothing of NetTune is loaded. Plain JavaScript: it runs under the agent's
// Node flags, and lite mode has no WebAssembly, which Node's type stripping needs.
//   FLOOR_TOKEN=... node --lite-mode --single-threaded-gc bench/node-floor.mjs SERVER CA_FILE
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import console from "node:console";
import process from "node:process";
import { setInterval } from "node:timers";
import { URL } from "node:url";

const [server = "", caFile = ""] = process.argv.slice(2);
const ca = readFileSync(caFile);
const headers = { authorization: `Bearer ${process.env.FLOOR_TOKEN ?? ""}` };

/** A GET to the API server; its body is read and dropped. */
function get(path, agent) {
  https
    .get(new URL(path, server), { ca, headers, agent }, (response) => response.resume())
    .on("error", (error) => {
      console.error(`node-floor: ${path}: ${error.message}`);
    });
}

get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=3600", false);
const keepAlive = new https.Agent({ keepAlive: true });
setInterval(() => {
  get("/readyz", keepAlive);
}, 10_000);
get("/readyz", keepAlive);

http
  .createServer((_request, response) => {
    response.end("ok\n");
  })
  .listen(0, "127.0.0.1");

const shell = spawn("/bin/sh", [], { stdio: ["pipe", "pipe", "pipe"] });
shell.stdout.resume();
shell.stderr.resume();
