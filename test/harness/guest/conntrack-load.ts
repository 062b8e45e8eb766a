// Programs a guest job runs (as files in /job) to fill a conntrack table:
// a listener on 127.0.0.1:7400 that holds every connection, and a load that
// keeps N connections wanted until a stop file appears, an attempt not
// connected within 1 s (its SYN dropped by a full table) given up and made
// again. The load prints {connected, attempts} when it stops.

export const conntrackListener = `const held = [];
require("node:net").createServer((s) => held.push(s)).listen(7400, "127.0.0.1", () => console.log("up"));`;

/** Usage in the guest: node load.js N STOP_FILE */
export const conntrackLoad = `const net = require("node:net");
const fs = require("node:fs");
const wanted = Number(process.argv[2]);
const stopFile = process.argv[3];
let connected = 0, attempts = 0, stop = false;
const attempt = () => {
  if (stop) return;
  attempts++;
  const s = net.connect(7400, "127.0.0.1");
  const timer = setTimeout(() => { s.destroy(); attempt(); }, 1000);
  s.on("connect", () => { clearTimeout(timer); connected++; });
  s.on("error", () => undefined);
};
for (let i = 0; i < wanted; i++) attempt();
const poll = setInterval(() => {
  if (!fs.existsSync(stopFile)) return;
  clearInterval(poll);
  stop = true;
  console.log(JSON.stringify({ connected, attempts }));
  process.exit(0);
}, 200);`;
