// The memory cgroup bench/convergence.ts runs the operator in: a process that
// outgrows the limit is killed there and counted, one that fits is not.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { memoryCgroup, quantityBytes } from "../../bench/memory-cgroup.ts";

/** Runs `script` with Node inside the cgroup; resolves with its exit signal or code. */
function runIn(wrap: (command: string[]) => string[], script: string): Promise<string> {
  const [program = "", ...args] = wrap([process.execPath, "-e", script]);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      resolve(signal ?? String(code));
    });
  });
}

// Touches `mb` MiB of memory that stays referenced, so it cannot be collected.
const allocate = (mb: number): string =>
  `const kept = []; for (let i = 0; i < ${mb}; i++) kept.push(Buffer.alloc(1048576, 1)); console.log(kept.length);`;

describe("the operator's memory cgroup in the convergence bench", () => {
  it("reads a chart's memory limit as bytes and refuses a quantity it cannot read", () => {
    expect(quantityBytes("384Mi")).toBe(384 * 1048576);
    expect(quantityBytes("1Gi")).toBe(1073741824);
    expect(() => quantityBytes("384M")).toThrow(/384M: expected a number with Ki, Mi or Gi/);
  });

  it("kills a process that outgrows the limit and counts it, and leaves one that fits", async () => {
    const cgroup = await memoryCgroup(`nettune-test-${process.pid}`, quantityBytes("160Mi"));
    if (!cgroup) throw new Error("this machine has no memory cgroup to give");
    try {
      expect(await runIn(cgroup.wrap, allocate(20))).toBe("0");
      expect(await cgroup.oomKills()).toBe(0);
      expect(await cgroup.peakMB()).toBeGreaterThan(20);
      expect(await runIn(cgroup.wrap, allocate(400))).toBe("SIGKILL");
      expect(await cgroup.oomKills()).toBe(1);
      expect(await cgroup.peakMB()).toBeLessThanOrEqual(160);
    } finally {
      await cgroup.remove();
    }
  });
});
