// The objects the operator renders and keeps, against golden files (UPDATE_GOLDEN=1 rewrites
// them), and the hash apply that writes them only when the rendered form changes.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { NetworkTuning, NetworkTuningSpec } from "../../api/v1alpha1/network-tuning.ts";
import { agentDaemonSet, type AgentSettings } from "../src/agents/daemonset.ts";
import { applyByHash } from "../src/cluster/writes.ts";
import { webhookConfiguration } from "../src/webhook/registration.ts";

const golden = path.join(import.meta.dirname, "golden");

async function matchesGolden(name: string, rendered: Record<string, unknown>): Promise<void> {
  const file = path.join(golden, `${name}.yaml`);
  const text = stringify(rendered, { aliasDuplicateObjects: false });
  if (process.env.UPDATE_GOLDEN === "1") await writeFile(file, text);
  expect(text).toBe(await readFile(file, "utf8"));
}

const gen = {
  tuning(name: string, spec: Partial<NetworkTuningSpec>, priority = 0): NetworkTuning {
    return {
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name, generation: 1, uid: `uid-${name}` },
      spec: { nodeSelector: {}, priority, ...spec },
    };
  },
};

const agent: AgentSettings = {
  namespace: "nettune-system",
  name: "nettune-agent",
  image: "ghcr.io/nettune/nettune:0.2.0",
  imagePullPolicy: "IfNotPresent",
  imagePullSecrets: ["registry"],
  serviceAccount: "nettune-agent",
  resources: { requests: { cpu: "10m", memory: "96Mi" }, limits: { memory: "192Mi" } },
  metricsPort: 9464,
  metricsAddress: "",
  args: ["--resync-seconds=60"],
  owner: { name: "nettune-operator", uid: "0c6f7a4e-1111-4222-8333-944455556666" },
};

const web = gen.tuning("web", {
  nodeSelector: { matchLabels: { "node.kubernetes.io/pool": "web" } },
  dns: { pods: { singleRequest: "single-request-reopen", timeout: 2 } },
});
const db = gen.tuning(
  "db",
  {
    nodeSelector: { matchExpressions: [{ key: "pool", operator: "In", values: ["db"] }] },
    dns: { pods: { attempts: 3, namespaceSelector: { matchLabels: { team: "db" } } } },
  },
  10,
);

describe("what the operator renders", () => {
  it("is the agent DaemonSet of the golden file, placed on the nodes the tunings select", async () => {
    await matchesGolden("agent-daemonset", agentDaemonSet(agent, [web, db]));
  });

  it("is the webhook configuration of the golden file: one webhook for every tuning, the cluster's namespaces and NetTune's left out", async () => {
    await matchesGolden(
      "dns-webhook-configuration",
      webhookConfiguration(
        [web, db],
        { service: { name: "nettune-webhook", namespace: "nettune-system", port: 443 } },
        "LS0tLS1CRUdJTi1DRVJUSUZJQ0FURS0tLS0t",
        ["nettune-system"],
      ),
    );
  });
});

describe("the hash apply", () => {
  function store(stored?: Record<string, unknown>) {
    const writes: string[] = [];
    let current = stored;
    return {
      writes,
      get current() {
        return current;
      },
      access: {
        read: () =>
          current
            ? Promise.resolve(structuredClone(current) as never)
            : Promise.reject(new ApiException(404, "not found", {}, {})),
        create: (body: Record<string, unknown>) => {
          writes.push("create");
          current = body;
          return Promise.resolve();
        },
        replace: (body: Record<string, unknown>) => {
          writes.push("replace");
          current = body;
          return Promise.resolve();
        },
      },
    };
  }
  const rendered = (image: string): Record<string, unknown> => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "nettune-agent", labels: { app: "nettune" } },
    spec: { template: { spec: { containers: [{ name: "agent", image }] } } },
  });

  it("writes nothing when only the API server's defaults differ", async () => {
    const api = store();
    await applyByHash(rendered("a:1"), api.access);
    const stored = api.current as { spec: { template: { spec: Record<string, unknown> } } };
    // What the API server adds on its own.
    stored.spec.template.spec.dnsPolicy = "ClusterFirst";
    expect(await applyByHash(rendered("a:1"), api.access)).toBe("unchanged");
    expect(api.writes).toEqual(["create"]);
  });

  it("replaces the object when a rendered field was edited by hand and the hash kept", async () => {
    const api = store();
    await applyByHash(rendered("a:1"), api.access);
    const stored = api.current as {
      spec: { template: { spec: { containers: { image: string }[] } } };
    };
    const container = stored.spec.template.spec.containers[0];
    if (container) container.image = "edited:1";
    expect(await applyByHash(rendered("a:1"), api.access)).toBe("updated");
    expect(api.writes).toEqual(["create", "replace"]);
  });

  it("replaces the object when the rendered form changed, keeping labels and annotations others set", async () => {
    const api = store();
    await applyByHash(rendered("a:1"), api.access);
    const stored = api.current as { metadata: Record<string, Record<string, string> | string> };
    stored.metadata.labels = { app: "nettune", "app.kubernetes.io/managed-by": "Helm" };
    stored.metadata.annotations = {
      ...(stored.metadata.annotations as Record<string, string>),
      "meta.helm.sh/release-name": "nettune",
    };
    stored.metadata.resourceVersion = "42";
    expect(await applyByHash(rendered("a:2"), api.access)).toBe("updated");
    const after = api.current as { metadata: Record<string, unknown> };
    expect(after.metadata).toMatchObject({
      resourceVersion: "42",
      labels: { "app.kubernetes.io/managed-by": "Helm" },
      annotations: { "meta.helm.sh/release-name": "nettune" },
    });
    expect(api.writes).toEqual(["create", "replace"]);
  });
});
