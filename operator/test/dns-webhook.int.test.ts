// The DNS webhook on a real API server: the operator registers it, serves it
// over TLS with certificates it made, and rotates them while pods keep coming.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Agent, request as httpsRequest } from "node:https";
import path from "node:path";
import { createServer, type Server } from "node:net";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { SimulatedCluster } from "../../test/harness/cluster.ts";
import type { ControlPlane } from "../../test/harness/control-plane.ts";
import { kubectl } from "../../test/harness/kubectl.ts";
import { monitoredMetrics, scrapedFamilies } from "../../test/harness/monitoring.ts";
import { promtoolCheckMetrics } from "../../test/harness/promtool.ts";
import { apiServerGet, eventually } from "../../test/harness/wait.ts";
import { madeUpReview } from "../../test/harness/webhook-review.ts";

const webhookPort = 18443;
const metricsPort = 18380;
const operatorArgs = [
  "--webhook-port",
  String(webhookPort),
  "--webhook-url",
  `https://127.0.0.1:${webhookPort}`,
  "--webhook-check-seconds",
  "1",
  // Short-lived on purpose: renewed with a third left, so about every 27 s.
  "--webhook-cert-seconds",
  "40",
];

let controlPlane: ControlPlane;
let cluster: SimulatedCluster;
/** What showed while another process held the webhook's port, before the operator got it. */
let whilePortTaken: { degraded: string; ready: number; events: string };

interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { dnsConfig?: { options?: { name: string; value?: string }[] } };
}

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

let podCount = 0;
/** Creates a pod and returns it as the API server stored it. */
async function createPod(
  namespace: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
  } = {},
): Promise<Pod> {
  const name = `pod-${++podCount}`;
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: extra.labels ?? {}, annotations: extra.annotations ?? {} },
    spec: { containers: [{ name: "app", image: "registry.example/app:1" }], ...extra.spec },
  };
  return JSON.parse(await run(["create", "-f", "-", "-o", "json"], JSON.stringify(pod))) as Pod;
}

const options = (pod: Pod): string[] =>
  (pod.spec.dnsConfig?.options ?? []).map((o) =>
    o.value === undefined ? o.name : `${o.name}:${o.value}`,
  );
const record = (pod: Pod): string | undefined =>
  pod.metadata.annotations?.["nettune.io/dns-options-injected"];

/** The server, once it listens on `port` (every address, as the webhook's server does). */
function listening(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => {
      resolve(server);
    });
  });
}

/** The HTTP status of the operator's /readyz. */
async function readyz(): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  await response.body?.cancel();
  return response.status;
}

async function secretCertificate(): Promise<X509Certificate> {
  const data = await run([
    "get",
    "secret",
    "-n",
    "nettune-system",
    "nettune-operator-webhook-tls",
    "-o",
    "jsonpath={.data.tls\\.crt}",
  ]);
  return new X509Certificate(Buffer.from(data, "base64"));
}

/** The certificate the webhook presents on a new connection. */
function servedCertificate(): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port: webhookPort, rejectUnauthorized: false },
      () => {
        const peer = socket.getPeerX509Certificate();
        socket.end();
        if (peer) resolve(peer);
        else reject(new Error("no peer certificate"));
      },
    );
    socket.on("error", reject);
  });
}

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-webhook-");
  controlPlane = cluster.controlPlane;
  await run(["create", "namespace", "web"]);
  await run(["label", "namespace", "web", "team=web"]);
  await run(["create", "namespace", "batch"]);
  const tuning = (name: string, priority: number, pods: Record<string, unknown>): unknown => ({
    apiVersion: "nettune.io/v1alpha1",
    kind: "NetworkTuning",
    metadata: { name },
    spec: { nodeSelector: { matchLabels: { pool: "none" } }, priority, dns: { pods } },
  });
  await run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        tuning("pods-dns", 0, {
          namespaceSelector: { matchLabels: { team: "web" } },
          singleRequest: "single-request-reopen",
          timeout: 2,
          attempts: 3,
        }),
        tuning("pods-dns-strict", 10, {
          namespaceSelector: { matchLabels: { team: "web" } },
          podSelector: { matchLabels: { latency: "strict" } },
          timeout: 1,
        }),
      ],
    }),
  );
  // Another process holds the webhook's port when the operator starts, then lets it go.
  const holder = await listening(createServer(), webhookPort);
  cluster.startOperator("operator-webhook", metricsPort, operatorArgs);
  const degraded = await eventually(
    async () => {
      const text = await run([
        "get",
        "nt",
        "pods-dns",
        "-o",
        "jsonpath={.status.conditions[?(@.type=='Degraded')].reason} {.status.conditions[?(@.type=='Degraded')].message}",
      ]);
      expect(text).toMatch(/^DNSWebhookUnavailable /);
      return text;
    },
    60_000,
    500,
  );
  whilePortTaken = {
    degraded,
    ready: await readyz(),
    events: await run([
      "get",
      "events",
      "--field-selector",
      "involvedObject.name=pods-dns,reason=DNSWebhookUnavailable",
      "-o",
      "jsonpath={.items[*].message}",
    ]),
  };
  await new Promise((resolve) => holder.close(resolve));
  // Registered, and taken up by the API server: a probe pod comes back injected.
  await eventually(
    async () => {
      const probe = await createPod("web");
      expect(options(probe)).toContain("single-request-reopen");
    },
    60_000,
    500,
  );
});

