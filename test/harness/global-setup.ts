import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { startControlPlane } from "./control-plane.ts";
import { installCRDs } from "./kubectl.ts";
import { assertNoLeftovers } from "./leftovers.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectlPath: string;
    apiServer: string;
    adminToken: string;
    controlPlaneDir: string;
  }
}

const root = path.resolve(import.meta.dirname, "../..");

/** Starts one real API server for the integration tier, with the CRDs applied. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { stdout } = await promisify(execFile)("bash", [path.join(root, "scripts/ensure-k8s.sh")], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const binDir = stdout.trim().split("\n").at(-1) ?? "";
  const controlPlane = await startControlPlane({
    binDir,
    log: (line) => {
      console.log(`[control-plane] ${line}`);
    },
  });
  try {
    await installCRDs(controlPlane);
  } catch (error) {
    await controlPlane.stop();
    throw error;
  }
  project.provide("kubeconfig", controlPlane.kubeconfig);
  project.provide("kubectlPath", controlPlane.kubectlPath);
  project.provide("apiServer", controlPlane.server);
  project.provide("adminToken", controlPlane.adminToken);
  project.provide("controlPlaneDir", controlPlane.workDir);
  return async () => {
    await controlPlane.stop();
    await assertNoLeftovers("integration");
  };
}
