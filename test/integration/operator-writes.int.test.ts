// The chart's admission policies on a real API server, as a stolen token would
// meet them: the operator's token may write only the agent DaemonSet and the
// DNS webhook configuration it renders itself, and allowSecuritySensitiveSysctls
// needs a permission of its own.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import type { NetworkTuning } from "../../api/v1alpha1/network-tuning.ts";
import { KubeConfig } from "@kubernetes/client-node";
import { APICalls } from "../../operator/src/cluster/api-calls.ts";
import { configFrom, type OperatorConfig } from "../../operator/src/config.ts";
import { operatorWrites } from "../../operator/src/cluster/writes.ts";
import { agentDaemonSet } from "../../operator/src/agents/daemonset.ts";
import { webhookConfiguration } from "../../operator/src/webhook/registration.ts";
import { sendAs } from "../harness/bearer.ts";
import { SimulatedCluster } from "../harness/cluster.ts";
import { kubeconfigFor } from "../harness/control-plane.ts";
import { renderChart } from "../harness/helm.ts";
import { kubectl } from "../harness/kubectl.ts";
import { eventually } from "../harness/wait.ts";

const namespace = "nettune-system";
// Values away from the defaults, so that the policy is seen to follow them.
const chartFlags = [
  "--set",
  "namespace.create=true",
  "--set",
  "agent.extraArgs={--resync-seconds=120}",
  "--set",
  "agent.metricsAddress=127.0.0.1",
  "--set",
  "dnsWebhook.excludeNamespaces={batch}",
];

let cluster: SimulatedCluster;
let operatorToken: string;
let config: OperatorConfig;

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

