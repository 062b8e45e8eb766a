import {
  Annotation,
  apiVersion,
  Component,
  group,
  Plural,
  storageVersion,
} from "../../../api/v1alpha1/identity.ts";
import { holdsRendered } from "./rendered-content.ts";
import { createHash } from "node:crypto";
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1DaemonSet,
  type V1MutatingWebhookConfiguration,
} from "@kubernetes/client-node";
import type { NetworkTuning, NetworkTuningStatus } from "../../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { TuningReasonName } from "../../../api/v1alpha1/reasons.ts";

import { statusOf, type APICalls } from "./api-calls.ts";

const version = storageVersion;

/** The writes the operator makes, each the smallest that does the job. */
export interface OperatorWrites {
  createNodeTuning(object: NodeNetworkTuning): Promise<NodeNetworkTuning>;
  /** Replaces the spec, guarded by the object's resourceVersion. */
  replaceNodeTuning(object: NodeNetworkTuning): Promise<NodeNetworkTuning>;
  /**
   * Patches the status computed from the tuning at `resourceVersion`; the API server
   * refuses it (409) when the tuning changed since, so no stale view overwrites a newer one.
   * Fields of `previous` that `status` leaves out are removed (a merge patch keeps them otherwise).
   */
  patchTuningStatus(
    name: string,
    status: NetworkTuningStatus,
    resourceVersion: string,
    previous?: NetworkTuningStatus,
  ): Promise<void>;
  /** Sets the finalizers, guarded by resourceVersion so a concurrent change is not lost. */
  setTuningFinalizers(name: string, finalizers: string[], resourceVersion: string): Promise<void>;
  /** Creates or replaces the DaemonSet when its rendered form changed. */
  applyDaemonSet(daemonSet: Record<string, unknown>): Promise<Applied>;
  /** Creates or replaces the DNS webhook configuration when its rendered form changed. */
  applyWebhookConfiguration(configuration: Record<string, unknown>): Promise<Applied>;
  event(
    tuning: NetworkTuning,
    type: "Normal" | "Warning",
    reason: TuningReasonName,
    message: string,
  ): Promise<void>;
}

export type Applied = "created" | "updated" | "unchanged";

interface Rendered {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
}

/**
 * Creates the object, or replaces it when its rendered form changed (a hash of
 * what was rendered, kept in an annotation) or when the stored object no
 * longer holds a rendered field (an edit by hand): server-side defaults never
 * look like a change.
 */
export async function applyByHash<T extends KubernetesObject>(
  rendered: Record<string, unknown>,
  access: {
    read: () => Promise<T>;
    create: (body: T) => Promise<unknown>;
    replace: (body: T) => Promise<unknown>;
  },
): Promise<Applied> {
  const { metadata, ...content } = rendered as unknown as Rendered & Record<string, unknown>;
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("hex").slice(0, 16);
  const body = {
    ...rendered,
    metadata: {
      ...metadata,
      annotations: { ...metadata.annotations, [Annotation.SpecHash]: hash },
    },
  } as unknown as T;
  const existing = await access.read().catch((error: unknown) => {
    if (statusOf(error) === 404) return undefined;
    throw error;
  });
  if (!existing) {
    await access.create(body);
    return "created";
  }
  // The hash says nothing was rendered differently; the content check catches hand edits
  // of rendered fields that kept the annotation.
  if (
    existing.metadata?.annotations?.[Annotation.SpecHash] === hash &&
    holdsRendered(existing, content)
  )
    return "unchanged";
  // Labels and annotations others put there (helm's release marks on an object the chart created) stay.
  body.metadata = {
    ...body.metadata,
    labels: { ...existing.metadata?.labels, ...body.metadata?.labels },
    annotations: { ...existing.metadata?.annotations, ...body.metadata?.annotations },
    resourceVersion: existing.metadata?.resourceVersion ?? "",
  };
  await access.replace(body);
  return "updated";
}