afterAll(async () => {
  await cluster.destroy();
});

describe("the DNS webhook on a real API server", () => {
  it("with its port taken at start, says so on the DNS tunings, stays out of rotation, and serves once the port is free", async () => {
    expect(whilePortTaken.degraded).toMatch(
      new RegExp(`cannot listen on port ${webhookPort}: .*EADDRINUSE`),
    );
    expect(whilePortTaken.ready).toBe(503);
    expect(whilePortTaken.events).toContain(`cannot listen on port ${webhookPort}`);
    // Since then a pod was injected (beforeAll), the problem is gone and the replica is ready.
    await eventually(async () => {
      expect(
        await run([
          "get",
          "nt",
          "pods-dns",
          "-o",
          "jsonpath={.status.conditions[?(@.type=='Degraded')].reason}",
        ]),
      ).not.toBe("DNSWebhookUnavailable");
      expect(await readyz()).toBe(200);
    });
  });

  it("registers one webhook for every tuning, failing open within 2 s, the cluster's namespaces and its own left out", async () => {
    const config = JSON.parse(
      await run(["get", "mutatingwebhookconfiguration", "nettune-dns", "-o", "json"]),
    ) as {
      webhooks: {
        name: string;
        failurePolicy: string;
        timeoutSeconds: number;
        namespaceSelector: { matchExpressions: { key: string; values: string[] }[] };
      }[];
    };
    expect(config.webhooks.map((w) => w.name)).toEqual(["pods.dns.nettune.io"]);
    expect(config.webhooks[0]).toMatchObject({ failurePolicy: "Ignore", timeoutSeconds: 2 });
    expect(config.webhooks[0]?.namespaceSelector.matchExpressions[0]).toEqual({
      key: "kubernetes.io/metadata.name",
      operator: "NotIn",
      values: ["kube-node-lease", "kube-public", "kube-system", "nettune-system"],
    });
  });

  const cases: {
    sentence: string;
    namespace: string;
    pod?: Parameters<typeof createPod>[1];
    options: string[];
    record?: string;
  }[] = [
    {
      sentence: "a pod in a selected namespace is read back with the options and the record",
      namespace: "web",
      options: ["single-request-reopen", "timeout:2", "attempts:3"],
      record: "pods-dns: single-request-reopen timeout:2 attempts:3",
    },
    {
      sentence: "a pod in a namespace no tuning selects is untouched",
      namespace: "batch",
      options: [],
    },
    {
      sentence: "the pod's own option wins and the others are added",
      namespace: "web",
      pod: {
        spec: {
          dnsConfig: { options: [{ name: "timeout", value: "5" }, { name: "single-request" }] },
        },
      },
      options: ["timeout:5", "single-request", "attempts:3"],
      record: "pods-dns: attempts:3",
    },
    {
      sentence: "overlapping tunings merge by priority: the higher one's timeout, the other's rest",
      namespace: "web",
      pod: { labels: { latency: "strict" } },
      options: ["timeout:1", "single-request-reopen", "attempts:3"],
      record: "pods-dns-strict: timeout:1; pods-dns: single-request-reopen attempts:3",
    },
    {
      sentence: "a dnsPolicy Default pod is left alone (the node's options reach it)",
      namespace: "web",
      pod: { spec: { dnsPolicy: "Default" } },
      options: [],
    },
    {
      sentence: "a dnsPolicy None pod is left alone",
      namespace: "web",
      pod: { spec: { dnsPolicy: "None", dnsConfig: { nameservers: ["10.0.0.10"] } } },
      options: [],
    },
    {
      sentence: "the opt-out annotation is honoured",
      namespace: "web",
      pod: { annotations: { "nettune.io/dns-options": "disabled" } },
      options: [],
    },
  ];
  it.each(cases)("$sentence", async ({ namespace, pod, options: expected, record: recorded }) => {
    const created = await createPod(namespace, pod);
    expect(options(created)).toEqual(expected);
    expect(record(created)).toBe(recorded);
  });

  it("rotates its certificate before expiry without a restart, and pods keep getting options", async () => {
    const first = await secretCertificate();
    expect((await servedCertificate()).serialNumber).toBe(first.serialNumber);
    const second = await eventually(
      async () => {
        const now = await secretCertificate();
        expect(now.serialNumber).not.toBe(first.serialNumber);
        return now;
      },
      45_000,
      1000,
    );
    await eventually(async () => {
      expect((await servedCertificate()).serialNumber).toBe(second.serialNumber);
    });
    expect(second.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(options(await createPod("web"))).toEqual([
      "single-request-reopen",
      "timeout:2",
      "attempts:3",
    ]);
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /nettune_operator_dns_webhook_requests_total\{tuning="pods-dns",result="injected"\} [1-9]/,
    );
    expect(await promtoolCheckMetrics(metrics)).toBe("");
    // Every operator metric the chart's alerts and dashboard query is one the operator exports.
    const families = scrapedFamilies(metrics);
    for (const name of monitoredMetrics("operator")) expect(families, name).toContain(name);
  });

  it("with 40 tunings and the operator frozen, pods in kube-system and in a selected namespace are created within one timeout", async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: `many-${i}` },
      spec: {
        nodeSelector: { matchLabels: { pool: "none" } },
        priority: -1 - i,
        dns: { pods: { namespaceSelector: { matchLabels: { team: "web" } }, ndots: 2 } },
      },
    }));
    await run(["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "List", items: many }));
    await eventually(
      async () => expect(options(await createPod("web"))).toContain("ndots:2"),
      30_000,
      500,
    );
    cluster.signal("operator/operator-webhook", "SIGSTOP");
    try {
      for (const namespace of ["kube-system", "web"]) {
        const started = Date.now();
        const created = await createPod(namespace);
        const seconds = (Date.now() - started) / 1000;
        console.log(`pod in ${namespace} with the operator frozen: ${seconds.toFixed(2)} s`);
        expect(seconds).toBeLessThan(2 + 1);
        expect(options(created)).toEqual([]);
      }
    } finally {
      cluster.signal("operator/operator-webhook", "SIGCONT");
    }
    // Thawed, new pods get their options again.
    await eventually(
      async () => expect(options(await createPod("web"))).toContain("ndots:2"),
      30_000,
      500,
    );
    await run(["delete", "nt", ...many.map((t) => t.metadata.name)]);
  });

  it("20,000 requests with made-up tuning names and pods add no metric series", async () => {
    const scrape = (): Promise<string> =>
      fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    const series = (text: string): string[] =>
      text.split("\n").filter((l) => l.startsWith("nettune_operator_dns_webhook_requests_total{"));
    const rssKiB = async (): Promise<number> => {
      const status = await readFile(
        `/proc/${cluster.pid("operator/operator-webhook") ?? 0}/status`,
        "utf8",
      );
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    };
    const before = series(await scrape());
    const rssBefore = await rssKiB();
    const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
    const send = (i: number): Promise<number> =>
      new Promise((resolve, reject) => {
        const { body, tuning } = madeUpReview(i);
        const req = httpsRequest(
          {
            host: "127.0.0.1",
            port: webhookPort,
            path: `/mutate-pods/${tuning}`,
            method: "POST",
            agent,
            headers: { "content-type": "application/json" },
          },
          (response) => {
            response.resume();
            response.on("end", () => resolve(response.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    const codes = new Map<number, number>();
    for (let start = 0; start < 20_000; start += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, (_, k) => send(start + k)));
      for (const code of batch) codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    agent.destroy();
    const after = series(await scrape());
    const rssAfter = await rssKiB();
    console.log(
      `20,000 made-up requests: answers ${JSON.stringify(Object.fromEntries(codes))}; ` +
        `webhook series ${before.length} -> ${after.length}; operator RSS ${(rssBefore / 1024).toFixed(1)} -> ${(rssAfter / 1024).toFixed(1)} MB`,
    );
    expect(codes.get(200)).toBe(20_000);
    // Only "none" can be new (no tuning contributed, or no pod): never a made-up name.
    const names = after.map((l) => /tuning="([^"]*)"/.exec(l)?.[1] ?? "");
    expect(names.filter((n) => n.startsWith("tuning-"))).toEqual([]);
    expect(after.length).toBeLessThanOrEqual(before.length + 2);
  });

  it("with the webhook stopped, pods are still created and the miss shows in the API server's metrics", async () => {
    await cluster.stop("operator/operator-webhook");
    const created = await createPod("web");
    expect(options(created)).toEqual([]);
    const metrics = await apiServerGet(controlPlane, "/metrics");
    const failOpen = metrics
      .split("\n")
      .find(
        (line) =>
          line.startsWith("apiserver_admission_webhook_fail_open_count") &&
          line.includes('name="pods.dns.nettune.io"'),
      );
    expect(failOpen, "apiserver_admission_webhook_fail_open_count for pods-dns").toBeDefined();
    expect(Number(failOpen?.split(" ").at(-1))).toBeGreaterThan(0);
  });
});
