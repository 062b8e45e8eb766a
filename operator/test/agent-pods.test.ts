import { describe, expect, it } from "vitest";
import {
  agentProblemFor,
  podsThatCannotStart,
  type AgentPodState,
} from "../src/agents/agent-pods.ts";

const pod = (node: string, reason?: string, message?: string): AgentPodState => ({
  metadata: { name: `nettune-agent-${node}` },
  spec: {
    nodeName: node,
    containers: [{ image: "ghcr.io/nettune/nettune:bad" }],
  },
  status: {
    containerStatuses: [
      {
        state: reason ? { waiting: { reason, ...(message ? { message } : {}) } } : {},
      },
    ],
  },
});

describe("agent pods that cannot start", () => {
  it.each([
    { sentence: "every agent running is no problem", pods: [pod("a"), pod("b")], nodes: undefined },
    {
      sentence: "a container still being created is no problem yet",
      pods: [pod("a", "ContainerCreating")],
      nodes: undefined,
    },
    {
      sentence: "an image that cannot be pulled names its node",
      pods: [pod("a"), pod("b", "ImagePullBackOff")],
      nodes: ["b"],
    },
    {
      sentence: "a crashing agent names its node",
      pods: [pod("c", "CrashLoopBackOff")],
      nodes: ["c"],
    },
  ])("$sentence", ({ pods, nodes }) => {
    expect(podsThatCannotStart(pods, 3)?.nodes).toEqual(nodes);
  });

  it("says how many of how many, the reason, the image and the kubelet's first line, three nodes at most", () => {
    const pods = ["a", "b", "c", "d"].map((n) =>
      pod(n, "ErrImagePull", `failed to pull "ghcr.io/nettune/nettune:bad": not found\nmore`),
    );
    expect(podsThatCannotStart(pods, 10)?.message).toBe(
      "agent pods cannot start on 4 of 10 nodes; the agent DaemonSet's rolling update holds there and other nodes keep their agents: " +
        'a: ErrImagePull (ghcr.io/nettune/nettune:bad): failed to pull "ghcr.io/nettune/nettune:bad": not found; ' +
        'b: ErrImagePull (ghcr.io/nettune/nettune:bad): failed to pull "ghcr.io/nettune/nettune:bad": not found; ' +
        'c: ErrImagePull (ghcr.io/nettune/nettune:bad): failed to pull "ghcr.io/nettune/nettune:bad": not found; and 1 more',
    );
  });

  it.each([
    {
      sentence: "pods refused before any node was chosen concern every tuning",
      problem: { message: "refused" },
      matched: ["x"],
      want: "refused",
    },
    {
      sentence: "a stuck agent concerns the tunings matching its node",
      problem: { message: "stuck", nodes: ["b"] },
      matched: ["a", "b"],
      want: "stuck",
    },
    {
      sentence: "and no other tuning",
      problem: { message: "stuck", nodes: ["b"] },
      matched: ["a"],
      want: undefined,
    },
  ])("$sentence", ({ problem, matched, want }) => {
    expect(agentProblemFor(problem, matched)).toBe(want);
  });
});
