// Benchmark: the DNS webhook's memory under made-up requests. 20,000 reviews
// to /mutate-pods/<random tuning name>, half with a pod in a random namespace,
// half with none, against the webhook's own app and the operator's metrics,
// in this process. Prints the heap after a full collection before and after
// (goal: under 5 MB of growth) and the webhook's metric series (goal: bounded).
//   node --expose-gc bench/webhook-churn.ts [requests]
import { createServer, request, Agent } from "node:http";
import type { AddressInfo } from "node:net";
import type { NetworkTuning } from "../api/v1alpha1/network-tuning.ts";
import { OperatorMetrics } from "../operator/src/metrics.ts";
import { webhookApp } from "../operator/src/webhook/server.ts";
import { podDNSTunings } from "../operator/src/webhook/registration.ts";
import { countAnswers } from "../operator/src/webhook/run.ts";
import { madeUpReview } from "../test/harness/webhook-review.ts";

const total = Number(process.argv[2] ?? "20000");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const tunings: NetworkTuning[] = [
  {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name: "dns", uid: "u", generation: 1 },
    spec: { nodeSelector: {}, dns: { pods: { singleRequest: "single-request-reopen" } } },
  },
];
const metrics = new OperatorMetrics(() => ({}));
const app = webhookApp({
  podDNSTunings: () => podDNSTunings(tunings),
  namespaceLabels: (namespace) => ({ "kubernetes.io/metadata.name": namespace }),
  count: countAnswers(() => tunings, metrics),
  problem: () => undefined,
});
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function send(i: number): Promise<void> {
  const { body, tuning } = madeUpReview(i);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: `/mutate-pods/${tuning}`, method: "POST", agent },
      (response) => {
        response.resume();
        response.on("end", resolve);
      },
    );
    req.setHeader("content-type", "application/json");
    req.on("error", reject);
    req.end(body);
  });
}

async function burst(count: number): Promise<void> {
  for (let start = 0; start < count; start += 200)
    await Promise.all(
      Array.from({ length: Math.min(200, count - start) }, (_, k) => send(start + k)),
    );
}

const heapMB = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
};
const series = async (): Promise<number> =>
  (await metrics.registry.getSingleMetricAsString("nettune_operator_dns_webhook_requests_total"))
    .split("\n")
    .filter((line) => line.startsWith("nettune_operator_dns_webhook_requests_total{")).length;

await burst(2000); // warm-up: the code paths and the sockets exist before the baseline
const before = { heap: heapMB(), series: await series() };
await burst(total);
const after = { heap: heapMB(), series: await series() };
agent.destroy();
server.close();
console.log(`DNS webhook, ${total} made-up requests:`);
console.log(
  `  heap after a full collection: ${before.heap.toFixed(1)} -> ${after.heap.toFixed(1)} MB (growth ${(after.heap - before.heap).toFixed(2)} MB; goal < 5)`,
);
console.log(`  webhook metric series: ${before.series} -> ${after.series} (goal: no growth)`);
