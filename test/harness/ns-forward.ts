// Runs inside a network namespace: accepts TCP on ADDRESS:PORT (127.0.0.1 unless given) and relays
// each connection to a Unix socket, which a relay in the host namespace
// connects to the API server. Unix sockets live in the file system, so this
// is how a process in the sandbox reaches an API server on the host's loopback.
//   node ns-forward.ts SOCKET PORT [ADDRESS]
import { connect, createServer } from "node:net";
import { relay } from "./relay.ts";

const [socketPath, port, address = "127.0.0.1"] = process.argv.slice(2);
if (!socketPath || !port) throw new Error("usage: ns-forward.ts SOCKET PORT [ADDRESS]");
const server = createServer((client) => {
  relay(client, connect(socketPath));
});
server.listen(Number(port), address, () => {
  process.stdout.write("listening\n");
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
