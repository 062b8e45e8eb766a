import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { execResult, type ExecResult } from "./exec.ts";

const root = path.resolve(import.meta.dirname, "../..");
const exec = promisify(execFile);
export const chartDir = path.join(root, "charts/nettune");

/** The helm binary built by scripts/ensure-helm.sh (cached after the first build). */
export async function helmPath(): Promise<string> {
  const { stdout } = await exec("bash", [path.join(root, "scripts/ensure-helm.sh")], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return path.join(stdout.trim().split("\n").at(-1) ?? "", "helm");
}

export type HelmResult = ExecResult;

/** Runs helm with no cluster and no user configuration of this machine. */
export async function helm(args: string[]): Promise<HelmResult> {
  const home = path.join(root, "node_modules/.cache/helm");
  return execResult(await helmPath(), args, {
    env: {
      PATH: process.env.PATH ?? "",
      HELM_CACHE_HOME: path.join(home, "cache"),
      HELM_CONFIG_HOME: path.join(home, "config"),
      HELM_DATA_HOME: path.join(home, "data"),
      // The Kubernetes client's discovery cache, which otherwise lands in ./.kube without a HOME.
      KUBECACHEDIR: path.join(home, "kube-cache"),
    },
  });
}

/** `helm template` of the chart in a namespace, with more helm flags such as --set or --values. */
export async function renderChart(namespace: string, flags: string[] = []): Promise<string> {
  const result = await helm(["template", "nettune", chartDir, "--namespace", namespace, ...flags]);
  if (result.code !== 0) throw new Error(`helm template: ${result.stderr}`);
  return result.stdout;
}
