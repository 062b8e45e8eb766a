// Agent pods that exist but cannot start: an image that cannot be pulled, a
// container that crashes. The DaemonSet's rolling update holds at its
// maxUnavailable then, so most nodes keep their running agents; the tunings
// say which nodes have none, and why, from the pods' own container states.

export const agentPodSelector =
  "app.kubernetes.io/name=nettune,app.kubernetes.io/component=node-agent";

/** Container waiting reasons that do not end on their own. */
const stuck = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CrashLoopBackOff",
  "CreateContainerError",
  "CreateContainerConfigError",
  "RunContainerError",
]);

const shown = 3;

/** Why agents are missing; `nodes` names where pods exist but cannot start. */
export interface AgentProblem {
  message: string;
  /** Absent when the pods were refused before any node was chosen for them. */
  nodes?: string[];
}

/** The problem as one tuning sees it: only where its matched nodes lack agents. */
export function agentProblemFor(
  problem: AgentProblem | undefined,
  matched: string[],
): string | undefined {
  if (!problem) return undefined;
  if (!problem.nodes) return problem.message;
  const down = new Set(problem.nodes);
  return matched.some((node) => down.has(node)) ? problem.message : undefined;
}

/** What of a pod (a V1Pod) tells whether its agent can start. */
export interface AgentPodState {
  metadata?: { name?: string };
  spec?: { nodeName?: string; containers: { image?: string }[] };
  status?: {
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
  };
}

/** Which agent pods cannot start and why, in words for the tunings; undefined when none is stuck. */
export function podsThatCannotStart(
  pods: AgentPodState[],
  nodes: number,
): AgentProblem | undefined {
  const stuckPods = pods.flatMap((pod) => {
    const line = stuckLine(pod);
    return line ? [line] : [];
  });
  const where = stuckPods.map(({ node }) => node);
  const problems = stuckPods.map(({ text }) => text);
  if (problems.length === 0) return undefined;
  const more = problems.length > shown ? `; and ${problems.length - shown} more` : "";
  const message = `agent pods cannot start on ${problems.length} of ${nodes} nodes; the agent DaemonSet's rolling update holds there and other nodes keep their agents: ${problems.slice(0, shown).join("; ")}${more}`;
  return { message, nodes: where };
}

function stuckLine(pod: AgentPodState): { node: string; text: string } | undefined {
  const waiting = stuckState(pod);
  if (!waiting) return undefined;
  const node = pod.spec?.nodeName ?? pod.metadata?.name ?? "?";
  const image = pod.spec?.containers[0]?.image ?? "?";
  const detail = firstLine(waiting.message);
  return { node, text: `${node}: ${waiting.reason} (${image})${detail ? `: ${detail}` : ""}` };
}

function stuckState(pod: AgentPodState): { reason: string; message?: string } | undefined {
  for (const container of pod.status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    if (waiting?.reason !== undefined && stuck.has(waiting.reason))
      return { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) };
  }
  return undefined;
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0]?.slice(0, 200) ?? "";
}
