import { agentPodSelector, podsThatCannotStart, type AgentProblem } from "../agents/agent-pods.ts";
import { collectionPath, group, Plural, storageVersion } from "../../../api/v1alpha1/identity.ts";
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1Namespace,
  type V1Node,
} from "@kubernetes/client-node";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { APICalls } from "./api-calls.ts";
import {
  ProjectingWatch,
  projectNamespace,
  projectNode,
  projectNodeTuning,
  projectObject,
} from "./projections.ts";

const version = storageVersion;

export type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export interface Informers {
  tunings: Watched<NetworkTuning & KubernetesObject>;
  nodeTunings: Watched<NodeNetworkTuning & KubernetesObject>;
  nodes: Watched<V1Node>;
  /** Namespaces, their names and labels only: the DNS webhook matches tunings' namespace selectors. */
  namespaces: Watched<V1Namespace>;
}

/**
 * Informers on the three kinds the operator reads, each caching objects
 * projected to what the operator's decisions read (projections.ts).
 */
export function makeInformers(config: KubeConfig): Informers {
  const custom = config.makeApiClient(CustomObjectsApi);
  const core = config.makeApiClient(CoreV1Api);
  const informer = <T extends KubernetesObject>(
    path: string,
    page: ListPage<T>,
    project: (object: T) => T,
  ): Watched<T> =>
    new ListWatch<T>(
      path,
      new ProjectingWatch<T>(config, project),
      () => listAll(page, project),
      false,
    );
  const customPage =
    <T>(plural: string): ListPage<T & KubernetesObject> =>
    (limit, _continue) =>
      custom.listClusterCustomObject({
        group,
        version,
        plural,
        limit,
        ...(_continue ? { _continue } : {}),
      }) as Promise<KubernetesListObject<T & KubernetesObject>>;
  return {
    tunings: informer(
      collectionPath(Plural.NetworkTuning),
      customPage<NetworkTuning>(Plural.NetworkTuning),
      projectObject,
    ),
    nodeTunings: informer(
      collectionPath(Plural.NodeNetworkTuning),
      customPage<NodeNetworkTuning>(Plural.NodeNetworkTuning),
      projectNodeTuning,
    ),
    nodes: informer(
      "/api/v1/nodes",
      (limit, _continue) => core.listNode({ limit, ...(_continue ? { _continue } : {}) }),
      projectNode,
    ),
    namespaces: informer(
      "/api/v1/namespaces",
      (limit, _continue) => core.listNamespace({ limit, ...(_continue ? { _continue } : {}) }),
      projectNamespace,
    ),
  };
}

/** One page of a list: at most `limit` objects, from where `continue` left off. */
export type ListPage<T extends KubernetesObject> = (
  limit: number,
  _continue: string | undefined,
) => Promise<KubernetesListObject<T>>;

// Objects per list page. A page is parsed and projected before the next is
// asked for, so a start on 5,000 Nodes never holds them all whole at once.
const pageSize = 500;

/**
 * The whole list in pages of one consistent snapshot, each object projected as
 * its page arrives; the list's resourceVersion is the snapshot's, for the watch.
 */
export async function listAll<T extends KubernetesObject>(
  page: ListPage<T>,
  project: (object: T) => T,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let answer = await page(pageSize, undefined);
  for (;;) {
    for (const item of answer.items) items.push(project(item));
    // Typed lists name it `_continue`; custom objects arrive as the API server's JSON, `continue`.
    const metadata: { _continue?: string; continue?: string } | undefined = answer.metadata;
    const next = metadata?._continue ?? metadata?.continue;
    if (!next) return { ...answer, items };
    answer = await page(pageSize, next);
  }
}

/** What the operator reads about its agents' pods beyond the informers. */
export interface AgentPodsReader {
  /**
   * Why the agent DaemonSet has fewer running agents than nodes it should run on:
   * pods refused (its latest FailedCreate Event) or pods that cannot start (their
   * containers' states); undefined when every agent runs.
   */
  problem(namespace: string, name: string): Promise<AgentProblem | undefined>;
  /** The uid of a Deployment in the namespace, to own the DaemonSet by. */
  deploymentUID(namespace: string, name: string): Promise<string>;
}

export function agentPodsReader(config: KubeConfig, calls: APICalls): AgentPodsReader {
  const apps = config.makeApiClient(AppsV1Api);
  const core = config.makeApiClient(CoreV1Api);
  const latestFailedCreate = async (namespace: string, name: string) => {
    const events = await calls.call("list events", () =>
      core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.kind=DaemonSet,involvedObject.name=${name},reason=FailedCreate`,
      }),
    );
    return events.items
      .map((event) => ({
        at: new Date(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? 0).getTime(),
        message: event.message ?? "",
      }))
      .sort((a, b) => b.at - a.at)[0]?.message;
  };
  return {
    problem: async (namespace, name) => {
      const daemonSet = await calls.find("get daemonset", () =>
        apps.readNamespacedDaemonSet({ name, namespace }),
      );
      const status = daemonSet?.status;
      if (!status) return undefined;
      if (status.currentNumberScheduled < status.desiredNumberScheduled) {
        const refused = await latestFailedCreate(namespace, name);
        const missing = status.desiredNumberScheduled - status.currentNumberScheduled;
        if (refused)
          return {
            message: `agent pods are refused in namespace ${namespace} (${missing} of ${status.desiredNumberScheduled} missing): ${refused}`,
          };
      }
      if (!status.numberUnavailable) return undefined;
      const pods = await calls.call("list pods", () =>
        core.listNamespacedPod({ namespace, labelSelector: agentPodSelector }),
      );
      return podsThatCannotStart(pods.items, status.desiredNumberScheduled);
    },
    deploymentUID: async (namespace, name) => {
      const deployment = await calls.call("get deployment", () =>
        apps.readNamespacedDeployment({ name, namespace }),
      );
      return deployment.metadata?.uid ?? "";
    },
  };
}
