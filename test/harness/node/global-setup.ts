import { execFile } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { assertNoLeftovers } from "../leftovers.ts";
import { differences, machineNetworkSnapshot } from "./machine-snapshot.ts";
import { startRealCluster } from "./real-cluster.ts";
import { previousRelease } from "../previous-release.ts";

declare module "vitest" {
  export interface ProvidedContext {
    nodeKubeconfig: string;
    nodeKubectlPath: string;
    nodeName: string;
    /** The process holding the node's namespaces: nsenter -t PID -m -n runs a command on the node. */
    nodeHolderPid: number;
    nodeNetns: string;
    nodeImage: string;
    /** POST /kubelet/restart here restarts the node's kubelet (it re-registers a deleted Node). */
    nodeControlURL: string;
    /** The machine's own network settings before the node came up (JSON). */
    machineSnapshot: string;
  }
}

const root = path.resolve(import.meta.dirname, "../../..");
const exec = promisify(execFile);

async function lastLine(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<string> {
  const { stdout } = await exec("bash", [path.join(root, script), ...args], {
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  return stdout.trim().split("\n").at(-1) ?? "";
}

/**
 * The node tier's one cluster: the project's image built from its Dockerfile
 * (npm run image), a pause image, and a real single-node cluster running them.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string): void => {
    console.log(`[node] ${line}`);
  };
  const [controlPlaneBin, nodeBin] = [
    await lastLine("scripts/ensure-k8s.sh"),
    await lastLine("scripts/ensure-k8s-node.sh"),
  ];
  await lastLine("scripts/ensure-helm.sh");
  log("building the image (npm run image)");
  const image = await lastLine("scripts/image.sh");
  // The previous release's image, for the upgrade and rollback path (cached by its git tree).
  log(`building the previous release's image (${previousRelease.tag})`);
  const previous = await lastLine("scripts/image.sh", [], {
    NETTUNE_IMAGE_REVISION: previousRelease.commit,
  });
  const pause = await lastLine("test/harness/node/pause-image.sh");
  const before = await machineNetworkSnapshot();
  project.provide("machineSnapshot", JSON.stringify(before));
  const cluster = await startRealCluster({
    controlPlaneBin,
    nodeBin,
    images: [pause, image, previous],
    nodeName: "nettune-node",
    logDir: "/tmp/nettune-logs-node-tier",
    log,
  });
  project.provide("nodeKubeconfig", cluster.kubeconfig);
  project.provide("nodeKubectlPath", cluster.kubectlPath);
  project.provide("nodeName", cluster.nodeName);
  project.provide("nodeHolderPid", cluster.sandbox.holder.pid ?? 0);
  project.provide("nodeNetns", cluster.sandbox.name);
  project.provide("nodeImage", image);
  // Tests run in workers; the programs belong to this process, which takes orders on loopback.
  const control = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== "/kubelet/restart") {
      response.writeHead(404).end();
      return;
    }
    cluster.restartKubelet().then(
      () => response.writeHead(204).end(),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  const address = control.address();
  project.provide(
    "nodeControlURL",
    `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
  );
  return async () => {
    control.close();
    await cluster.stop();
    await assertNoLeftovers("node");
    const changed = differences(before, await machineNetworkSnapshot());
    if (changed.length > 0)
      throw new Error(`the node tier changed the machine's own network: ${changed.join(", ")}`);
  };
}
