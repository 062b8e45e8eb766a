// Benchmark: the longest one check's planning holds the agent's event loop for
// the worst spec the CRD admits, against a typical spec on the same node, in
// the same run (perf_hooks' event-loop delay monitor, 1 ms resolution).
// The node: 256 CPUs on two NUMA nodes, 256 interfaces of 64 queues each.
// The worst spec: 16 interface entries for every interface, each with 4096
// distinct XPS lists and an RPS and IRQ list, every list of 256 characters
// made of 0-9999 ranges. Prints milliseconds (min/median/max) and the ratio.
//   node bench/worst-spec.ts [iterations]
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { NodeNetworkTuningSpec } from "../api/v1alpha1/node-network-tuning.ts";
import { planQueuesAndNode } from "../node-agent/src/engine/plan.ts";
import { buildTopology } from "../node-agent/src/facts/cpu-topology.ts";
import type { InterfaceFacts, NodeFacts } from "../node-agent/src/facts/gather.ts";

const iterations = Number(process.argv[2] ?? "5");
const cpuCount = 256;
const interfaceCount = 256;
const queues = 64;

function facts(): NodeFacts {
  const half = cpuCount / 2;
  const cpus = buildTopology({
    online: `0-${cpuCount - 1}`,
    siblings: new Map(),
    nodes: new Map([
      [0, `0-${half - 1}`],
      [1, `${half}-${cpuCount - 1}`],
    ]),
  });
  const interfaces: InterfaceFacts[] = Array.from({ length: interfaceCount }, (_, i) => ({
    name: `eth${i}`,
    physical: true,
    defaultRoute: i === 0,
    numaNode: i % 2,
    rxQueues: queues,
    txQueues: queues,
    queueIRQs: Array.from({ length: queues }, (_, q) => ({
      irq: 100 + i * queues + q,
      name: `eth${i}-TxRx-${q}`,
      queue: q,
    })),
  }));
  return { interfaces, cpus, initialNetns: true, bootId: "bench", kernel: "bench" };
}

/** A 256-character CPU list of 0-9999 ranges, distinct for each seed. */
function longList(seed: number): string {
  const head = `${seed % 10000}`;
  let list = head;
  while (list.length + 7 <= 256) list += ",0-9999";
  return list;
}

const worst: NodeNetworkTuningSpec = {
  interfaces: Array.from({ length: 16 }, (_, entry) => ({
    match: { namePattern: "*", physicalOnly: false },
    rps: { cpus: longList(entry) },
    xps: { queues: Array.from({ length: 4096 }, (_, q) => longList(entry * 4096 + q)) },
    irqAffinity: { policy: "Pin", cpus: longList(entry + 1) },
  })),
};

const typical: NodeNetworkTuningSpec = {
  interfaces: [
    {
      match: { namePattern: "eth*", physicalOnly: false },
      rps: { cpus: "numa-local" },
      xps: { spread: "all" },
      irqAffinity: { policy: "Spread" },
    },
  ],
};

/** The longest the event loop waited while one plan ran, in ms (perf_hooks' delay monitor). */
async function blocked(spec: NodeNetworkTuningSpec, node: NodeFacts): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const planned = await planQueuesAndNode(spec, node, {});
  // The monitor's timer records a block only once the loop gets back to it.
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  if (planned.length === 0) throw new Error("planned nothing");
  return histogram.max / 1e6;
}

const summary = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
  return `${at(0).toFixed(1)}/${at(0.5).toFixed(1)}/${at(1).toFixed(1)} ms`;
};

const node = facts();
const worstTimes: number[] = [];
const typicalTimes: number[] = [];
for (let i = 0; i < iterations; i++) {
  typicalTimes.push(await blocked(typical, node));
  worstTimes.push(await blocked(worst, node));
}
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
console.log(`node: ${cpuCount} CPUs, ${interfaceCount} interfaces of ${queues} queues`);
console.log(`typical spec: longest block ${summary(typicalTimes)} (min/median/max of runs)`);
console.log(`worst spec:   longest block ${summary(worstTimes)} (min/median/max of runs)`);
console.log(
  `ratio worst/typical (medians): ${(median(worstTimes) / median(typicalTimes)).toFixed(2)}`,
);
console.log(`goal: the worst spec blocks the event loop at most 100 ms`);
