// What the agent benches share: the agent they run, and waiting for it to report its node applied.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { agentNodeFlags } from "../node-agent/src/node-flags.ts";
import { AgentProcess } from "../test/harness/agent-process.ts";
import type { ControlPlane } from "../test/harness/control-plane.ts";
import type { Sandbox } from "../test/harness/netns.ts";
import { kubectl } from "../test/harness/kubectl.ts";
import { eventually } from "../test/harness/wait.ts";

const root = path.resolve(import.meta.dirname, "..");

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

/** The built agent as the image runs it (its Node flags, dist/), in a sandbox, for a bench. */
export function benchAgent(
  controlPlane: ControlPlane,
  sandbox: Sandbox,
  nodeName: string,
  work: string,
  options: { args?: string[]; entry?: string; nodeFlags?: readonly string[] } = {},
): AgentProcess {
  return new AgentProcess({
    sandbox,
    apiServer: controlPlane.server,
    token: controlPlane.adminToken,
    caFile: controlPlane.caFile,
    entry: options.entry ?? path.join(root, "dist/node-agent/src/main.js"),
    nodeFlags: options.nodeFlags ?? agentNodeFlags,
    nodeName,
    work,
    ...(options.args ? { args: options.args } : {}),
  });
}

/** Where scripts/ensure-k8s.sh built (or found) kube-apiserver and etcd: its last line. */
export async function kubernetesBinDir(): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [path.join(root, "scripts/ensure-k8s.sh")]);
  return stdout.trim().split("\n").at(-1) ?? "";
}
