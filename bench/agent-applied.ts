// What the agent benches share: waiting for an agent to report its node applied.
import type { ControlPlane } from "../test/harness/control-plane.ts";
import { kubectl } from "../test/harness/kubectl.ts";
import { eventually } from "../test/harness/wait.ts";

/** Waits until the node's NodeNetworkTuning says Applied=True (a minute at most). */
export async function untilApplied(controlPlane: ControlPlane, node: string): Promise<void> {
  await eventually(async () => {
    const out = await kubectl(controlPlane, [
      "get",
      "nnt",
      node,
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Applied")].status}',
    ]);
    if (out.stdout !== "True") throw new Error("not applied yet");
  }, 60_000);
}
