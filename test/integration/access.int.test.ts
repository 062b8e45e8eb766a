// The chart's RBAC and admission policy on a real API server: the operator and
// two agents run with the chart's service accounts, and every request each may
// not make is refused.
import { settingResults } from "../../api/v1alpha1/contract.ts";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import { sendAs, type ApiAnswer } from "../harness/bearer.ts";
import { SimulatedCluster } from "../harness/cluster.ts";
import type { ControlPlane } from "../harness/control-plane.ts";
import { renderChart } from "../harness/helm.ts";
import { kubectl } from "../harness/kubectl.ts";
import { eventually } from "../harness/wait.ts";
import { AgentEventReason } from "../../api/v1alpha1/reasons.ts";
import { NodeAdviceCondition, Remedy, Symptom } from "../../api/v1alpha1/advice.ts";
import type { NodeNetworkTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import type { NodeNetworkInventory } from "../../api/v1alpha1/node-network-inventory.ts";

const namespace = "nettune-system";
const nodes = ["node-a", "node-b"];
const operatorUser = `system:serviceaccount:${namespace}:nettune-operator`;
const agentUser = `system:serviceaccount:${namespace}:nettune-agent`;

let controlPlane: ControlPlane;
let cluster: SimulatedCluster;
const agentTokens = new Map<string, string>();

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** A pod on the node, as the DaemonSet would make, so its token carries the node's name. */
async function nodeBoundAgentToken(node: string): Promise<string> {
  await run(
    ["apply", "-f", "-"],
    stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `agent-${node}`, namespace },
      spec: {
        nodeName: node,
        serviceAccountName: "nettune-agent",
        containers: [{ name: "node-agent", image: "ghcr.io/nettune/nettune:0.2.0" }],
      },
    }),
  );
  const token = await run([
    "create",
    "token",
    "nettune-agent",
    "-n",
    namespace,
    "--bound-object-kind=Pod",
    `--bound-object-name=agent-${node}`,
    "--duration=1h",
  ]);
  return token.trim();
}

const send = (token: string, method: string, url: string, body?: unknown): Promise<ApiAnswer> =>
  sendAs(controlPlane, token, method, url, body);

const statusPatch = { status: { observedGeneration: 1 } };
const events = (name?: string, ns = "default"): string =>
  `/apis/events.k8s.io/v1/namespaces/${ns}/events${name ? `/${name}` : ""}`;
/** An Event as an agent writes it, about `kind` `regarding`, related to node A's tuning. */
const agentEvent = (name: string, kind: string, regarding: string): Record<string, unknown> => ({
  apiVersion: "events.k8s.io/v1",
  kind: "Event",
  metadata: { name, namespace: "default" },
  eventTime: "2026-12-01T10:00:00.000000Z",
  reportingController: "nettune.io/node-agent",
  reportingInstance: "nettune.io/node-agent/node-a",
  action: "Apply",
  reason: "Applied",
  type: "Normal",
  note: "generation 1 holds",
  regarding: { apiVersion: "v1", kind, name: regarding, uid: regarding },
  related: {
    apiVersion: "nettune.io/v1alpha1",
    kind: "NodeNetworkTuning",
    name: "node-a",
    uid: "x",
  },
});
const nnt = (name: string, sub = ""): string =>
  `/apis/nettune.io/v1alpha1/nodenetworktunings/${name}${sub}`;

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-access-");
  controlPlane = cluster.controlPlane;
  await run(["apply", "-f", "-"], await renderChart(namespace, ["--set", "namespace.create=true"]));
  await cluster.addNodes(nodes, { pool: "access" });
  for (const node of nodes) agentTokens.set(node, await nodeBoundAgentToken(node));

  const operatorToken = (
    await run(["create", "token", "nettune-operator", "-n", namespace, "--duration=1h"])
  ).trim();
  const kubeconfig = path.join(cluster.work, "operator.kubeconfig");
  await writeFile(
    kubeconfig,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "test",
          cluster: { server: controlPlane.server, "certificate-authority": controlPlane.caFile },
        },
      ],
      users: [{ name: "operator", user: { token: operatorToken } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "operator" } }],
      "current-context": "test",
    }),
    { mode: 0o600 },
  );
  cluster.startOperator(
    "operator-rbac",
    18280,
    ["--webhook-port", "18481", "--webhook-check-seconds", "1"],
    kubeconfig,
  );
  // One counter sample a second: the diagnosis window is three of them.
  for (const node of nodes)
    await cluster.startAgent(node, ["--pressure-sample-seconds", "1"], agentTokens.get(node));
});

