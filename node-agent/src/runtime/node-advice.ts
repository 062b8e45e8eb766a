// What the agent tells of its node's symptoms: a Warning Event when one
// starts, a Normal Event when it ends, and the Node's NetworkTuningAdvice
// condition naming every symptom that holds with its remedy (docs/adr/0014).
import { NodeAdviceCondition, type Advice } from "../../../api/v1alpha1/advice.ts";
import { AgentEventAction, AgentEventReason } from "../../../api/v1alpha1/reasons.ts";
import type { AgentEvent } from "./agent-events.ts";
import type { SymptomChange } from "./symptom-watch.ts";

/** One line for a person: the symptom, where, its evidence, and what to set. */
export function describeAdvice({ symptom, evidence, remedy, bound, note }: Advice): string {
  const where = evidence.where ? ` on ${evidence.where}` : "";
  const seen = `${evidence.counter} +${evidence.delta} in ${evidence.windowSeconds}s`;
  const fix = remedy
    ? `set ${remedy.setting}${remedy.interface ? ` of ${remedy.interface}` : ""} to ${remedy.value} (bound: ${bound})`
    : `no value to advise: ${bound}`;
  return `${symptom}${where} (${seen}): ${fix}${note ? `; ${note}` : ""}`;
}

export function adviceEvents(change: SymptomChange): AgentEvent[] {
  const action = AgentEventAction.Diagnose;
  return [
    ...change.started.map((advice): AgentEvent => ({
      type: "Warning",
      reason: AgentEventReason.SymptomFound,
      action,
      note: describeAdvice(advice),
    })),
    ...change.revised.map((advice): AgentEvent => ({
      type: "Warning",
      reason: AgentEventReason.SymptomPersists,
      action,
      note: `still after the advised value was reached: ${describeAdvice(advice)}`,
    })),
    ...change.ended.map((advice): AgentEvent => ({
      type: "Normal",
      reason: AgentEventReason.SymptomCleared,
      action,
      note: `${advice.symptom}${advice.evidence.where ? ` on ${advice.evidence.where}` : ""} stayed quiet through a whole window`,
    })),
  ];
}

/** A Node condition as the API server takes it in a strategic merge patch of nodes/status. */
export interface NodeCondition {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
}

// A Node condition's message is shown whole by kubectl describe; long lists are cut.
const maxMessage = 1024;

/** The condition at `now`; `since` is when its status last changed (now, when it just did). */
export function adviceCondition(current: Advice[], now: Date, since: Date = now): NodeCondition {
  const time = (date: Date): string => date.toISOString().replace(/\.\d+Z$/, "Z");
  const found = current.length > 0;
  const message = found
    ? current.map(describeAdvice).join("\n")
    : "no symptom in the kernel's counters";
  return {
    type: NodeAdviceCondition.type,
    status: found ? "True" : "False",
    reason: found ? NodeAdviceCondition.SymptomsFound : NodeAdviceCondition.NoSymptoms,
    message: message.length > maxMessage ? `${message.slice(0, maxMessage - 1)}…` : message,
    lastHeartbeatTime: time(now),
    lastTransitionTime: time(since),
  };
}