/**
 * The writes, each under `fieldManager` (the replica's identity), so that
 * managedFields tell which replica wrote what.
 */
export function operatorWrites(
  config: KubeConfig,
  now: () => Date,
  calls: APICalls,
  fieldManager = "nettune-operator",
): OperatorWrites {
  const custom = config.makeApiClient(CustomObjectsApi);
  const apps = config.makeApiClient(AppsV1Api);
  const core = config.makeApiClient(CoreV1Api);
  const admission = config.makeApiClient(AdmissionregistrationV1Api);
  const counted = <T>(verb: string, request: () => Promise<T>): Promise<T> =>
    calls.call(verb, request);
  const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  return {
    createNodeTuning: (object) =>
      counted(
        "create",
        () =>
          custom.createClusterCustomObject({
            group,
            version,
            plural: Plural.NodeNetworkTuning,
            body: object,
            fieldManager,
          }) as Promise<NodeNetworkTuning>,
      ),
    replaceNodeTuning: (object) =>
      counted(
        "update",
        () =>
          custom.replaceClusterCustomObject({
            group,
            version,
            plural: Plural.NodeNetworkTuning,
            name: object.metadata.name ?? "",
            body: object,
            fieldManager,
          }) as Promise<NodeNetworkTuning>,
      ),
    patchTuningStatus: async (name, status, resourceVersion, previous) => {
      const removed = Object.keys(previous ?? {})
        .filter((field) => !(field in status))
        .map((field): [string, null] => [field, null]);
      const cleared: Record<string, null> = Object.fromEntries(removed);
      const body = { metadata: { resourceVersion }, status: { ...cleared, ...status } };
      await counted("patch", () =>
        custom.patchClusterCustomObjectStatus(
          { group, version, plural: Plural.NetworkTuning, name, body, fieldManager },
          merge,
        ),
      );
    },
    setTuningFinalizers: async (name, finalizers, resourceVersion) => {
      const body = { metadata: { finalizers, resourceVersion } };
      await counted("patch", () =>
        custom.patchClusterCustomObject(
          { group, version, plural: Plural.NetworkTuning, name, body, fieldManager },
          merge,
        ),
      );
    },
    applyDaemonSet: (daemonSet) => {
      const { name, namespace = "" } = (daemonSet as unknown as Rendered).metadata;
      return counted("apply", () =>
        applyByHash<V1DaemonSet>(daemonSet, {
          read: () => apps.readNamespacedDaemonSet({ name, namespace }),
          create: (body) => apps.createNamespacedDaemonSet({ namespace, body }),
          replace: (body) => apps.replaceNamespacedDaemonSet({ name, namespace, body }),
        }),
      );
    },
    applyWebhookConfiguration: (configuration) => {
      const { name } = (configuration as unknown as Rendered).metadata;
      return counted("apply", () =>
        applyByHash<V1MutatingWebhookConfiguration>(configuration, {
          read: () => admission.readMutatingWebhookConfiguration({ name }),
          create: (body) => admission.createMutatingWebhookConfiguration({ body }),
          replace: (body) => admission.replaceMutatingWebhookConfiguration({ name, body }),
        }),
      );
    },
    event: async (tuning, type, reason, message) => {
      const time = now();
      await counted("create", () =>
        core.createNamespacedEvent({
          namespace: "default",
          body: {
            metadata: { generateName: `${tuning.metadata.name ?? "tuning"}.` },
            involvedObject: {
              apiVersion,
              kind: "NetworkTuning",
              name: tuning.metadata.name ?? "",
              uid: tuning.metadata.uid ?? "",
            },
            type,
            reason,
            message: message.slice(0, 1024),
            firstTimestamp: time,
            lastTimestamp: time,
            count: 1,
            source: { component: "nettune-operator" },
            reportingComponent: Component.Operator,
            reportingInstance: "nettune-operator",
          },
        }),
      );
    },
  };
}
