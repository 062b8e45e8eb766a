// The operator's view of NodeNetworkTunings: its own writes count until the
// informer shows them, judged by resourceVersion equality alone (they are opaque).
import { describe, expect, it } from "vitest";
import { atGeneration, nodeTuning } from "../../test/gen/tunings.ts";
import { ClusterView, type NodeTuning } from "../src/cluster/cluster-view.ts";
import type { Informers } from "../src/cluster/kube.ts";

const gen = {
  nodeTuning(name: string, resourceVersion: string, generation: number): NodeTuning {
    const object = nodeTuning(name, atGeneration(generation), (nnt) => ({
      ...nnt,
      metadata: { ...nnt.metadata, resourceVersion },
      spec: {},
    }));
    return object as NodeTuning;
  },
};

/** Informers whose NodeNetworkTuning cache the test sets by hand. */
function viewWith(cache: Map<string, NodeTuning>): ClusterView {
  const informers = {
    nodeTunings: { get: (name: string) => cache.get(name), list: () => [...cache.values()] },
  } as unknown as Informers;
  return new ClusterView(informers);
}

describe("the cluster view of NodeNetworkTunings", () => {
  it("shows its own write until the cache holds any version but the one the write replaced", () => {
    const cache = new Map([["n1", gen.nodeTuning("n1", "q7", 1)]]);
    const view = viewWith(cache);
    view.endWrite("n1", gen.nodeTuning("n1", "a2", 2), "q7");
    // "a2" sorts and parses below "q7": only equality says the cache is behind.
    expect(view.nodeTuning("n1")?.metadata.generation).toBe(2);
    cache.set("n1", gen.nodeTuning("n1", "a2", 2));
    view.observed("n1", false);
    cache.set("n1", gen.nodeTuning("n1", "b9", 3));
    expect(view.nodeTuning("n1")?.metadata.generation).toBe(3);
  });

  it("reads without side effects: a read while the cache is behind keeps the write", () => {
    const cache = new Map([["n1", gen.nodeTuning("n1", "5", 1)]]);
    const view = viewWith(cache);
    view.endWrite("n1", gen.nodeTuning("n1", "6", 2), "5");
    expect(view.nodeTuning("n1")?.metadata.generation).toBe(2);
    expect(view.nodeTuning("n1")?.metadata.generation).toBe(2);
  });

  it("shows a created object until the cache has it, and forgets it once deleted", () => {
    const cache = new Map<string, NodeTuning>();
    const view = viewWith(cache);
    view.endWrite("n2", gen.nodeTuning("n2", "40", 1), undefined);
    expect(view.nodeTuning("n2")?.metadata.resourceVersion).toBe("40");
    view.observed("n2", true);
    expect(view.nodeTuning("n2")).toBeUndefined();
  });
});
