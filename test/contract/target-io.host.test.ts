// The real Actuator keeps the target contract the unit tests' in-memory host
// keeps (target-io.test.ts): the same steps, on the kernel, in a namespace.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../harness/netns.ts";
import { targetIOContract } from "./target-io.ts";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await Sandbox.create("ntio");
});
afterAll(async () => {
  await sandbox.destroy();
});

describe("the real Actuator", () => {
  it("keeps the target contract, and the machine's own somaxconn is unchanged", async () => {
    const machine = async (): Promise<string> =>
      (await promisify(execFile)("cat", ["/proc/sys/net/core/somaxconn"])).stdout;
    const before = await machine();
    const script = path.resolve(import.meta.dirname, "target-io-real.ts");
    const { code, stdout, stderr } = await sandbox.exec(process.execPath, [script]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual(targetIOContract);
    expect(await machine()).toBe(before);
  });
});
