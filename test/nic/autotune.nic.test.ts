// Bounded auto-tuning end to end, on the guest's own kernel: nf_conntrack_max
// 64 and 100 connections kept wanted make the kernel drop new flows. The
// agent (the daemon, in the guest) sees ConntrackTableFull; the operator (on a
// real API server, on the machine) grants conntrack.max within the tuning's
// ceiling; the agent raises it and the drops stop. Deleting the tuning puts
// 64 back. The same load without autoTune is the first phase: it drops, so a
// remedy that did nothing would fail the last phase.
import { settingResults } from "../../api/v1alpha1/contract.ts";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { Remedy, Symptom } from "../../api/v1alpha1/advice.ts";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { SettingReason } from "../../api/v1alpha1/reasons.ts";
import { SimulatedCluster } from "../harness/cluster.ts";
import { freePorts } from "../harness/control-plane.ts";
import { kubectl } from "../harness/kubectl.ts";
import { guestAPIAddress, runInGuest, type GuestRun } from "../harness/guest/guest.ts";
import { guestShell } from "../harness/guest/readback.ts";
import { conntrackListener, conntrackLoad } from "../harness/guest/conntrack-load.ts";

const root = path.resolve(import.meta.dirname, "../..");
const wanted = 100;
const ceiling = 4096;

const tuning = {
  apiVersion: "nettune.io/v1beta1",
  kind: "NetworkTuning",
  metadata: { name: "autotune" },
  spec: {
    nodeSelector: {},
    autoTune: { ceilings: { conntrackMax: ceiling }, coolDownSeconds: 10 },
  },
};

// GET or DELETE on the API server with the admin token (node:https: fetch needs a JIT the
// emulated guest lacks). Prints the body.
const api = `const [method, url] = process.argv.slice(2);
const token = require("node:fs").readFileSync("/job/token", "utf8").trim();
const req = require("node:https").request(url, { method, rejectUnauthorized: false, headers: { authorization: "Bearer " + token } }, (res) => res.pipe(process.stdout));
req.end();`;

const job = (port: number): string => `${guestShell}
nics
ip addr add ${guestAPIAddress.guest} dev $(cat /job/nic-e1000e)
server=https://${guestAPIAddress.host}:${port}
api() { node /job/api.js "$@"; }
drops() {
  awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "drop") c = i; next} {print $c}' /proc/net/stat/nf_conntrack |
    while read h; do echo $((0x$h)); done | awk '{s += $1} END {print s + 0}'
}
max() { cat /proc/sys/net/netfilter/nf_conntrack_max; }
# Waits up to $2 tenths of a second for nf_conntrack_max to read (or, with !, not read) $1.
waitmax() { n=0; while :; do v=$(max); if [ "$3" = "not" ]; then [ "$v" != "$1" ] && return 0; else [ "$v" = "$1" ] && return 0; fi; n=$((n+1)); [ $n -gt $2 ] && return 1; sleep 0.1; done; }
iptables -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT
# The agent's own connections to the API server stay out of the table: a full table drops
# every new flow, the agent's too, and here the load fills it before the agent has started.
iptables -t raw -A OUTPUT -d ${guestAPIAddress.host} -j CT --notrack
iptables -t raw -A PREROUTING -s ${guestAPIAddress.host} -j CT --notrack
echo 64 > /proc/sys/net/netfilter/nf_conntrack_max
node /job/listener.js > /job/listener.out &
listener=$!
n=0; until grep -q up /job/listener.out; do n=$((n+1)); [ $n -gt 600 ] && break; sleep 0.1; done

NODE_NAME=guest node dist/node-agent/src/main.js --server $server --token-file /job/token \\
  --insecure-skip-tls-verify --pressure-sample-seconds 2 --resync-seconds 3600 > /job/agent.log 2>&1 &
agent=$!
before=$(drops)
node /job/load.js ${wanted} /job/stop-load > /job/load.json &
load=$!
start=$(date +%s.%N)
# The raise: detection takes a window of three 2 s samples, then the operator's grant.
waitmax 64 1800 not
raised=$(date +%s.%N)
echo "$(max)" > /job/max-raised
at_raise=$(drops)
# Settled: the connections the full table refused are made again within a second each.
sleep 4
settled=$(drops)
sleep 10
after=$(drops)
touch /job/stop-load
wait $load
echo "$before $at_raise $settled $after $start $raised" > /job/drops
api GET $server/apis/nettune.io/v1beta1/nodenetworktunings/guest > /job/nnt.json
# The tuning's status is written after a coalescing delay.
sleep 3
api GET $server/apis/nettune.io/v1beta1/networktunings/autotune > /job/nt.json
api DELETE $server/apis/nettune.io/v1beta1/networktunings/autotune > /dev/null
waitmax 64 1800
echo "$(max)" > /job/max-reverted
kill $listener; wait $listener 2>/dev/null
kill -TERM $agent
wait $agent
`;

