import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * What `promtool check metrics` (Debian's prometheus package, unpacked by
 * scripts/ensure-promtool.sh) says of a scrape: "" when it lints clean.
 */
export async function promtoolCheckMetrics(scrape: string): Promise<string> {
  const { stdout } = await promisify(execFile)("bash", [
    path.join(root, "scripts/ensure-promtool.sh"),
  ]);
  const promtool = stdout.trim().split("\n").at(-1) ?? "promtool";
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let said = "";
    child.stdout.on("data", (chunk: Buffer) => (said += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (said += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve(code === 0 ? said.trim() : `exit ${code}: ${said.trim()}`);
    });
    child.stdin.end(scrape);
  });
}