async function run(args: string[], input?: string): Promise<string> {
  const result = await kubectl(cluster.controlPlane, args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** The operator's flags exactly as the chart's Deployment gives them. */
function operatorArgs(rendered: string): string[] {
  for (const document of parseAllDocuments(rendered)) {
    const object = document.toJS() as Json | null;
    if (object?.kind !== "Deployment") continue;
    const pod = (object.spec as { template: { spec: { containers: { args: string[] }[] } } })
      .template.spec;
    return pod.containers[0]?.args ?? [];
  }
  throw new Error("the chart renders no operator Deployment");
}

const dnsTuning: NetworkTuning = {
  apiVersion: "nettune.io/v1alpha1",
  kind: "NetworkTuning",
  metadata: { name: "dns", uid: "u" },
  spec: { nodeSelector: {}, dns: { pods: { singleRequest: "single-request" } } },
};

/** What the operator renders from the chart's flags: the objects the policy must admit. */
const realDaemonSet = (): Json => agentDaemonSet(config.agent, []);
const realWebhook = (): Json => {
  const webhook = config.webhook;
  if (!webhook) throw new Error("the chart enables the DNS webhook");
  return webhookConfiguration([dnsTuning], webhook.endpoint, "ca", webhook.excludeNamespaces);
};

const daemonSets = `/apis/apps/v1/namespaces/${namespace}/daemonsets`;
const webhooks = "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations";

/** Writes as the operator: a create, or an update over what is stored (its resourceVersion). */
async function writeAsOperator(
  url: string,
  name: string,
  object: Json,
): Promise<{
  code: number;
  message: string;
}> {
  const current = await kubectl(cluster.controlPlane, ["get", "--raw", `${url}/${name}`]);
  if (current.code !== 0) return sendAs(cluster.controlPlane, operatorToken, "POST", url, object);
  const stored = JSON.parse(current.stdout) as { metadata: { resourceVersion: string } };
  const metadata = {
    ...(object.metadata as Json),
    resourceVersion: stored.metadata.resourceVersion,
  };
  return sendAs(cluster.controlPlane, operatorToken, "PUT", `${url}/${name}`, {
    ...object,
    metadata,
  });
}

beforeAll(async () => {
  cluster = await SimulatedCluster.start(path.dirname(inject("kubectlPath")), "nettune-writes-");
  const rendered = await renderChart(namespace, chartFlags);
  await run(["apply", "-f", "-"], rendered);
  config = configFrom(operatorArgs(rendered), { POD_NAMESPACE: namespace, POD_NAME: "op" });
  operatorToken = (
    await run(["create", "token", "nettune-operator", "-n", namespace, "--duration=1h"])
  ).trim();
  // The policies are admitted before the API server enforces them; wait until it does.
  await eventually(
    async () => {
      const refused = await sendAs(cluster.controlPlane, operatorToken, "POST", daemonSets, {
        ...realDaemonSet(),
        metadata: { name: `probe-${Date.now()}`, namespace },
      });
      expect(refused.code).toBe(403);
    },
    30_000,
    500,
  );
});

afterAll(async () => {
  await cluster.destroy();
});

const container = (daemonSet: Json): Json =>
  (daemonSet.spec as { template: { spec: { containers: Json[] } } }).template.spec
    .containers[0] as Json;
const podSpec = (daemonSet: Json): Json =>
  (daemonSet.spec as { template: { spec: Json } }).template.spec;
const firstWebhook = (configuration: Json): Json => (configuration.webhooks as Json[])[0] as Json;

describe("a stolen operator token is not root on every node", () => {
  it("the operator's own DaemonSet and webhook configuration, as it renders them, are admitted", async () => {
    const daemonSet = await writeAsOperator(daemonSets, "nettune-agent", realDaemonSet());
    expect(daemonSet.code, daemonSet.message).toBe(201);
    const again = await writeAsOperator(daemonSets, "nettune-agent", realDaemonSet());
    expect(again.code, again.message).toBe(200);
    const webhook = await writeAsOperator(webhooks, "nettune-dns", realWebhook());
    expect(webhook.code, webhook.message).toBe(200);
  });

  const daemonSetRows: { sentence: string; change: (d: Json) => Json; message: RegExp }[] = [
    {
      sentence: "a DaemonSet of another name",
      change: (d) => ({ ...d, metadata: { ...(d.metadata as Json), name: "miner" } }),
      message:
        /may write only the DaemonSet nettune-system\/nettune-agent, not nettune-system\/miner/,
    },
    {
      sentence: "another image",
      change: (d) => (Object.assign(container(d), { image: "evil:latest" }), d),
      message: /runs ghcr\.io\/nettune\/nettune:0\.2\.0 with the command nettune-agent/,
    },
    {
      sentence: "another command",
      change: (d) => (Object.assign(container(d), { command: ["sh", "-c", "id"] }), d),
      message: /with the command nettune-agent/,
    },
    {
      sentence: "another argument",
      change: (d) => (Object.assign(container(d), { args: ["--host-root=/"] }), d),
      message: /the arguments the chart's values give/,
    },
    {
      sentence: "a lifecycle hook that runs a command",
      change: (d) => (
        Object.assign(container(d), { lifecycle: { postStart: { exec: { command: ["id"] } } } }),
        d
      ),
      message: /no lifecycle\s+hooks/,
    },
    {
      sentence: "an exec probe",
      change: (d) => (
        Object.assign(container(d), { livenessProbe: { exec: { command: ["id"] } } }),
        d
      ),
      message: /no exec probes/,
    },
    {
      sentence: "an environment that preloads code",
      change: (d) => {
        const c = container(d);
        c.env = [...(c.env as Json[]), { name: "NODE_OPTIONS", value: "--require=/host/etc/x.js" }];
        return d;
      },
      message: /no environment beyond NODE_NAME/,
    },
    {
      sentence: "the host's root mounted",
      change: (d) => {
        const pod = podSpec(d);
        pod.volumes = [...(pod.volumes as Json[]), { name: "root", hostPath: { path: "/" } }];
        return d;
      },
      message: /mounts the host's \/sys, \/proc, \/etc and \/run\/nettune, and nothing else/,
    },
    {
      sentence: "a second container",
      change: (d) => {
        const pod = podSpec(d);
        pod.containers = [...(pod.containers as Json[]), { name: "x", image: "evil:latest" }];
        return d;
      },
      message: /runs one container/,
    },
    {
      sentence: "an init container",
      change: (d) => ((podSpec(d).initContainers = [{ name: "x", image: "evil:latest" }]), d),
      message: /no\s+init containers/,
    },
    {
      sentence: "another service account",
      change: (d) => ((podSpec(d).serviceAccountName = "default"), d),
      message: /as nettune-agent/,
    },
  ];
  it.each(daemonSetRows)(
    "a privileged DaemonSet with $sentence is refused",
    async ({ change, message }) => {
      const object = change(clone(realDaemonSet()));
      const name = (object.metadata as { name: string }).name;
      const answer = await writeAsOperator(daemonSets, name, object);
      expect(answer.code, answer.message).toBe(403);
      expect(answer.message).toMatch(/nettune-operator-writes/);
      expect(answer.message).toMatch(message);
    },
  );

  const webhookRows: { sentence: string; change: (w: Json) => void; message: RegExp }[] = [
    {
      sentence: "calls a URL",
      change: (w) => {
        w.clientConfig = { url: "https://attacker.example/mutate", caBundle: "Y2E=" };
      },
      message: /may call only\s+the Service nettune-system\/nettune-operator-webhook/,
    },
    {
      sentence: "calls another Service",
      change: (w) => {
        w.clientConfig = { service: { namespace: "default", name: "kubernetes", port: 443 } };
      },
      message: /may call only\s+the Service/,
    },
    {
      sentence: "sees Secrets",
      change: (w) => {
        w.rules = [
          { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["secrets"] },
        ];
      },
      message: /may only see pod creation/,
    },
    {
      sentence: "sees pod updates",
      change: (w) => {
        w.rules = [
          {
            operations: ["CREATE", "UPDATE"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods"],
          },
        ];
      },
      message: /may only see pod creation/,
    },
    {
      sentence: "fails closed",
      change: (w) => {
        w.failurePolicy = "Fail";
      },
      message: /fail open within\s+5 s/,
    },
    {
      sentence: "sees kube-system",
      change: (w) => {
        w.namespaceSelector = {};
      },
      message: /leave out the cluster's and NetTune's own namespaces/,
    },
    {
      sentence: "sees a namespace the values leave out",
      change: (w) => {
        const selector = w.namespaceSelector as { matchExpressions: { values?: string[] }[] };
        const names = selector.matchExpressions[0];
        if (names?.values) names.values = names.values.filter((n) => n !== "batch");
      },
      message: /leave out the cluster's and NetTune's own namespaces/,
    },
  ];
  it.each(webhookRows)(
    "a webhook configuration that $sentence is refused",
    async ({ change, message }) => {
      const object = clone(realWebhook());
      change(firstWebhook(object));
      const answer = await writeAsOperator(webhooks, "nettune-dns", object);
      expect(answer.code, answer.message).toBe(403);
      expect(answer.message).toMatch(/nettune-operator-writes/);
      expect(answer.message).toMatch(message);
    },
  );
});

describe("the one Secret the operator may create", () => {
  const secrets = `/api/v1/namespaces/${namespace}/secrets`;
  const secret = (name: string): Json => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "Opaque",
  });

  it("is its webhook's, made again after it was deleted; any other name is refused", async () => {
    const other = await sendAs(cluster.controlPlane, operatorToken, "POST", secrets, secret("x"));
    expect(other.code, other.message).toBe(403);
    expect(other.message).toMatch(
      /nettune-operator-writes.*may create only its webhook's Secret,\s+nettune-system\/nettune-operator-webhook-tls/,
    );
    await run(["delete", "secret", "nettune-operator-webhook-tls", "-n", namespace]);
    const again = await sendAs(
      cluster.controlPlane,
      operatorToken,
      "POST",
      secrets,
      secret("nettune-operator-webhook-tls"),
    );
    expect(again.code, again.message).toBe(201);
  });
});

describe("security-sensitive sysctls need a permission of their own", () => {
  const tuning = (name: string, sensitive: boolean): string =>
    stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name },
      spec: {
        nodeSelector: { matchLabels: { pool: "none" } },
        sysctls: sensitive ? { "net.ipv4.ip_forward": "1" } : { "net.core.somaxconn": "8192" },
        ...(sensitive ? { allowSecuritySensitiveSysctls: true } : {}),
      },
    });
  const asAlice = (args: string[], input?: string) =>
    kubectl(cluster.controlPlane, [...args, "--as=alice"], input);

  beforeAll(async () => {
    await run(
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: "tuning-writer" },
        rules: [
          {
            apiGroups: ["nettune.io"],
            resources: ["networktunings"],
            verbs: ["get", "list", "create", "update", "patch"],
          },
        ],
      }),
    );
    await run([
      "create",
      "clusterrolebinding",
      "alice-writes",
      "--clusterrole=tuning-writer",
      "--user=alice",
    ]);
  });

  it("a user who may write tunings may not set allowSecuritySensitiveSysctls, and is told which permission it takes", async () => {
    const refused = await asAlice(["create", "-f", "-"], tuning("forwarding", true));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /nettune-security-sensitive-sysctls.*alice may not set allowSecuritySensitiveSysctls on forwarding: it needs the verb allow-security-sensitive-sysctls/,
    );
    const plain = await asAlice(["create", "-f", "-"], tuning("plain", false));
    expect(plain.code, plain.stderr).toBe(0);
  });

  it("a tuning an administrator set it on: the operator's finalizer and a label pass, a spec change does not", async () => {
    await run(["create", "-f", "-"], tuning("admin-forwarding", true));
    const finalizer = await sendAs(
      cluster.controlPlane,
      operatorToken,
      "PATCH",
      "/apis/nettune.io/v1alpha1/networktunings/admin-forwarding",
      { metadata: { finalizers: ["nettune.io/revert"] } },
    );
    expect(finalizer.code, finalizer.message).toBe(200);
    const label = await asAlice(["label", "nt", "admin-forwarding", "team=net"]);
    expect(label.code, label.stderr).toBe(0);
    const change = await asAlice([
      "patch",
      "nt",
      "admin-forwarding",
      "--type=merge",
      "-p",
      '{"spec":{"sysctls":{"net.ipv4.ip_forward":"0"}}}',
    ]);
    expect(change.code).not.toBe(0);
    expect(change.stderr).toMatch(/alice may not set allowSecuritySensitiveSysctls/);
  });

  it("bound to the chart's ClusterRole, the same user may", async () => {
    await run([
      "create",
      "clusterrolebinding",
      "alice-sensitive",
      "--clusterrole=nettune-security-sensitive-sysctls",
      "--user=alice",
    ]);
    await eventually(
      async () => {
        const allowed = await asAlice(["create", "-f", "-"], tuning("forwarding", true));
        expect(allowed.code, allowed.stderr).toBe(0);
      },
      10_000,
      250,
    );
  });
});

