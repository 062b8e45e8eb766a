import { NodeConditionReason } from "../../../api/v1alpha1/reasons.ts";

/** Why the agent's own state cannot be trusted: each is a Degraded reason of the node. */
export type StateProblem =
  | typeof NodeConditionReason.BootIdUnreadable
  | typeof NodeConditionReason.StateUnreadable
  | typeof NodeConditionReason.StateMissing
  | typeof NodeConditionReason.StateUnwritable;

/**
 * The originals cannot be read, trusted or saved: the node refuses every
 * host write until a person looks (README, "Things to know"), and the state
 * file is left exactly as it is.
 */
export class StateError extends Error {
  override name = "StateError";
  readonly reason: StateProblem;
  readonly file: string;
  constructor(reason: StateProblem, file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}; no setting is written on this node until it is fixed`, options);
    this.reason = reason;
    this.file = file;
  }
}
