import { request as httpsRequest } from "node:https";
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from "@kubernetes/client-node";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningStatus,
} from "../../../api/v1alpha1/node-network-tuning.ts";

const group = "nettune.io";
const version = "v1alpha1";
const plural = "nodenetworktunings";

export type WatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: NodeNetworkTuning }
  | { type: "BOOKMARK"; resourceVersion: string };

/** Raised when a watch's resourceVersion is too old (HTTP 410): the caller lists again. */
export class ResourceExpiredError extends Error {
  override name = "ResourceExpiredError";
}

/** What the agent needs from the API server, and nothing more. */
export interface NodeTuningClient {
  /** The object and the list resourceVersion to watch from; undefined object when it does not exist. */
  get(name: string): Promise<{ object: NodeNetworkTuning | undefined; resourceVersion: string }>;
  watch(
    name: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    onDone: (error: unknown) => void,
  ): Promise<{ abort(): void }>;
  patchStatus(name: string, status: NodeNetworkTuningStatus): Promise<void>;
  /** Whether the API server answers on a fresh connection within the timeout. */
  probe(timeoutMs: number): Promise<boolean>;
}

/** The client over @kubernetes/client-node. */
export function kubeClient(config: KubeConfig, probeServer?: string): NodeTuningClient {
  const api = config.makeApiClient(CustomObjectsApi);
  const watcher = new Watch(config);
  return {
    async get(name) {
      // A list with a field selector gives the resourceVersion to watch from, present or not.
      const list = (await api.listClusterCustomObject({
        group,
        version,
        plural,
        fieldSelector: `metadata.name=${name}`,
      })) as {
        items: NodeNetworkTuning[];
        metadata: { resourceVersion: string };
      };
      return { object: list.items[0], resourceVersion: list.metadata.resourceVersion };
    },
    async watch(name, resourceVersion, onEvent, onDone) {
      const controller = await watcher.watch(
        `/apis/${group}/${version}/${plural}`,
        { fieldSelector: `metadata.name=${name}`, resourceVersion, allowWatchBookmarks: true },
        (type, object: unknown) => {
          if (type === "ERROR") {
            const status = object as { code?: number; message?: string };
            onDone(
              status.code === 410
                ? new ResourceExpiredError(status.message ?? "resourceVersion too old")
                : new Error(`watch error: ${status.message ?? "unknown"}`),
            );
            return;
          }
          if (type === "BOOKMARK") {
            const rv = (object as { metadata?: { resourceVersion?: string } }).metadata
              ?.resourceVersion;
            if (rv) onEvent({ type, resourceVersion: rv });
            return;
          }
          if (type === "ADDED" || type === "MODIFIED" || type === "DELETED")
            onEvent({ type, object: object as NodeNetworkTuning });
        },
        (error: unknown) => {
          onDone(
            error instanceof ApiException && error.code === 410
              ? new ResourceExpiredError("resourceVersion too old", { cause: error })
              : error,
          );
        },
      );
      return { abort: () => controller.abort() };
    },
    async patchStatus(name, status) {
      await api.patchClusterCustomObjectStatus(
        { group, version, plural, name, body: { status } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    },
    probe: (timeoutMs) =>
      probeServerAt(probeServer ?? config.getCurrentCluster()?.server ?? "", config, timeoutMs),
  };
}

/**
 * GET /readyz over a new TLS connection (no pooled socket), so that a NIC
 * reset that broke the path shows even while old connections linger.
 */
async function probeServerAt(
  server: string,
  config: KubeConfig,
  timeoutMs: number,
): Promise<boolean> {
  if (!server) return false;
  const options: Parameters<typeof httpsRequest>[1] = {
    method: "GET",
    agent: false,
    timeout: timeoutMs,
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve) => {
    const request = httpsRequest(new URL("/readyz", server), options, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) < 500);
    });
    request.on("error", () => {
      resolve(false);
    });
    request.on("timeout", () => {
      request.destroy();
      resolve(false);
    });
    request.end();
  });
}
