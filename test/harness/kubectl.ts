import { execFile } from "node:child_process";
import path from "node:path";

export interface KubectlTarget {
  kubeconfig: string;
  kubectlPath: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against the target, never throwing on a non-zero exit. */
export function kubectl(
  target: KubectlTarget,
  args: string[],
  input?: string,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      target.kubectlPath,
      [`--kubeconfig=${target.kubeconfig}`, ...args],
      { maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Applies the repository's crds/ and waits until the API server serves them. */
export async function installCRDs(target: KubectlTarget): Promise<void> {
  const crds = path.resolve(import.meta.dirname, "../../crds");
  for (const args of [
    ["apply", "-f", crds],
    ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"],
  ]) {
    const result = await kubectl(target, args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  }
}
