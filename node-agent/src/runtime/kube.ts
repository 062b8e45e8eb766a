import { collectionPath, Plural } from "../../../api/v1alpha1/identity.ts";
import { Agent } from "node:https";
import { createInterface } from "node:readline";
import { open, probe, readAll, type Connection } from "./connection.ts";
import { inventoryRequests, type InventoryClient, type Send } from "./inventory-client.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningStatus,
} from "../../../api/v1alpha1/node-network-tuning.ts";

// The agent speaks to the API server with node:https instead of
// @kubernetes/client-node: it needs four requests, and loading that library
// costs about 80 MB of memory on every node (docs/adr/0001-agent-api-client.md).

const collection = collectionPath(Plural.NodeNetworkTuning);

export type WatchEvent =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: NodeNetworkTuning }
  | { type: "BOOKMARK"; resourceVersion: string };

/** Raised when a watch's resourceVersion is too old (HTTP 410): the caller lists again. */
export class ResourceExpiredError extends Error {
  override name = "ResourceExpiredError";
}

/** A non-2xx answer from the API server; `code` is the HTTP status. */
export class APIError extends Error {
  override name = "APIError";
  readonly code: number;
  constructor(message: string, code: number) {
    super(message);
    this.code = code;
  }
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
  /**
   * Writes the status of the object with this uid: an object deleted and
   * created again under the same name (a Node re-registered) is another
   * object, and the API server refuses the patch (422) instead of landing it there.
   */
  patchStatus(
    name: string,
    uid: string | undefined,
    status: NodeNetworkTuningStatus,
  ): Promise<void>;
  /** Whether the API server answers on a fresh connection within the timeout. */
  probe(timeoutMs: number): Promise<boolean>;
}

/** An object an Event is about (events.k8s.io `regarding` and `related`). */
export interface EventReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** An events.k8s.io/v1 Event as the agent writes it. */
export interface AgentEventObject {
  apiVersion: "events.k8s.io/v1";
  kind: "Event";
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: "Normal" | "Warning";
  note: string;
  regarding: EventReference;
  related?: EventReference;
}

/** Event writes: a new Event, or a repeat counted on one already written. */
export interface EventClient {
  createEvent(namespace: string, event: AgentEventObject): Promise<void>;
  patchEvent(
    namespace: string,
    name: string,
    patch: { series: { count: number; lastObservedTime: string } },
  ): Promise<void>;
}

/** The agent's one write to its Node: its own condition, by strategic merge (keyed by type). */
export interface NodeStatusClient {
  patchNodeStatus(name: string, patch: { status: { conditions: object[] } }): Promise<void>;
}

const eventsPath = (namespace: string): string =>
  `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;

/** The client over node:https: list, watch, status patches, the inventory, Events, and a probe. */
export function kubeClient(
  connection: Connection,
  probeServer?: string,
): NodeTuningClient & EventClient & NodeStatusClient & InventoryClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const send: Send = async (method, path, body, contentType = "application/json") => {
    const response = await open(
      connection,
      method,
      new URL(path, connection.server),
      { agent },
      body,
      contentType,
    );
    const text = await readAll(response);
    if ((response.statusCode ?? 0) >= 300)
      throw new APIError(
        `${method} ${path}: ${response.statusCode} ${text.slice(0, 300)}`,
        response.statusCode ?? 0,
      );
    return JSON.parse(text) as unknown;
  };
  const selector = (name: string): string =>
    `fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`;
  return {
    ...inventoryRequests(send, (error) => error instanceof APIError && error.code === 404),
    async get(name) {
      const list = (await send("GET", `${collection}?${selector(name)}`)) as {
        items: NodeNetworkTuning[];
        metadata: { resourceVersion: string };
      };
      return { object: list.items[0], resourceVersion: list.metadata.resourceVersion };
    },
    async watch(name, resourceVersion, onEvent, onDone) {
      const query = `${selector(name)}&watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${encodeURIComponent(resourceVersion)}`;
      const response = await open(
        connection,
        "GET",
        new URL(`${collection}?${query}`, connection.server),
        { agent: false },
      );
      if ((response.statusCode ?? 0) >= 300) {
        const text = await readAll(response);
        throw response.statusCode === 410
          ? new ResourceExpiredError(text)
          : new APIError(
              `watch: ${response.statusCode} ${text.slice(0, 300)}`,
              response.statusCode ?? 0,
            );
      }
      let finished = false;
      const finish = (error: unknown): void => {
        if (finished) return;
        finished = true;
        onDone(error);
      };
      const lines = createInterface({ input: response });
      // readline re-emits the response's errors; unhandled, a dropped connection would end the process.
      lines.on("error", (error) => finish(error));
      lines.on("line", (line) => {
        const event = parseEvent(line);
        if (event instanceof Error) {
          finish(event);
          response.destroy();
        } else if (event) onEvent(event);
      });
      response.on("end", () => finish(null));
      response.on("error", (error) => finish(error));
      return { abort: () => response.destroy() };
    },
    async patchStatus(name, uid, status) {
      const path = `${collection}/${encodeURIComponent(name)}/status`;
      if (uid === undefined) {
        await send("PATCH", path, { status }, "application/merge-patch+json");
        return;
      }
      // The status subresource drops metadata from a merge patch, so a uid there checks
      // nothing; a JSON patch's test op is applied to the stored object and fails (422) on
      // another uid.
      await send(
        "PATCH",
        path,
        [
          { op: "test", path: "/metadata/uid", value: uid },
          { op: "add", path: "/status", value: status },
        ],
        "application/json-patch+json",
      );
    },
    async patchNodeStatus(name, patch) {
      const path = `/api/v1/nodes/${encodeURIComponent(name)}/status`;
      await send("PATCH", path, patch, "application/strategic-merge-patch+json");
    },
    async createEvent(namespace, event) {
      await send("POST", eventsPath(namespace), event);
    },
    async patchEvent(namespace, name, patch) {
      await send(
        "PATCH",
        `${eventsPath(namespace)}/${encodeURIComponent(name)}`,
        patch,
        "application/merge-patch+json",
      );
    },
    probe: (timeoutMs) =>
      probe({ ...connection, server: probeServer ?? connection.server }, timeoutMs),
  };
}

function parseEvent(line: string): WatchEvent | Error | undefined {
  if (line.trim() === "") return undefined;
  const event = JSON.parse(line) as {
    type: string;
    object: { code?: number; message?: string; metadata?: { resourceVersion?: string } };
  };
  if (event.type === "ERROR") {
    const message = event.object.message ?? "watch error";
    return event.object.code === 410
      ? new ResourceExpiredError(message)
      : new APIError(message, event.object.code ?? 0);
  }
  if (event.type === "BOOKMARK")
    return { type: "BOOKMARK", resourceVersion: event.object.metadata?.resourceVersion ?? "" };
  if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED") {
    return { type: event.type, object: event.object as unknown as NodeNetworkTuning };
  }
  return undefined;
}