describe("the operator's own objects are compared by content, not only by their hash", () => {
  it("writes nothing at steady state, and undoes a hand edit that kept the hash annotation", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kubeconfigFor(cluster.controlPlane.server, operatorToken));
    const writes = operatorWrites(kubeConfig, () => new Date(), new APICalls(() => undefined));
    await writes.applyDaemonSet(realDaemonSet());
    expect(await writes.applyDaemonSet(realDaemonSet())).toBe("unchanged");
    expect(await writes.applyWebhookConfiguration(realWebhook())).not.toBe("created");
    expect(await writes.applyWebhookConfiguration(realWebhook())).toBe("unchanged");

    const image = ["get", "daemonset", "nettune-agent", "-n", namespace, "-o"];
    await run([
      "patch",
      "daemonset",
      "nettune-agent",
      "-n",
      namespace,
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"edited:1"}]',
    ]);
    expect(await writes.applyDaemonSet(realDaemonSet())).toBe("updated");
    expect(await run([...image, "jsonpath={.spec.template.spec.containers[0].image}"])).toBe(
      "ghcr.io/nettune/nettune:0.2.0",
    );
    await run([
      "patch",
      "mutatingwebhookconfiguration",
      "nettune-dns",
      "--type=json",
      "-p",
      '[{"op":"replace","path":"/webhooks/0/timeoutSeconds","value":30}]',
    ]);
    expect(await writes.applyWebhookConfiguration(realWebhook())).toBe("updated");
    expect(await writes.applyWebhookConfiguration(realWebhook())).toBe("unchanged");
  });
});

