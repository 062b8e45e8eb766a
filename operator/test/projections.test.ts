import type { KubernetesListObject, V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { NodeTuning } from "../src/cluster/cluster-view.ts";
import { listAll, type ListPage } from "../src/cluster/kube.ts";
import { projectNode, projectNodeTuning, projectObject } from "../src/cluster/projections.ts";

const managedFields = [{ manager: "kubelet", operation: "Update", fieldsV1: { "f:status": {} } }];

const kubeletNode: V1Node = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: "n1",
    uid: "u-1",
    resourceVersion: "42",
    labels: { pool: "web" },
    annotations: { "node.alpha.kubernetes.io/ttl": "0" },
    managedFields,
  },
  spec: { podCIDR: "10.0.0.0/24" },
  status: {
    conditions: [
      { type: "MemoryPressure", status: "False" },
      { type: "Ready", status: "True" },
    ],
    images: [{ names: ["registry.k8s.io/pause:3.10"], sizeBytes: 320000 }],
    addresses: [{ type: "InternalIP", address: "10.0.0.1" }],
  },
};

const agentStatus = {
  observedGeneration: 3,
  conditions: [
    {
      type: "Applied",
      status: "True" as const,
      reason: "Applied",
      message: "1/1 settings applied",
      lastTransitionTime: "2026-12-01T00:00:00Z",
    },
  ],
  settings: [{ name: "sysctl/net.core.somaxconn", state: "Applied" as const }],
  inventory: { interfaces: [{ name: "eth0", driver: "virtio_net" }] },
};

const nodeTuning = {
  apiVersion: "nettune.io/v1alpha1",
  kind: "NodeNetworkTuning",
  metadata: {
    name: "n1",
    generation: 3,
    resourceVersion: "77",
    labels: { team: "net" },
    ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "u-1" }],
    managedFields,
  },
  spec: { sysctls: { "net.core.somaxconn": "8192" } },
  status: agentStatus,
} as unknown as NodeTuning;

describe("what the operator's caches keep of each object", () => {
  it.each([
    {
      sentence:
        "a Node keeps its name, uid, resourceVersion, labels and Ready condition, and nothing else",
      projected: () => projectNode(kubeletNode),
      equals: {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "n1", uid: "u-1", resourceVersion: "42", labels: { pool: "web" } },
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
    },
    {
      sentence:
        "a NodeNetworkTuning keeps its metadata (labels people added among them), spec, observed generation and conditions",
      projected: () => projectNodeTuning(nodeTuning),
      equals: {
        apiVersion: "nettune.io/v1alpha1",
        kind: "NodeNetworkTuning",
        metadata: {
          name: "n1",
          generation: 3,
          resourceVersion: "77",
          labels: { team: "net" },
          ownerReferences: [{ apiVersion: "v1", kind: "Node", name: "n1", uid: "u-1" }],
        },
        spec: { sysctls: { "net.core.somaxconn": "8192" } },
        status: { observedGeneration: 3, conditions: agentStatus.conditions },
      },
    },
    {
      sentence: "a NodeNetworkTuning no agent has reported on yet stays without status",
      projected: () => projectNodeTuning({ ...nodeTuning, status: undefined }),
      equals: {
        ...nodeTuning,
        metadata: { ...nodeTuning.metadata, managedFields: undefined },
        status: undefined,
      },
    },
    {
      sentence: "any other object is kept whole but for managedFields",
      projected: () =>
        projectObject({
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "c", managedFields },
        }),
      equals: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
    },
  ])("$sentence", ({ projected, equals }) => {
    // toEqual: a key left undefined is as good as a missing one, on the wire and in the cache.
    expect(projected()).toEqual(equals);
  });

  it("a Node's projection is a small part of what the kubelet writes", () => {
    const size = (value: unknown): number => JSON.stringify(value).length;
    expect(size(projectNode(kubeletNode))).toBeLessThan(size(kubeletNode) / 2);
  });
});

describe("the informers' first list", () => {
  type Item = { metadata: { name: string }; big?: string };
  /** A paging API server over `count` objects, counting the requests. */
  function pagedServer(
    count: number,
    continueField: "_continue" | "continue",
  ): {
    page: ListPage<Item>;
    requests: number;
  } {
    const state = { page: undefined as unknown as ListPage<Item>, requests: 0 };
    state.page = (limit, from) => {
      state.requests++;
      const start = from ? Number(from) : 0;
      const end = Math.min(count, start + limit);
      const items = Array.from({ length: end - start }, (_, i) => ({
        metadata: { name: `n${start + i}` },
        big: "x".repeat(100),
      }));
      const metadata = {
        resourceVersion: "900",
        ...(end < count ? { [continueField]: String(end) } : {}),
      };
      return Promise.resolve({ metadata, items } as KubernetesListObject<Item>);
    };
    return state;
  }

  it.each([
    {
      sentence: "reads every page of a typed list (Nodes: `_continue`)",
      field: "_continue" as const,
    },
    {
      sentence: "reads every page of a custom-object list (JSON: `continue`)",
      field: "continue" as const,
    },
  ])(
    "$sentence, projecting each object, with the snapshot's resourceVersion",
    async ({ field }) => {
      const server = pagedServer(1234, field);
      const list = await listAll(server.page, (item) => ({ metadata: item.metadata }));
      expect(list.items).toHaveLength(1234);
      expect(list.items[1233]).toEqual({ metadata: { name: "n1233" } });
      expect(list.metadata?.resourceVersion).toBe("900");
      expect(server.requests).toBe(3);
    },
  );
});
