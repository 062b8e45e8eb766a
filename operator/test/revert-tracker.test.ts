import { describe, expect, it } from "vitest";
import type { NetworkTuning as Tuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning as NodeTuning } from "../../api/v1alpha1/node-network-tuning.ts";
import { apiVersion, Kind, revertFinalizer } from "../../api/v1alpha1/identity.ts";
import { networkTuning } from "../../test/gen/tunings.ts";
import {
  RevertTracker,
  revertedMessage,
  revertFailedMessage,
  revertingMessage,
} from "../src/status/revert-tracker.ts";

const deleted: Tuning = networkTuning("web", (t) => ({
  ...t,
  metadata: {
    name: "web",
    uid: "u1",
    deletionTimestamp: "2026-11-30T20:00:00Z",
    finalizers: [revertFinalizer],
  },
}));

/** A node's NodeNetworkTuning: listing `web` or not, reported (observed) or not. */
function nnt(name: string, listsWeb: boolean, reported: boolean): NodeTuning {
  return {
    apiVersion,
    kind: Kind.NodeNetworkTuning,
    metadata: { name, generation: 3 },
    spec: {
      mode: "Enforce",
      sources: listsWeb ? [{ name: "web", generation: 1, priority: 0 }] : [],
    },
    status: { observedGeneration: reported ? 3 : 2, conditions: [] },
  };
}

/** The node's agent reported originals it could not restore, in its own words. */
function revertFailed(node: NodeTuning, message: string): NodeTuning {
  node.status = {
    observedGeneration: node.metadata.generation ?? 0,
    conditions: [
      {
        type: "Degraded",
        status: "True",
        reason: "RevertFailed",
        message,
        lastTransitionTime: "2026-11-30T20:00:00Z",
      },
    ],
  };
  return node;
}

describe("a deleted tuning's revert", () => {
  it("waits only for the nodes it touched, not for nodes lagging on another tuning", () => {
    const tracker = new RevertTracker();
    expect(tracker.announce(deleted)).toBe(true);
    // The deletion arrives: a lists web; b lags on another tuning's change.
    tracker.remember(deleted, [nnt("a", true, true), nnt("b", false, false)], false);
    const first = tracker.progress(
      deleted,
      [nnt("a", true, true), nnt("b", false, false)],
      () => true,
    );
    expect(first).toEqual({ waiting: ["a"], restored: [], failed: [], gone: [] });
    expect(tracker.announce(deleted)).toBe(false);
    // The operator dropped web from a's spec; a's agent has not reported that spec yet.
    expect(tracker.progress(deleted, [nnt("a", false, false)], () => true).waiting).toEqual(["a"]);
    expect(tracker.progress(deleted, [nnt("a", false, true)], () => true)).toEqual({
      waiting: [],
      restored: ["a"],
      failed: [],
      gone: [],
    });
  });

  it("waits for the nodes that listed it when its deletion arrived, though none lists it now", () => {
    const tracker = new RevertTracker();
    tracker.remember(deleted, [nnt("a", true, true), nnt("b", false, false)], false);
    // Merged without it already: a and b lag, but only a was touched.
    const progress = tracker.progress(
      deleted,
      [nnt("a", false, false), nnt("b", false, false)],
      () => true,
    );
    expect(progress).toEqual({ waiting: ["a"], restored: [], failed: [], gone: [] });
  });

  it("seen first mid-deletion (a restarted operator), it also waits for every lagging node", () => {
    const tracker = new RevertTracker();
    tracker.remember(deleted, [nnt("a", false, false), nnt("b", false, true)], true);
    expect(
      tracker.progress(deleted, [nnt("a", false, false), nnt("b", false, true)], () => true),
    ).toEqual({ waiting: ["a"], restored: [], failed: [], gone: [] });
  });

  it("tells a node that went away from one that restored its values", () => {
    const tracker = new RevertTracker();
    tracker.progress(deleted, [nnt("a", true, true), nnt("b", true, true)], () => true);
    const progress = tracker.progress(deleted, [nnt("a", false, true)], (node) => node === "a");
    expect(progress).toEqual({ waiting: [], restored: ["a"], failed: [], gone: ["b"] });
    expect(revertedMessage(progress)).toBe(
      "1 node(s) restored their original values: a; 1 node(s) went away before restoring theirs (NetTune did not restore them): b",
    );
  });

  it("counts a node that reported originals it could not restore as failed, never as restored", () => {
    const tracker = new RevertTracker();
    tracker.remember(deleted, [nnt("a", true, true), nnt("b", true, true)], false);
    const refused = revertFailed(
      nnt("b", false, true),
      "could not restore 1 original value(s): sysctl/net.core.somaxconn: EPERM",
    );
    const progress = tracker.progress(deleted, [nnt("a", false, true), refused], () => true);
    expect(progress).toMatchObject({ waiting: [], restored: ["a"], gone: [] });
    expect(progress.failed).toEqual([
      {
        node: "b",
        message: "could not restore 1 original value(s): sysctl/net.core.somaxconn: EPERM",
      },
    ]);
    expect(revertFailedMessage(progress)).toMatch(
      /^1 node\(s\) could not restore .*b \(could not restore 1 original value\(s\): sysctl\/net\.core\.somaxconn: EPERM\)/,
    );
    expect(revertedMessage(progress)).not.toContain("b");
  });

  it("a new leader that never saw the tuning on a node still holds for a selected node that failed a restore", () => {
    const tracker = new RevertTracker();
    const refused = revertFailed(nnt("b", false, true), "could not restore 1 original value(s)");
    // Seen first mid-deletion: no node lists the tuning and none lags any more.
    const nodes = [nnt("a", false, true), refused];
    expect(tracker.progress(deleted, nodes, () => true).failed).toEqual([]);
    const fresh = new RevertTracker();
    expect(fresh.progress(deleted, nodes, () => true, new Set(["a", "b"])).failed).toEqual([
      { node: "b", message: "could not restore 1 original value(s)" },
    ]);
  });

  it("names the nodes it waits for", () => {
    expect(revertingMessage({ waiting: ["a", "b"], restored: [], failed: [], gone: [] })).toBe(
      "waiting for 2 node(s) to restore their original values: a, b",
    );
  });
});