let cluster: SimulatedCluster;
let guest: GuestRun;
const text: Record<string, string> = {};

beforeAll(async () => {
  const { stdout } = await promisify(execFile)("bash", [path.join(root, "scripts/ensure-k8s.sh")]);
  cluster = await SimulatedCluster.start(
    stdout.trim().split("\n").at(-1) ?? "",
    "nettune-autotune-",
  );
  await cluster.addNodes(["guest"], {});
  const [metricsPort] = await freePorts(1);
  cluster.startOperator("autotune", metricsPort ?? 0);
  const created = await kubectl(cluster.controlPlane, ["apply", "-f", "-"], stringify(tuning));
  expect(created.code, created.stderr).toBe(0);
  const port = Number(new URL(cluster.controlPlane.server).port);
  guest = await runInGuest(job(port), {
    files: {
      token: cluster.controlPlane.adminToken,
      "listener.js": conntrackListener,
      "load.js": conntrackLoad,
      "api.js": api,
    },
    apiServerPort: port,
    timeoutMs: 400_000,
  });
  for (const file of ["drops", "load.json", "max-raised", "max-reverted", "nnt.json", "nt.json"])
    text[file] = (await guest.read(file).catch(() => "")).trim();
}, 600_000);

afterAll(async () => {
  await cluster.destroy();
  if (process.env.NETTUNE_KEEP_WORK !== "1") await guest.removeWork();
});

const figures = (): number[] => (text.drops ?? "").split(" ").map(Number);

describe("auto-tuning a full conntrack table on the guest's own kernel", () => {
  it("drops new flows at nf_conntrack_max 64 until the agent raises it", () => {
    const [before = 0, atRaise = 0, , , start = 0, raised = 0] = figures();
    console.info(
      `conntrack max 64: ${atRaise - before} packets dropped in the ${(raised - start).toFixed(1)} s before the raise`,
    );
    expect(atRaise - before).toBeGreaterThan(0);
  });

  it("the operator granted conntrack.max within the ceiling for ConntrackTableFull, with its evidence", () => {
    const nnt = JSON.parse(text["nnt.json"] || "{}") as NodeNetworkTuning;
    const raise = nnt.spec.autoRaised?.[0];
    expect(raise).toMatchObject({
      setting: Remedy.ConntrackMax,
      value: "1024",
      source: "autotune",
      symptom: Symptom.ConntrackTableFull,
    });
    expect(raise?.evidence.delta).toBeGreaterThan(0);
    expect(Number(text["max-raised"])).toBe(1024);
    expect(Number(text["max-raised"])).toBeLessThanOrEqual(ceiling);
    const result = settingResults(nnt.status).find((s) => s.name === "conntrack.max");
    expect(result).toMatchObject({
      state: "Applied",
      reason: SettingReason.AutoRaised,
      source: "auto/autotune",
    });
  });

  it("with the raised value the same load connects in full and drops nothing more", () => {
    const [, , settled = 0, after = 0] = figures();
    const load = JSON.parse(text["load.json"] || "{}") as { connected?: number };
    console.info(
      `conntrack max ${text["max-raised"]}: ${after - settled} packets dropped in the 10 s after it settled, ${load.connected} of ${wanted} connected`,
    );
    expect(after - settled).toBe(0);
    expect(load.connected).toBe(wanted);
  });

  it("the tuning counts the node in its Raised column", () => {
    const nt = JSON.parse(text["nt.json"] || "{}") as NetworkTuning;
    expect(nt.status?.autoRaisedNodes).toBe(1);
    expect(nt.status?.autoRaised?.[0]).toMatchObject({
      setting: Remedy.ConntrackMax,
      nodes: 1,
      highest: "1024",
      nodeNames: ["guest"],
    });
  });

  it("deleting the tuning restores nf_conntrack_max 64", () => {
    expect(text["max-reverted"]).toBe("64");
  });
});
