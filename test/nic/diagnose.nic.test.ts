// A conntrack table that fills, on the guest's own kernel (its initial network
// namespace): nf_conntrack_max 64 and 100 connections kept wanted at once make
// the kernel drop new flows (`drop`). `diagnose` names ConntrackTableFull and
// conntrack.max; applied by NetTune, the same 100 connections all open and
// nothing more is dropped; revert puts 64 back. And a tiny netdev_max_backlog
// with receive work pinned to one CPU: softnet drops, BacklogDrops, cured.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Remedy, Symptom } from "../../api/v1alpha1/advice.ts";
import type { Diagnosis } from "../../node-agent/src/engine/diagnose.ts";
import { runInGuest, type GuestRun } from "../harness/guest/guest.ts";
import { guestShell } from "../harness/guest/readback.ts";
import { conntrackListener, conntrackLoad } from "../harness/guest/conntrack-load.ts";

const wanted = 100;

// The load runs until diagnose has finished: in the emulated guest it takes 5 to 20 s to start.
const listener = conntrackListener;
const load = conntrackLoad;

// Bursts of N small UDP datagrams to a closed port every 100 ms, until the stop file appears.
const sender = `const d = require("node:dgram").createSocket("udp4");
const fs = require("node:fs");
const n = Number(process.argv[2]);
const stopFile = process.argv[3];
const burst = () => {
  for (let i = 0; i < n; i++) d.send("x", 9, "127.0.0.1");
  if (fs.existsSync(stopFile)) setTimeout(() => process.exit(0), 300);
  else setTimeout(burst, 100);
};
burst();`;

const job = `${guestShell}
nics
cli() { node dist/node-agent/src/cli.js "$@"; }
# The kernel's drop counter, summed over CPUs (hex columns of /proc/net/stat/nf_conntrack).
drops() {
  awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "drop") c = i; next} {print $c}' /proc/net/stat/nf_conntrack |
    while read h; do echo $((0x$h)); done | awk '{s += $1} END {print s + 0}'
}
# softnet_stat column 2 (dropped) of CPU 1.
backlog_drops() { sed -n 2p /proc/net/softnet_stat | while read p d rest; do echo $((0x$d)); done; }
# Receive work pinned to one CPU and a tiny backlog: loopback's RPS sends every packet
# to CPU 1, and three senders on the other CPUs send bursts of UDP to it.
echo 2 > /sys/class/net/lo/queues/rx-0/rps_cpus
echo 1 > /proc/sys/net/core/netdev_max_backlog
# Bursts with diagnose watching, until it has finished; the drops on CPU 1 in between.
bursts() {
  before=$(backlog_drops)
  for c in 0 2 3; do taskset -c $c node /job/sender.js 200 /job/stop-$1 & done
  sleep 2
  cli diagnose --window 6 --interval 2 --output json > /job/diagnosis-$1.json
  touch /job/stop-$1
  wait
  echo "$before $(backlog_drops)" > /job/drops-$1
}
bursts 3
backlog=$(node -e 'const d = require("/job/diagnosis-3.json"); const a = d.advice.find((x) => x.remedy && x.remedy.setting === "sysctls.net.core.netdev_max_backlog"); console.log(a ? a.remedy.value : "")')
echo "$backlog" > /job/backlog
printf 'apiVersion: nettune.io/v1alpha1\nkind: NetworkTuning\nmetadata: {name: remedy}\nspec: {sysctls: {net.core.netdev_max_backlog: "%s"}}\n' "$backlog" > /job/remedy-backlog.yaml
cli apply --file /job/remedy-backlog.yaml --run-dir /job/state-backlog --output json > /job/apply-backlog.json
bursts 4
cli revert --run-dir /job/state-backlog --output json > /job/revert-backlog.json
cat /proc/sys/net/core/netdev_max_backlog > /job/backlog-reverted
echo 0 > /sys/class/net/lo/queues/rx-0/rps_cpus

# A rule that needs conntrack: the kernel tracks this namespace's flows from now on.
iptables -A INPUT -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT
echo 64 > /proc/sys/net/netfilter/nf_conntrack_max
# One round: the listener, the load with diagnose watching, the conntrack drops in between.
round() {
  node /job/listener.js > /job/listener-$1.out &
  listener=$!
  n=0; until grep -q up /job/listener-$1.out; do n=$((n+1)); [ $n -gt 600 ] && break; sleep 0.1; done
  before=$(drops)
  node /job/load.js ${wanted} /job/stop-load-$1 > /job/load-$1.json &
  load=$!
  sleep 2
  cli diagnose --window 6 --interval 2 --output json > /job/diagnosis-$1.json
  touch /job/stop-load-$1
  wait $load
  echo "$before $(drops)" > /job/drops-$1
  kill $listener; wait $listener 2>/dev/null
}

# Round 1: at 64 entries.
round 1

# The remedy, applied by NetTune as the advice names it.
max=$(node -e 'const d = require("/job/diagnosis-1.json"); const a = d.advice.find((x) => x.remedy && x.remedy.setting === "conntrack.max"); console.log(a ? a.remedy.value : "")')
echo "$max" > /job/max
printf 'apiVersion: nettune.io/v1alpha1\nkind: NetworkTuning\nmetadata: {name: remedy}\nspec: {conntrack: {max: %s, onlyRaise: true}}\n' "$max" > /job/remedy.yaml
cli apply --file /job/remedy.yaml --run-dir /job/state --output json > /job/apply.json
cat /proc/sys/net/netfilter/nf_conntrack_max > /job/max-applied

# Round 2: the same load at the advised maximum (round 1's closed connections still count).
round 2

cli revert --run-dir /job/state --output json > /job/revert.json
cat /proc/sys/net/netfilter/nf_conntrack_max > /job/max-reverted

`;

