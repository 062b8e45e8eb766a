// The tuning's Degraded condition: an ordered chain of named rules, the first
// that speaks deciding. Each row is a sentence, what the tuning's nodes show,
// and the rule that must decide.
import { describe, expect, it } from "vitest";
import { TuningReason as Reason } from "../../api/v1alpha1/reasons.ts";
import { networkTuning, withSpec } from "../../test/gen/tunings.ts";
import type { TuningProgress } from "../src/rollout/rollout.ts";
import {
  degradedRules,
  degradedVerdict,
  type DegradedInput,
} from "../src/status/degraded-rules.ts";

const progress = (failed: number): TuningProgress => ({
  matched: 4,
  applied: 4 - failed,
  failed,
  pending: 0,
  inFlight: 0,
  budget: 1,
  failedNodes: Array.from({ length: failed }, (_, i) => `n${i + 1}`),
  queue: [],
});

const conflict = { field: "sysctls/net.core.somaxconn", winner: "a", loser: "b" };

function input(mods: Partial<DegradedInput> = {}): DegradedInput {
  return {
    tuning: networkTuning("a", withSpec({ dns: { pods: { singleRequest: "single-request" } } })),
    progress: progress(0),
    halted: false,
    failureMessages: new Map(),
    conflicts: [],
    now: new Date(0),
    failureText: "",
    notMerged: "",
    ...mods,
  };
}

const rows: { sentence: string; given: DegradedInput; rule: string; reason: string }[] = [
  {
    sentence: "a failed node degrades the tuning before anything else is said",
    given: input({ progress: progress(1), notMerged: "left out", agentsDown: "crash" }),
    rule: "nodes failed",
    reason: Reason.Failed,
  },
  {
    sentence: "failures that halted the rollout say so",
    given: input({ progress: progress(2), halted: true }),
    rule: "nodes failed",
    reason: Reason.RolloutHalted,
  },
  {
    sentence: "a tuning left out of some nodes is degraded",
    given: input({ notMerged: "left out of node n1: no room", agentsDown: "crash" }),
    rule: "not merged",
    reason: Reason.NotMerged,
  },
  {
    sentence: "agents that cannot start are said next",
    given: input({ agentsDown: "n1: CrashLoopBackOff", webhookProblem: "no certificate" }),
    rule: "agents down",
    reason: Reason.AgentsNotRunning,
  },
  {
    sentence: "a DNS webhook that cannot serve degrades a tuning with pod DNS options",
    given: input({ webhookProblem: "no certificate", conflicts: [conflict] }),
    rule: "DNS webhook unavailable",
    reason: Reason.DNSWebhookUnavailable,
  },
  {
    sentence: "a conflict is told without degrading",
    given: input({ conflicts: [conflict] }),
    rule: "conflict",
    reason: Reason.Conflict,
  },
  {
    sentence: "nothing to say is as expected",
    given: input({ webhookProblem: "no certificate", tuning: networkTuning("a") }),
    rule: "as expected",
    reason: Reason.AsExpected,
  },
];

describe("the tuning's Degraded condition", () => {
  it.each(rows)("$sentence", ({ given, rule, reason }) => {
    const verdict = degradedVerdict(given);
    expect(verdict.rule).toBe(rule);
    expect(verdict.condition.reason).toBe(reason);
  });

  it("names every rule once, in the order the table tries them", () => {
    const tried = [...new Set(rows.map((row) => row.rule))].filter((r) => r !== "as expected");
    expect(degradedRules.map((r) => r.name)).toEqual(tried);
  });
});
