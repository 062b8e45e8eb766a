// Runs inside the node: accepts connections on a Unix socket and relays each
// to TCP HOST:PORT in the node's network namespace. The socket is in the file
// system, so a relay in the machine's namespace can reach the node's API server.
//   node api-forward.ts SOCKET HOST PORT
import { connect, createServer } from "node:net";
import { relay } from "../relay.ts";

const [socketPath, host, port] = process.argv.slice(2);
if (!socketPath || !host || !port) throw new Error("usage: api-forward.ts SOCKET HOST PORT");
const server = createServer((client) => {
  relay(client, connect(Number(port), host));
});
server.listen(socketPath, () => {
  process.stdout.write("listening\n");
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
