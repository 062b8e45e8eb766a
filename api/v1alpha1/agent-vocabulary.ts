// The agent's own words: the reasons and actions of the Events it records on its
// Node and its NodeNetworkTuning, and the other programs it names as writers of
// a setting. Part of the one vocabulary in reasons.ts, which exports them too.

/**
 * Reasons of the Events a node's agent records on its Node and its
 * NodeNetworkTuning, so that `kubectl describe node` shows what NetTune did there.
 */
export const AgentEventReason = {
  /** The node holds every setting of a new generation (Normal). */
  Applied: "Applied",
  /** Some settings failed to apply; the note names them and why (Warning). */
  SettingsFailed: "SettingsFailed",
  /** A change cut the node off from the API server and was undone (Warning). */
  RolledBack: "RolledBack",
  /** Values changed behind NetTune's back were set again; the note says from what (Normal). */
  DriftCorrected: "DriftCorrected",
  /** Values NetTune changed were restored to the node's originals (Normal). */
  Reverted: "Reverted",
  /**
   * The agent's recorded originals or the boot id cannot be trusted; it
   * writes nothing on the node until a person looks (Warning).
   */
  StateUntrusted: "StateUntrusted",
  /** Some recorded originals could not be restored; they stay recorded and are tried again (Warning). */
  RevertFailed: "RevertFailed",
  /** A kernel counter kept rising through a whole window; the note gives the remedy (Warning). */
  SymptomFound: "SymptomFound",
  /** A symptom found earlier stayed quiet through a whole window (Normal). */
  SymptomCleared: "SymptomCleared",
  /**
   * A symptom still held through a whole window after the node reached the
   * value advised for it; the note gives the next step (Warning).
   */
  SymptomPersists: "SymptomPersists",
  /** autoTune raised a value; the note gives from and to, the symptom and its evidence (Normal). */
  AutoRaised: "AutoRaised",
} as const;

/** What the agent did, in an Event's `action` field. */
export const AgentEventAction = {
  Apply: "Apply",
  Rollback: "Rollback",
  CorrectDrift: "CorrectDrift",
  Revert: "Revert",
  Diagnose: "Diagnose",
  AutoTune: "AutoTune",
} as const;

/**
 * Other programs the agent knows to write node settings: the names in a
 * setting's `alsoWrittenBy` and the `writer` label of the drift metric.
 */
export const OtherWriter = {
  KubeProxy: "kube-proxy",
  CNI: "cni",
  TuneD: "tuned",
  NetworkManager: "networkmanager",
  Udev: "udev",
  IRQBalance: "irqbalance",
} as const;

type ValueOf<T> = T[keyof T];
export type AgentEventReasonName = ValueOf<typeof AgentEventReason>;
export type AgentEventActionName = ValueOf<typeof AgentEventAction>;
export type OtherWriterName = ValueOf<typeof OtherWriter>;
