import type { V1Node } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { revertFinalizer } from "../../api/v1alpha1/identity.ts";
import { networkTuning } from "../../test/gen/tunings.ts";
import { ChangeFilter, nodeFingerprint, tuningFingerprint } from "../src/cluster/change-filter.ts";
import type { Tuning } from "../src/cluster/cluster-view.ts";

const tuning = (mod: (t: Tuning) => void = () => undefined): Tuning => {
  const t = networkTuning("web", (tuning) => ({
    ...tuning,
    metadata: { name: "web", uid: "u", generation: 2, finalizers: [revertFinalizer] },
  })) as Tuning;
  mod(t);
  return t;
};

const node = (mod: (n: V1Node) => void = () => undefined): V1Node => {
  const n: V1Node = {
    metadata: { name: "n1", uid: "u1", labels: { pool: "web", zone: "a" } },
    status: { conditions: [{ type: "Ready", status: "True", lastHeartbeatTime: new Date(0) }] },
  };
  mod(n);
  return n;
};

describe("which updates need the operator's attention", () => {
  it.each([
    {
      sentence: "a tuning's status write is no change",
      next: tuning((t) => (t.status = { observedGeneration: 2, nodes: "3/3" })),
      changed: false,
    },
    {
      sentence: "a new generation is",
      next: tuning((t) => (t.metadata.generation = 3)),
      changed: true,
    },
    {
      sentence: "a deletion is",
      next: tuning(
        (t) => (t.metadata.deletionTimestamp = "2026-12-01T00:00:00Z" as unknown as Date & string),
      ),
      changed: true,
    },
    {
      sentence: "a finalizer taken away is",
      next: tuning((t) => (t.metadata.finalizers = [])),
      changed: true,
    },
  ])("$sentence", ({ next, changed }) => {
    const filter = new ChangeFilter(tuningFingerprint);
    expect(filter.changed("web", tuning())).toBe(true);
    expect(filter.changed("web", next)).toBe(changed);
  });

  it.each([
    {
      sentence: "a kubelet's heartbeat is no change",
      next: node((n) => {
        const ready = n.status?.conditions?.[0];
        if (ready) ready.lastHeartbeatTime = new Date(60_000);
      }),
      changed: false,
    },
    {
      sentence: "the same labels in another order are no change",
      next: node((n) => {
        if (n.metadata) n.metadata.labels = { zone: "a", pool: "web" };
      }),
      changed: false,
    },
    {
      sentence: "a label is",
      next: node((n) => {
        if (n.metadata) n.metadata.labels = { pool: "db", zone: "a" };
      }),
      changed: true,
    },
    {
      sentence: "a node turning NotReady is",
      next: node((n) => {
        const ready = n.status?.conditions?.[0];
        if (ready) ready.status = "False";
      }),
      changed: true,
    },
  ])("$sentence", ({ next, changed }) => {
    const filter = new ChangeFilter(nodeFingerprint);
    expect(filter.changed("n1", node())).toBe(true);
    expect(filter.changed("n1", next)).toBe(changed);
  });

  it("an object forgotten and seen again is a change", () => {
    const filter = new ChangeFilter(nodeFingerprint);
    filter.changed("n1", node());
    filter.forget("n1");
    expect(filter.changed("n1", node())).toBe(true);
  });
});