let guest: GuestRun;
const text: Record<string, string> = {};

beforeAll(async () => {
  const files = { "listener.js": listener, "load.js": load, "sender.js": sender };
  guest = await runInGuest(job, { files, timeoutMs: 400_000 });
  for (const file of [
    "diagnosis-1.json",
    "diagnosis-2.json",
    "drops-1",
    "drops-2",
    "load-1.json",
    "load-2.json",
    "max",
    "max-applied",
    "max-reverted",
    "diagnosis-3.json",
    "drops-3",
    "drops-4",
    "backlog",
    "backlog-reverted",
  ])
    text[file] = (await guest.read(file).catch(() => "")).trim();
}, 500_000);

afterAll(async () => {
  if (process.env.NETTUNE_KEEP_WORK !== "1") await guest.removeWork();
});

const dropped = (file: string): number => {
  const [before = 0, after = 0] = (text[file] ?? "").split(" ").map(Number);
  return after - before;
};
const connected = (file: string): number =>
  (JSON.parse(text[file] || "{}") as { connected?: number }).connected ?? -1;

describe("a full conntrack table on the guest's own kernel", () => {
  it("drops new flows at nf_conntrack_max 64, and diagnose names ConntrackTableFull with conntrack.max", () => {
    console.info(
      `conntrack max 64: ${dropped("drops-1")} packets dropped, ${connected("load-1.json")} of ${wanted} connected`,
    );
    expect(dropped("drops-1")).toBeGreaterThan(0);
    expect(connected("load-1.json")).toBeLessThan(wanted);
    const diagnosis = JSON.parse(text["diagnosis-1.json"] || "{}") as Diagnosis;
    const advice = diagnosis.advice.find(
      (a) => a.symptom === Symptom.ConntrackTableFull && a.remedy !== undefined,
    );
    expect(advice?.remedy).toEqual({ setting: Remedy.ConntrackMax, value: "1024", current: "64" });
    expect(advice?.bound).toMatch(/1\/32 of memory/);
  });

  it("with the advised conntrack.max applied by NetTune, the same load connects in full and drops nothing", () => {
    console.info(
      `conntrack max ${text["max-applied"]}: ${dropped("drops-2")} packets dropped, ${connected("load-2.json")} of ${wanted} connected`,
    );
    expect(text["max-applied"]).toBe("1024");
    expect(dropped("drops-2")).toBe(0);
    expect(connected("load-2.json")).toBe(wanted);
    const diagnosis = JSON.parse(text["diagnosis-2.json"] || "{}") as Diagnosis;
    expect(diagnosis.advice.map((a) => a.symptom)).not.toContain(Symptom.ConntrackTableFull);
  });

  it("revert puts nf_conntrack_max back to 64", () => {
    expect(text["max-reverted"]).toBe("64");
  });
});

describe("a tiny backlog with receive work pinned to one CPU, on the guest's own kernel", () => {
  it("drops on CPU 1 at netdev_max_backlog 1, and diagnose names BacklogDrops with a bounded value", () => {
    console.info(`netdev_max_backlog 1: ${dropped("drops-3")} packets dropped on CPU 1`);
    expect(dropped("drops-3")).toBeGreaterThan(0);
    const diagnosis = JSON.parse(text["diagnosis-3.json"] || "{}") as Diagnosis;
    const advice = diagnosis.advice.find((a) => a.symptom === Symptom.BacklogDrops);
    expect(advice?.remedy).toEqual({
      setting: Remedy.NetdevMaxBacklog,
      value: "1000",
      current: "1",
    });
    expect(advice?.evidence.counter).toBe("softnet dropped");
  });

  it("with the advised value applied by NetTune, the same bursts drop nothing; revert puts 1 back", () => {
    console.info(
      `netdev_max_backlog ${text.backlog}: ${dropped("drops-4")} packets dropped on CPU 1`,
    );
    expect(text.backlog).toBe("1000");
    expect(dropped("drops-4")).toBe(0);
    expect(text["backlog-reverted"]).toBe("1");
  });
});
