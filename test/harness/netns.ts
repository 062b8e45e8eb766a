import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  signal?: string;
}

/**
 * A network namespace with a veth pair of 4 RX and 4 TX queues (vA, vB):
 * a real multi-queue device on the real kernel, torn down by destroy().
 */
export class Sandbox {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  static async create(prefix = "nt"): Promise<Sandbox> {
    const name = `${prefix}-${randomBytes(3).toString("hex")}`;
    await run("ip", ["netns", "add", name]);
    const sandbox = new Sandbox(name);
    try {
      await run("ip", [
        "-n",
        name,
        "link",
        "add",
        "vA",
        "numrxqueues",
        "4",
        "numtxqueues",
        "4",
        "type",
        "veth",
        "peer",
        "name",
        "vB",
        "numrxqueues",
        "4",
        "numtxqueues",
        "4",
      ]);
      for (const device of ["lo", "vA", "vB"])
        await run("ip", ["-n", name, "link", "set", device, "up"]);
    } catch (cause) {
      await sandbox.destroy();
      throw new Error(`sandbox ${name} could not be set up`, { cause });
    }
    return sandbox;
  }

  /** Runs a program inside the namespace. */
  exec(program: string, args: string[]): Promise<ExecResult> {
    return new Promise((resolve) => {
      execFile(
        "ip",
        ["netns", "exec", this.name, program, ...args],
        { maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const result: ExecResult = { code: 0, stdout, stderr };
          if (error) {
            result.code = typeof error.code === "number" ? error.code : 1;
            if (error.signal) result.signal = error.signal;
          }
          resolve(result);
        },
      );
    });
  }

  /** Runs the node-agent CLI inside the namespace. */
  agent(args: string[]): Promise<ExecResult> {
    return this.exec(process.execPath, [path.join(root, "node-agent/src/cli.ts"), ...args]);
  }

  async destroy(): Promise<void> {
    await run("ip", ["netns", "del", this.name]).catch(() => undefined);
  }
}

/** Whether this process may create network namespaces (root with CAP_SYS_ADMIN). */
export async function canCreateNamespaces(): Promise<boolean> {
  try {
    const probe = await Sandbox.create("ntprobe");
    await probe.destroy();
    return true;
  } catch {
    return false;
  }
}
