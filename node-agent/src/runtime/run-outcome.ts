import type { AutoRaise } from "../../../api/v1alpha1/auto-tune.ts";
import type { Advice } from "../../../api/v1alpha1/advice.ts";
import type { HostInventory, SettingResult } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { SettingChange } from "../engine/apply.ts";
import type { StateProblem } from "../engine/state-error.ts";
import type { OtherWriter } from "../engine/writer-conflicts.ts";

/** What one check did and saw: the input of the node's status and of its Events. */
export interface RunOutcome {
  generation: number;
  mode: "Enforce" | "Audit";
  results: SettingResult[];
  /** Settings restored because the spec stopped asking for them. */
  reverted: SettingResult[];
  /** Settings this check had to write again although they were applied before. */
  driftCorrected: SettingChange[];
  /** Set when the spec was refused before any write. */
  invalid?: string;
  /** Set when the agent's own state cannot be trusted: nothing was written. */
  stateRefused?: { reason: StateProblem; message: string };
  inventory: HostInventory;
  conntrackPressure?: { ratio: number };
  /** The symptoms the counters show, each with its remedy; absent when none holds. */
  advice?: Advice[];
  /** Settings another program on the node also writes (kube-proxy). */
  otherWriters?: OtherWriter[];
  /** Values this check raised under autoTune, each with its grant. */
  autoRaised?: { change: SettingChange; raise: AutoRaise }[];
}