afterAll(async () => {
  await cluster.destroy();
});

/** The node's NetworkTuningAdvice condition, as its agent last wrote it. */
async function condition(node: string): Promise<Record<string, string> | undefined> {
  const got = await run(["get", "node", node, "-o", "json"]);
  const conditions = (JSON.parse(got) as { status: { conditions?: Record<string, string>[] } })
    .status.conditions;
  return conditions?.find((c) => c.type === NodeAdviceCondition.type);
}

/**
 * Makes the node's simulated /proc/net/netstat count 50 accept-queue overflows a second, from
 * where it stands (a jump would look like a burst), until stopped.
 */
async function riseListenOverflows(node: string): Promise<{ stop(): void }> {
  const netstat = path.join(cluster.hostRoot(node), "proc/net/netstat");
  const text = await readFile(netstat, "utf8").catch(() => "");
  let overflows = Number(/TcpExt: (\d+)/.exec(text)?.[1] ?? 0);
  const write = (): Promise<void> =>
    writeFile(netstat, `TcpExt: ListenOverflows ListenDrops\nTcpExt: ${overflows} ${overflows}\n`);
  await write();
  const timer = setInterval(() => {
    overflows += 25;
    void write();
  }, 500);
  return { stop: () => clearInterval(timer) };
}

describe("least privilege: the chart's service accounts on a real API server", () => {
  it("the operator and two agents, each with only the chart's rights, roll a tuning out and revert it", async () => {
    await run(
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "nettune.io/v1alpha1",
        kind: "NetworkTuning",
        metadata: { name: "access" },
        spec: {
          nodeSelector: { matchLabels: { pool: "access" } },
          sysctls: { "net.core.somaxconn": "8192" },
        },
      }),
    );
    await eventually(
      async () => {
        const object = JSON.parse(
          await run(["get", "nt", "access", "-o", "json"]),
        ) as NetworkTuning;
        expect(object.status?.nodes).toBe("2/2");
        expect(object.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      },
      60_000,
      500,
    );
    // The operator made its DaemonSet and Events and took the chart's Lease with its own rights.
    await run(["get", "daemonset", "nettune-agent", "-n", namespace]);
    await run(["get", "lease", "nettune-operator", "-n", namespace]);
    // And filled its DNS webhook's Secret and registration, which the chart created empty.
    await eventually(
      async () => {
        const certificate = await run([
          "get",
          "secret",
          "nettune-operator-webhook-tls",
          "-n",
          namespace,
          "-o",
          "jsonpath={.data.tls\\.crt}",
        ]);
        expect(certificate).not.toBe("");
        const hash = await run([
          "get",
          "mutatingwebhookconfiguration",
          "nettune-dns",
          "-o",
          "jsonpath={.metadata.annotations.nettune\\.io/spec-hash}",
        ]);
        expect(hash).not.toBe("");
      },
      30_000,
      500,
    );
    expect(
      await run([
        "get",
        "events",
        "-n",
        "default",
        "--field-selector",
        "involvedObject.name=access",
      ]),
    ).toContain("Applied");

    // Each agent told, on its Node and on its NodeNetworkTuning, that it applied the tuning.
    for (const node of nodes) {
      for (const kind of ["node", "nnt"]) {
        await eventually(
          async () => {
            expect(await run(["describe", kind, node])).toMatch(
              /Normal\s+Applied\s+.*nettune\.io\/node-agent.*generation 1: 1\/1 settings hold/,
            );
          },
          30_000,
          500,
        );
      }
    }

    // Each agent wrote its node's inventory apart, owned by its Node, and left it out of its report.
    for (const node of nodes) {
      const inventory = await eventually(
        async () =>
          JSON.parse(
            await run(["get", "nodenetworkinventory", node, "-o", "json"]),
          ) as NodeNetworkInventory,
        30_000,
        500,
      );
      expect(inventory.metadata.ownerReferences).toEqual([
        expect.objectContaining({ apiVersion: "v1", kind: "Node", name: node }),
      ]);
      expect(inventory.status?.cpus?.count).toBeGreaterThan(0);
      expect(inventory.status?.conntrack).not.toHaveProperty("count");
      const report = JSON.parse(await run(["get", "nnt", node, "-o", "json"])) as NodeNetworkTuning;
      expect(settingResults(report.status)).toHaveLength(1);
      expect(report.status).not.toHaveProperty("inventory");
    }

    await run(["delete", "nt", "access", "--timeout=60s"]);
    // And, once the tuning was gone, what it restored, on the Node.
    for (const node of nodes)
      await eventually(
        async () => {
          expect(await run(["describe", "node", node])).toMatch(
            /Normal\s+Reverted\s+.*restored 1 setting the spec no longer asks for: sysctl\/net\.core\.somaxconn=4096/,
          );
        },
        30_000,
        500,
      );
    expect(
      await run([
        "get",
        "events.events.k8s.io",
        "-n",
        "default",
        "--field-selector",
        "reportingController=nettune.io/node-agent",
        "-o",
        'jsonpath={range .items[*]}{.regarding.kind}/{.regarding.name} {.reason}{"\\n"}{end}',
      ]),
    ).toMatch(/NodeNetworkTuning\/node-a Applied/);
    for (const node of nodes)
      expect(
        (
          await readFile(path.join(cluster.hostRoot(node), "proc/sys/net/core/somaxconn"), "utf8")
        ).trim(),
      ).toBe("4096");
    const log = await readFile(path.join(cluster.work, "operator-operator-rbac.log"), "utf8");
    expect(log).not.toMatch(/forbidden|"code":\s*403/i);
  });

  it("a deleted webhook Secret is made again by the operator with its own rights, and it keeps running", async () => {
    const secret = ["secret", "nettune-operator-webhook-tls", "-n", namespace];
    const before = await run(["get", ...secret, "-o", "jsonpath={.metadata.uid}"]);
    const operator = cluster.pid("operator/operator-rbac");
    await run(["delete", ...secret]);
    await eventually(
      async () => {
        const after = await run(["get", ...secret, "-o", "jsonpath={.metadata.uid}"]);
        expect(after).not.toBe("");
        expect(after).not.toBe(before);
      },
      30_000,
      500,
    );
    // The same process: it neither crashed nor was started again.
    expect(cluster.pid("operator/operator-rbac")).toBe(operator);
  });

  const agentRequests: {
    sentence: string;
    as: "node-a" | "unbound" | "admin";
    method: string;
    url: string;
    body?: unknown;
    code: number;
    message?: RegExp;
  }[] = [
    {
      sentence: "node A's agent writes A's status",
      as: "node-a",
      method: "PATCH",
      url: nnt("node-a", "/status"),
      code: 200,
    },
    {
      sentence: "node A's agent reads A's object",
      as: "node-a",
      method: "GET",
      url: nnt("node-a"),
      code: 200,
    },
    {
      sentence: "node A's agent is denied B's status by the admission policy",
      as: "node-a",
      method: "PATCH",
      url: nnt("node-b", "/status"),
      code: 403,
      message:
        /nettune-agent-own-node.*node agent of node-a may not write nodenetworktunings node-b/,
    },
    {
      sentence: "node A's agent may not change A's desired state (RBAC)",
      as: "node-a",
      method: "PATCH",
      url: nnt("node-a"),
      code: 403,
    },
    {
      sentence: "node A's agent may not delete A's object (RBAC)",
      as: "node-a",
      method: "DELETE",
      url: nnt("node-a"),
      code: 403,
    },
    {
      sentence: "node A's agent records an Event about its Node",
      as: "node-a",
      method: "POST",
      url: events(),
      body: agentEvent("node-a.1", "Node", "node-a"),
      code: 201,
    },
    {
      sentence: "node A's agent counts a repeat on its own Event",
      as: "node-a",
      method: "PATCH",
      url: events("node-a.1"),
      body: { series: { count: 2, lastObservedTime: "2026-12-01T10:00:01.000000Z" } },
      code: 200,
    },
    {
      sentence: "node A's agent may not record an Event about node B (admission policy)",
      as: "node-a",
      method: "POST",
      url: events(),
      body: agentEvent("node-a.2", "Node", "node-b"),
      code: 403,
      message:
        /node agent of node-a may record Events only about its own Node and NodeNetworkTuning/,
    },
    {
      sentence: "node A's agent may not record an Event about a Pod (admission policy)",
      as: "node-a",
      method: "POST",
      url: events(),
      body: agentEvent("node-a.3", "Pod", "node-a"),
      code: 403,
      message: /may record Events only about its own Node/,
    },
    {
      sentence: "node A's agent may not name its Event after node B (admission policy)",
      as: "node-a",
      method: "POST",
      url: events(),
      body: agentEvent("node-b.4", "Node", "node-a"),
      code: 403,
      message: /may record Events only about its own Node/,
    },
    {
      sentence: "node A's agent may not delete Events (RBAC)",
      as: "node-a",
      method: "DELETE",
      url: events("node-a.1"),
      code: 403,
    },
    {
      sentence: "node A's agent may not write Events outside default (RBAC)",
      as: "node-a",
      method: "POST",
      url: events(undefined, namespace),
      body: {
        ...agentEvent("node-a.5", "Node", "node-a"),
        metadata: { name: "node-a.5", namespace },
      },
      code: 403,
    },
    {
      sentence: "node A's agent may not write core v1 Events (RBAC)",
      as: "node-a",
      method: "POST",
      url: "/api/v1/namespaces/default/events",
      body: {
        metadata: { name: "node-a.6" },
        involvedObject: { kind: "Node", name: "node-a" },
        reason: "Applied",
        message: "x",
      },
      code: 403,
    },
    {
      sentence: "node A's agent may not read Secrets (RBAC)",
      as: "node-a",
      method: "GET",
      url: `/api/v1/namespaces/${namespace}/secrets`,
      code: 403,
    },
    {
      sentence: "an agent token bound to no node is denied even its status writes",
      as: "unbound",
      method: "PATCH",
      url: nnt("node-a", "/status"),
      code: 403,
      message: /not bound to a node/,
    },
    {
      sentence: "not even a cluster administrator may forge a node's status (admission policy)",
      as: "admin",
      method: "PATCH",
      url: nnt("node-a", "/status"),
      body: { status: { observedGeneration: 99 } },
      code: 403,
      message:
        /nettune-node-tuning-writers.*only the node agent of node-a reports its status; admin may not/,
    },
    {
      sentence: "not even a cluster administrator may hand-write a node's desired state",
      as: "admin",
      method: "PATCH",
      url: nnt("node-a"),
      body: { spec: { sysctls: { "net.core.somaxconn": "1" } } },
      code: 403,
      message:
        /nettune-node-tuning-writers.*only the NetTune operator writes what a node should have; admin may not/,
    },
    {
      sentence: "an administrator may still label a node's tuning (metadata only)",
      as: "admin",
      method: "PATCH",
      url: nnt("node-a"),
      body: { metadata: { labels: { team: "net" } } },
      code: 200,
    },
  ];
  it.each(agentRequests)("$sentence", async ({ as, method, url, body, code, message }) => {
    const token =
      as === "unbound"
        ? (await run(["create", "token", "nettune-agent", "-n", namespace, "--duration=1h"])).trim()
        : as === "admin"
          ? controlPlane.adminToken
          : (agentTokens.get(as) ?? "");
    const response = await send(
      token,
      method,
      url,
      body ?? (method === "PATCH" ? statusPatch : undefined),
    );
    expect(response.code, response.message).toBe(code);
    if (message) expect(response.message).toMatch(message);
  });

  const operatorRights: {
    sentence: string;
    verb: string;
    resource: string;
    ns?: string;
    subresource?: string;
    allowed: boolean;
  }[] = [
    {
      sentence: "watches tunings",
      verb: "watch",
      resource: "networktunings.nettune.io",
      allowed: true,
    },
    {
      sentence: "patches tunings (finalizer)",
      verb: "patch",
      resource: "networktunings.nettune.io",
      allowed: true,
    },
    {
      sentence: "patches tuning status",
      verb: "patch",
      resource: "networktunings.nettune.io",
      subresource: "status",
      allowed: true,
    },
    {
      sentence: "creates node tunings",
      verb: "create",
      resource: "nodenetworktunings.nettune.io",
      allowed: true,
    },
    {
      sentence: "replaces node tunings",
      verb: "update",
      resource: "nodenetworktunings.nettune.io",
      allowed: true,
    },
    { sentence: "watches nodes", verb: "watch", resource: "nodes", allowed: true },
    {
      sentence: "creates its DaemonSet",
      verb: "create",
      resource: "daemonsets.apps",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "renews its Lease",
      verb: "update",
      resource: "leases.coordination.k8s.io/nettune-operator",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "records Events about tunings",
      verb: "create",
      resource: "events",
      ns: "default",
      allowed: true,
    },
    {
      sentence: "creates no tunings",
      verb: "create",
      resource: "networktunings.nettune.io",
      allowed: false,
    },
    {
      sentence: "deletes no tunings",
      verb: "delete",
      resource: "networktunings.nettune.io",
      allowed: false,
    },
    {
      sentence: "deletes no node tunings (the garbage collector does)",
      verb: "delete",
      resource: "nodenetworktunings.nettune.io",
      allowed: false,
    },
    {
      sentence: "writes no node tuning status (the agents do)",
      verb: "patch",
      resource: "nodenetworktunings.nettune.io",
      subresource: "status",
      allowed: false,
    },
    { sentence: "changes no nodes", verb: "patch", resource: "nodes", allowed: false },
    {
      sentence: "keeps its webhook certificate Secret",
      verb: "update",
      resource: "secret/nettune-operator-webhook-tls",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "keeps its webhook registration",
      verb: "update",
      resource: "mutatingwebhookconfigurations.admissionregistration.k8s.io/nettune-dns",
      allowed: true,
    },
    {
      sentence: "creates no webhook registration (the chart creates nettune-dns)",
      verb: "create",
      resource: "mutatingwebhookconfigurations.admissionregistration.k8s.io",
      allowed: false,
    },
    {
      sentence:
        "may create Secrets in its namespace (the admission policy admits only the webhook's)",
      verb: "create",
      resource: "secrets",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "creates no Leases (the chart creates its own)",
      verb: "create",
      resource: "leases.coordination.k8s.io",
      ns: namespace,
      allowed: false,
    },
    {
      sentence: "reads its own Deployment, which owns the agent DaemonSet",
      verb: "get",
      resource: "deployments.apps/nettune-operator",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "reads no other Deployment",
      verb: "get",
      resource: "deployments.apps/other",
      ns: namespace,
      allowed: false,
    },
    {
      sentence: "lists the Events that say why agent pods are refused",
      verb: "list",
      resource: "events",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "changes no other webhook registration",
      verb: "update",
      resource: "mutatingwebhookconfigurations.admissionregistration.k8s.io/other",
      allowed: false,
    },
    {
      sentence: "deletes no webhook registration",
      verb: "delete",
      resource: "mutatingwebhookconfigurations.admissionregistration.k8s.io/nettune-dns",
      allowed: false,
    },
    {
      sentence: "reads no other Secrets",
      verb: "get",
      resource: "secrets",
      ns: namespace,
      allowed: false,
    },
    {
      sentence: "lists the pods of its own namespace, to say why agents cannot start",
      verb: "list",
      resource: "pods",
      ns: namespace,
      allowed: true,
    },
    {
      sentence: "lists no pods elsewhere",
      verb: "list",
      resource: "pods",
      ns: "default",
      allowed: false,
    },
    {
      sentence: "deletes no pods",
      verb: "delete",
      resource: "pods",
      ns: namespace,
      allowed: false,
    },
    {
      sentence: "deletes no DaemonSets",
      verb: "delete",
      resource: "daemonsets.apps",
      ns: namespace,
      allowed: false,
    },
    {
      sentence: "makes no DaemonSets elsewhere",
      verb: "create",
      resource: "daemonsets.apps",
      ns: "kube-system",
      allowed: false,
    },
    {
      sentence: "takes no Leases elsewhere",
      verb: "update",
      resource: "leases.coordination.k8s.io",
      ns: "kube-system",
      allowed: false,
    },
    {
      sentence: "writes no admission configuration",
      verb: "create",
      resource: "validatingadmissionpolicies.admissionregistration.k8s.io",
      allowed: false,
    },
  ];
  it.each(operatorRights)(
    "the operator $sentence",
    async ({ verb, resource, ns, subresource, allowed }) => {
      const result = await kubectl(controlPlane, [
        "auth",
        "can-i",
        verb,
        resource,
        `--as=${operatorUser}`,
        ...(ns ? ["-n", ns] : []),
        ...(subresource ? [`--subresource=${subresource}`] : []),
      ]);
      expect(result.stdout.trim()).toBe(allowed ? "yes" : "no");
    },
  );

  it("the agent's account may list and watch node tunings, patch their status and record Events in default, nothing else", async () => {
    const can = async (verb: string, resource: string, ...more: string[]): Promise<string> => {
      const args = ["auth", "can-i", verb, resource, `--as=${agentUser}`, ...more];
      return (await kubectl(controlPlane, args)).stdout.trim();
    };
    expect(await can("watch", "nodenetworktunings.nettune.io")).toBe("yes");
    expect(await can("patch", "nodenetworktunings.nettune.io", "--subresource=status")).toBe("yes");
    expect(await can("update", "nodenetworktunings.nettune.io", "--subresource=status")).toBe("no");
    expect(await can("get", "networktunings.nettune.io")).toBe("no");
    expect(await can("update", "nodenetworktunings.nettune.io")).toBe("no");
    expect(await can("list", "nodes")).toBe("no");
    expect(await can("patch", "nodes", "--subresource=status")).toBe("yes");
    expect(await can("patch", "nodes")).toBe("no");
    expect(await can("create", "events.events.k8s.io", "-n", "default")).toBe("yes");
    expect(await can("patch", "events.events.k8s.io", "-n", "default")).toBe("yes");
    expect(await can("list", "events.events.k8s.io", "-n", "default")).toBe("no");
    expect(await can("create", "events.events.k8s.io", "-n", namespace)).toBe("no");
    expect(await can("create", "events", "-n", "default")).toBe("no");
    // Its node's inventory by server-side apply: create the first, patch it and its status.
    expect(await can("create", "nodenetworkinventories.nettune.io")).toBe("yes");
    expect(await can("patch", "nodenetworkinventories.nettune.io")).toBe("yes");
    expect(await can("patch", "nodenetworkinventories.nettune.io", "--subresource=status")).toBe(
      "yes",
    );
    expect(await can("delete", "nodenetworkinventories.nettune.io")).toBe("no");
    expect(await can("list", "nodenetworkinventories.nettune.io")).toBe("no");
  });

  it("the agent may write only its own node's inventory, and make nothing but its Node own it", async () => {
    const token = agentTokens.get("node-a") ?? "";
    const nodeUID = await run(["get", "node", "node-a", "-o", "jsonpath={.metadata.uid}"]);
    const apply = (node: string, owner: object): Promise<ApiAnswer> =>
      sendAs(
        controlPlane,
        token,
        "PATCH",
        `/apis/nettune.io/v1beta1/nodenetworkinventories/${node}?fieldManager=nettune-agent&force=true`,
        {
          apiVersion: "nettune.io/v1beta1",
          kind: "NodeNetworkInventory",
          metadata: { name: node, ownerReferences: [owner] },
        },
        "application/apply-patch+yaml",
      );
    const ownNode = { apiVersion: "v1", kind: "Node", name: "node-a", uid: nodeUID };
    // Created here (201), or updated when the rollout test before wrote it already (200).
    expect([200, 201]).toContain((await apply("node-a", ownNode)).code);
    const refused: [string, string, object, RegExp][] = [
      ["another node's inventory", "node-b", { ...ownNode, name: "node-b" }, /may not write/],
      [
        "an owner other than its Node",
        "node-a",
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "nettune-agent", uid: "0" },
        /owned by its Node alone/,
      ],
      [
        "another Node as owner",
        "node-a",
        { ...ownNode, name: "node-b" },
        /owned by its Node alone/,
      ],
    ];
    for (const [what, node, owner, message] of refused) {
      const answer = await apply(node, owner);
      expect(answer.code, what).toBe(403);
      expect(answer.message, what).toMatch(message);
    }
  });

  it("an agent whose node shows a symptom sets NetworkTuningAdvice on its own Node with a SymptomFound Event, reports the advice in its status and the tuning counts it, and clears all when it ends", async () => {
    await run(
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "nettune.io/v1beta1",
        kind: "NetworkTuning",
        metadata: { name: "diagnosed" },
        spec: {
          nodeSelector: { matchLabels: { pool: "access" } },
          sysctls: { "net.core.somaxconn": "4096" },
        },
      }),
    );
    const tuning = async (): Promise<NetworkTuning> =>
      JSON.parse(await run(["get", "nt", "diagnosed", "-o", "json"])) as NetworkTuning;
    const nodeTuning = async (node: string): Promise<NodeNetworkTuning> =>
      JSON.parse(await run(["get", "nnt", node, "-o", "json"])) as NodeNetworkTuning;
    await eventually(async () => expect((await tuning()).status?.nodes).toBe("2/2"), 60_000, 500);
    expect((await tuning()).status?.advisedNodes).toBe(0);
    // node-a's accept queues overflow: its simulated /proc/net/netstat rises 50 a second.
    const rising = await riseListenOverflows("node-a");
    try {
      const found = await eventually(async () => {
        const c = await condition("node-a");
        expect(c?.status).toBe("True");
        return c as Record<string, string>;
      }, 30_000);
      expect(found).toMatchObject({ reason: NodeAdviceCondition.SymptomsFound });
      expect(found.message).toContain("ListenOverflows (TcpExt ListenOverflows +");
      expect(found.message).toContain("set sysctls.net.core.somaxconn to 16384");
      const quiet = await eventually(async () => {
        const c = await condition("node-b");
        expect(c).toBeDefined();
        return c;
      }, 30_000);
      expect(quiet).toMatchObject({ status: "False", reason: NodeAdviceCondition.NoSymptoms });
      // The kubelet's Ready condition is still there beside it.
      const ready = JSON.parse(await run(["get", "node", "node-a", "-o", "json"])) as {
        status: { conditions: { type: string }[] };
      };
      expect(ready.status.conditions.map((c) => c.type)).toContain("Ready");
      const warning = await eventually(async () => {
        const list = JSON.parse(
          await run(["get", "events.events.k8s.io", "-n", "default", "-o", "json"]),
        ) as {
          items: {
            reason: string;
            type: string;
            regarding: { kind: string; name: string };
            note: string;
          }[];
        };
        const event = list.items.find((e) => e.reason === AgentEventReason.SymptomFound);
        expect(event).toBeDefined();
        return event;
      });
      expect(warning).toMatchObject({
        type: "Warning",
        regarding: { kind: "Node", name: "node-a" },
      });
      // The node's own report carries the advice with its evidence; the tuning counts it.
      const reported = await eventually(async () => {
        const advice = (await nodeTuning("node-a")).status?.advice;
        expect(advice).toHaveLength(1);
        return advice;
      }, 30_000);
      expect(reported?.[0]).toMatchObject({
        symptom: Symptom.ListenOverflows,
        evidence: { counter: "TcpExt ListenOverflows" },
        remedy: { setting: Remedy.Somaxconn, value: "16384" },
      });
      expect((await nodeTuning("node-b")).status?.advice).toBeUndefined();
      const counted = await eventually(async () => {
        const status = (await tuning()).status;
        expect(status?.advisedNodes).toBe(1);
        return status;
      }, 30_000);
      expect(counted?.advice).toEqual([
        {
          symptom: Symptom.ListenOverflows,
          setting: Remedy.Somaxconn,
          nodes: 1,
          nodeNames: ["node-a"],
        },
      ]);
      expect(counted?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      const table = await run(["get", "nt", "diagnosed"]);
      expect(table).toMatch(/ADVICE/);
      expect(table.split("\n")[1]).toMatch(/^diagnosed\s+True\s+2\/2\s+Enforce\s+1\s/);
      // v1alpha1 readers see the tuning without the fields they do not know.
      const old = JSON.parse(
        await run(["get", "networktunings.v1alpha1.nettune.io", "diagnosed", "-o", "json"]),
      ) as NetworkTuning;
      expect(old.status?.nodes).toBe("2/2");
      expect(old.status).not.toHaveProperty("advisedNodes");
    } finally {
      rising.stop();
    }
    const cleared = await eventually(async () => {
      const c = await condition("node-a");
      expect(c?.status).toBe("False");
      return c as Record<string, string>;
    }, 30_000);
    expect(cleared.reason).toBe(NodeAdviceCondition.NoSymptoms);
    await eventually(async () => {
      expect((await nodeTuning("node-a")).status?.advice).toBeUndefined();
      expect((await tuning()).status?.advisedNodes).toBe(0);
      expect((await tuning()).status?.advice).toBeUndefined();
    }, 30_000);
    await run(["delete", "nt", "diagnosed", "--wait=true", "--timeout=60s"]);
  });

  it("a tuning's diagnosis thresholds hold the symptom back on its nodes; without them the same rise is one", async () => {
    await run(
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "nettune.io/v1beta1",
        kind: "NetworkTuning",
        metadata: { name: "tolerant" },
        spec: {
          nodeSelector: { matchLabels: { pool: "access" } },
          diagnosis: { thresholds: { listenOverflowsPerSecond: 1000 } },
        },
      }),
    );
    const observed = async (): Promise<boolean> => {
      const nnt = JSON.parse(
        await run(["get", "nnt", "node-a", "-o", "json"]),
      ) as NodeNetworkTuning;
      return (
        nnt.spec.diagnosis?.thresholds?.listenOverflowsPerSecond === 1000 &&
        nnt.status?.observedGeneration === nnt.metadata.generation
      );
    };
    await eventually(async () => expect(await observed()).toBe(true), 60_000, 500);
    const adviceStatus = async (): Promise<string | undefined> =>
      (await condition("node-a"))?.status;
    const rising = await riseListenOverflows("node-a");
    try {
      // Eight samples at 50 a second, under the tuning's 1000: no symptom.
      const seen: (string | undefined)[] = [];
      for (let i = 0; i < 16; i++) {
        seen.push(await adviceStatus());
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(seen.filter((status) => status === "True")).toEqual([]);
      // The same rise without the tuning's thresholds is a symptom within a window or two.
      await run(["delete", "nt", "tolerant", "--wait=true", "--timeout=60s"]);
      await eventually(async () => expect(await adviceStatus()).toBe("True"), 30_000);
    } finally {
      rising.stop();
    }
    await eventually(async () => expect(await adviceStatus()).toBe("False"), 30_000);
  });

  it("the agent may change only that condition of its own Node", async () => {
    const token = agentTokens.get("node-a") ?? "";
    const status = (node: string): string => `/api/v1/nodes/${node}/status`;
    const advice = {
      type: NodeAdviceCondition.type,
      status: "True",
      reason: NodeAdviceCondition.SymptomsFound,
      message: "m",
    };
    const patch = (node: string, body: unknown): Promise<ApiAnswer> =>
      sendAs(
        controlPlane,
        token,
        "PATCH",
        status(node),
        body,
        "application/strategic-merge-patch+json",
      );
    expect((await patch("node-a", { status: { conditions: [advice] } })).code).toBe(200);
    const refused: [string, string, unknown][] = [
      ["another node's condition", "node-b", { status: { conditions: [advice] } }],
      [
        "its Ready condition",
        "node-a",
        { status: { conditions: [{ type: "Ready", status: "False", reason: "R", message: "m" }] } },
      ],
      ["its labels", "node-a", { metadata: { labels: { pool: "elsewhere" } } }],
      [
        "its addresses",
        "node-a",
        { status: { addresses: [{ type: "InternalIP", address: "10.9.9.9" }] } },
      ],
      ["its capacity", "node-a", { status: { capacity: { cpu: "128" } } }],
    ];
    for (const [what, node, body] of refused) {
      const answer = await patch(node, body);
      expect(answer.code, what).toBe(403);
      expect(answer.message, what).toMatch(
        /may (change only the NetworkTuningAdvice condition|not write nodes)/,
      );
    }
    const spec = await sendAs(
      controlPlane,
      token,
      "PATCH",
      "/api/v1/nodes/node-a",
      { spec: { unschedulable: true } },
      "application/strategic-merge-patch+json",
    );
    expect(spec.code).toBe(403);
  });
});
