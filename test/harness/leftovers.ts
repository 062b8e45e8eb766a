import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { shellName } from "../../node-agent/src/host/shell-runner.ts";

/**
 * Programs the agent starts, by command line. A tier's end fails while any runs:
 * each must have ended with the agent that started it, however that agent ended.
 */
const agentChildren = ["ip -o monitor link", "ethtool --monitor", shellName];

export async function leftoverProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pattern of agentChildren) {
    const { stdout } = await promisify(execFile)("pgrep", ["-a", "-f", `^${pattern}`]).catch(
      () => ({ stdout: "" }),
    );
    found.push(...stdout.split("\n").filter(Boolean));
  }
  return found;
}

export async function assertNoLeftovers(tier: string): Promise<void> {
  const left = await leftoverProcesses();
  if (left.length > 0)
    throw new Error(`the ${tier} tier left processes behind: ${left.join("; ")}`);
}
