// Starts racing-responder.ts inside a node's namespaces at the cluster DNS
// address (added to the node's loopback), and takes both away again.
import path from "node:path";
import type { ExecResult } from "../netns.ts";

const script = path.join(import.meta.dirname, "racing-responder.ts");

export interface RacingResponder {
  /** Stops it and removes the address and its log; what it answered and lost. */
  stop(): Promise<{ answered: number; lost: number }>;
}

export async function startRacingResponder(
  onNode: (program: string, args: string[]) => Promise<ExecResult>,
  address: string,
  log: string,
): Promise<RacingResponder> {
  const added = await onNode("ip", ["addr", "add", `${address}/32`, "dev", "lo"]);
  if (added.code !== 0) throw new Error(`cannot add ${address} on the node: ${added.stderr}`);
  const started = await onNode("sh", [
    "-c",
    `${process.execPath} ${script} ${address} 53 > ${log} 2>&1 & echo $!`,
  ]);
  const pid = started.stdout.trim();
  for (let i = 0; i < 100; i++) {
    if ((await onNode("cat", [log])).stdout.includes("listening")) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    async stop() {
      await onNode("kill", ["-TERM", pid]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await onNode("ip", ["addr", "del", `${address}/32`, "dev", "lo"]);
      const last = (await onNode("cat", [log])).stdout.trim().split("\n").at(-1) ?? "{}";
      // The node shares the machine's /tmp: nothing of the responder stays behind.
      await onNode("rm", ["-f", log]);
      return JSON.parse(last.startsWith("{") ? last : "{}") as { answered: number; lost: number };
    },
  };
}
