// The contract between the agent, which writes a node's report, and the
// operator, which reads it: for every outcome of a check, the status the
// agent's own nodeStatus() writes is read by nodeVerdict() as the rollout must
// take it. A reason renamed or a condition rule changed on one side fails here.
import { describe, expect, it } from "vitest";
import { nodeVerdict, type NodeVerdict } from "../../api/v1alpha1/contract.ts";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { NodeConditionReason, SettingReason } from "../../api/v1alpha1/reasons.ts";
import { nodeStatus, type RunOutcome } from "../../node-agent/src/runtime/node-status.ts";

const setting = (state: SettingResult["state"], reason: string): SettingResult => ({
  name: "sysctl/net.core.somaxconn",
  desired: "4096",
  state,
  reason,
});

/** An outcome of a check of generation 3, changed by mods. */
function outcome(...mods: ((o: RunOutcome) => void)[]): RunOutcome {
  const o: RunOutcome = {
    generation: 3,
    mode: "Enforce",
    results: [setting("Applied", SettingReason.Written)],
    reverted: [],
    driftCorrected: [],
    inventory: { interfaces: [] },
  };
  for (const mod of mods) mod(o);
  return o;
}

const rows: [string, RunOutcome, NodeVerdict][] = [
  ["every setting holds its value: applied", outcome(), "applied"],
  [
    "a setting the driver cannot do is not a failure: applied",
    outcome((o) => o.results.push(setting("Unsupported", SettingReason.NotSupportedByDriver))),
    "applied",
  ],
  [
    "a setting failed: failed",
    outcome((o) => o.results.push(setting("Failed", SettingReason.WriteFailed))),
    "failed",
  ],
  [
    "a change rolled back: failed",
    outcome((o) => (o.results = [setting("Failed", SettingReason.RolledBack)])),
    "failed",
  ],
  [
    "the spec was refused before any write: failed",
    outcome((o) => {
      o.results = [];
      o.invalid = "refused before any write: sysctl/kernel.panic";
    }),
    "failed",
  ],
  [
    "the agent's state cannot be trusted: failed",
    outcome((o) => {
      o.results = [];
      o.stateRefused = { reason: NodeConditionReason.StateUnreadable, message: "not JSON" };
    }),
    "failed",
  ],
  [
    "an original that could not be restored: failed",
    outcome((o) => {
      o.results = [];
      o.reverted = [setting("Failed", SettingReason.WriteFailed)];
    }),
    "failed",
  ],
  [
    "nothing asked and everything restored: applied",
    outcome((o) => {
      o.results = [];
      o.reverted = [setting("Reverted", SettingReason.RestoredOriginal)];
    }),
    "applied",
  ],
  [
    "Audit mode, values would change: applied (nothing is written, as asked)",
    outcome((o) => {
      o.mode = "Audit";
      o.results = [setting("WouldChange", SettingReason.WouldChange)];
    }),
    "applied",
  ],
  [
    "a raised value under autoTune holds: applied",
    outcome((o) => (o.results = [setting("Applied", SettingReason.AutoRaised)])),
    "applied",
  ],
];

describe("what the operator reads in what the agent writes", () => {
  it.each(rows)("%s", (_sentence, run, verdict) => {
    const status = nodeStatus(undefined, run, new Date("2026-12-07T10:00:00Z"));
    expect(nodeVerdict({ metadata: { name: "n", generation: 3 }, status })).toBe(verdict);
  });

  it("a report of an older generation is still applying, whatever it says", () => {
    const status = nodeStatus(undefined, outcome(), new Date("2026-12-07T10:00:00Z"));
    expect(nodeVerdict({ metadata: { name: "n", generation: 4 }, status })).toBe("applying");
  });

  it("no report yet is applying", () => {
    expect(nodeVerdict({ metadata: { name: "n", generation: 1 } })).toBe("applying");
  });
});