describe("the chart against the API server's own schemas", () => {
  it("renders, with every value changed, objects a Kubernetes 1.36 API server admits under strict field validation", async () => {
    const custom = path.resolve(import.meta.dirname, "../chart/custom-values.yaml");
    const rendered = await renderChart(namespace, ["--values", custom]);
    // The Prometheus Operator's kinds need its CRDs, which this API server does not have.
    const documents = parseAllDocuments(rendered)
      .map((document) => document.toJS() as Json | null)
      .filter((object): object is Json => object !== null)
      .filter(
        (object) =>
          !["ServiceMonitor", "PodMonitor", "PrometheusRule"].includes(String(object.kind)),
      );
    expect(documents.length).toBeGreaterThan(20);
    // A Job's pod template cannot change: the one the default values made gives way.
    for (const job of ["nettune-uninstall", "nettune-migrate"])
      await run(["delete", "job", job, "-n", namespace, "--ignore-not-found"]);
    const result = await kubectl(
      cluster.controlPlane,
      ["apply", "--dry-run=server", "--validate=strict", "-f", "-"],
      stringify({ apiVersion: "v1", kind: "List", items: documents }),
    );
    const refused = result.stderr
      .split("\n")
      .filter((line) => /^Error|unknown field|duplicate field/i.test(line));
    expect(refused).toEqual([]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  });
});
