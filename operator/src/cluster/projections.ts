import { KubeletNodeCondition } from "../../../api/v1alpha1/reasons.ts";
import {
  Watch,
  type KubernetesObject,
  type V1Namespace,
  type V1Node,
} from "@kubernetes/client-node";
import type { NodeNetworkTuning } from "../../../api/v1alpha1/node-network-tuning.ts";

// The operator's caches hold what its decisions read, taken from each object
// as it arrives (a cache transform, as controller-runtime calls it): a Node's
// kubelet status (images, addresses, capacity) and a NodeNetworkTuning's
// per-setting results and inventory are most of their bytes and none of its
// business. Measured with bench/convergence.ts (docs/adr/0005-operator-cache-projections.md).

/** Metadata without managedFields, which only server-side apply reads. */
function lean<T extends KubernetesObject>(object: T): T {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

// What of a Node's metadata the operator reads: which node, which version, its labels.
const nodeMetadataKept = ["name", "uid", "resourceVersion", "labels", "deletionTimestamp"] as const;

/** A Node as the operator reads it: name, uid, labels, and its Ready condition. */
export function projectNode(node: V1Node): V1Node {
  const metadata = Object.fromEntries(
    nodeMetadataKept.flatMap((key) =>
      node.metadata?.[key] === undefined ? [] : [[key, node.metadata[key]]],
    ),
  );
  const ready = node.status?.conditions?.filter((c) => c.type === KubeletNodeCondition.Ready);
  return {
    apiVersion: node.apiVersion ?? "v1",
    kind: node.kind ?? "Node",
    metadata,
    ...(ready ? { status: { conditions: ready } } : {}),
  };
}

/** A namespace as the DNS webhook reads it: its name and labels. */
export function projectNamespace(namespace: V1Namespace): V1Namespace {
  const { name, labels, resourceVersion, uid } = namespace.metadata ?? {};
  return {
    apiVersion: namespace.apiVersion ?? "v1",
    kind: namespace.kind ?? "Namespace",
    metadata: {
      ...(name === undefined ? {} : { name }),
      ...(labels === undefined ? {} : { labels }),
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      ...(uid === undefined ? {} : { uid }),
    },
  };
}

/**
 * A NodeNetworkTuning as the operator reads and replaces it: all of its
 * metadata but managedFields (a replace must keep the labels people add), its
 * spec, and of its status the generation seen, the conditions and the advice.
 */
export function projectNodeTuning<T extends NodeNetworkTuning & KubernetesObject>(nnt: T): T {
  const object = lean(nnt);
  if (!object.status) return object;
  const { observedGeneration, conditions, advice } = object.status;
  return {
    ...object,
    status: {
      ...(observedGeneration !== undefined ? { observedGeneration } : {}),
      ...(conditions ? { conditions } : {}),
      // At most 16 short entries, and only on nodes whose counters show a symptom.
      ...(advice ? { advice } : {}),
    },
  };
}

/** Any other object: whole, but for managedFields. */
export function projectObject<T extends KubernetesObject>(object: T): T {
  return lean(object);
}

/** A watch that hands its informer each object projected; bookmarks and errors pass as they are. */
export class ProjectingWatch<T extends KubernetesObject> extends Watch {
  private readonly project: (object: T) => T;

  constructor(config: ConstructorParameters<typeof Watch>[0], project: (object: T) => T) {
    super(config);
    this.project = project;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase, object, watchObject) => {
        const objectEvent = phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED";
        callback(phase, objectEvent ? this.project(object as T) : object, watchObject);
      },
      done,
    );
  }
}
