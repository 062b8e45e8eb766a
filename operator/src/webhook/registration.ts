import { dnsWebhookName } from "../../../api/v1alpha1/identity.ts";
// The MutatingWebhookConfiguration for dns.pods: one webhook per tuning,
// scoped by that tuning's selectors, in precedence order.
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import { byPrecedence } from "../rollout/merge.ts";
import { optOutAnnotation } from "./pod-dns.ts";

export const webhookConfigurationName = "nettune-dns";

/** How the API server reaches the webhook: the operator's Service, or a URL (out of cluster). */
export type WebhookEndpoint =
  { service: { namespace: string; name: string; port: number } } | { url: string };

/** Where the one webhook answers. */
export const mutatePath = "/mutate-pods";

/**
 * Namespaces the webhook never sees: the cluster's own and NetTune's, so
 * that no fault of the operator can slow the pods that run the cluster or
 * the operator itself. Values add more (webhook.excludeNamespaces).
 */
export const alwaysExcludedNamespaces = ["kube-system", "kube-node-lease", "kube-public"];

/** The one timeout a hung operator can add to a pod creation, once. */
export const webhookTimeoutSeconds = 2;

/** The tunings whose dns.pods the webhook serves: live, enforcing ones. */
export function podDNSTunings(tunings: readonly NetworkTuning[]): NetworkTuning[] {
  return tunings
    .filter(
      (t) =>
        t.spec.dns?.pods !== undefined &&
        !t.metadata.deletionTimestamp &&
        (t.spec.mode ?? "Enforce") === "Enforce",
    )
    .sort(byPrecedence);
}

/**
 * One webhook for every tuning with dns.pods: the operator merges their options
 * by precedence itself (pod-dns-merge.ts), so a pod creation waits on one call
 * at most, whatever the number of tunings, and never on a hung operator for
 * more than the timeout: the webhook fails open. None is registered while no
 * tuning asks for pod options.
 */
export function webhookConfiguration(
  tunings: readonly NetworkTuning[],
  endpoint: WebhookEndpoint,
  caBundle: string,
  excluded: readonly string[] = [],
): Record<string, unknown> {
  const clientConfig =
    "url" in endpoint
      ? { url: `${endpoint.url.replace(/\/$/, "")}${mutatePath}` }
      : { service: { ...endpoint.service, path: mutatePath } };
  const skipped = [...new Set([...alwaysExcludedNamespaces, ...excluded])].sort();
  const webhook = {
    name: dnsWebhookName,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    // Pods are never blocked by this webhook; a miss shows in the API server's
    // apiserver_admission_webhook_fail_open_count.
    failurePolicy: "Ignore",
    timeoutSeconds: webhookTimeoutSeconds,
    reinvocationPolicy: "Never",
    matchPolicy: "Equivalent",
    clientConfig: { ...clientConfig, caBundle: Buffer.from(caBundle).toString("base64") },
    rules: [
      {
        operations: ["CREATE"],
        apiGroups: [""],
        apiVersions: ["v1"],
        resources: ["pods"],
        scope: "Namespaced",
      },
    ],
    namespaceSelector: {
      matchExpressions: [
        // The API server labels every namespace with its name.
        { key: "kubernetes.io/metadata.name", operator: "NotIn", values: skipped },
        // A namespace labelled nettune.io/dns-options=disabled opts out of every tuning.
        { key: optOutAnnotation, operator: "NotIn", values: ["disabled"] },
      ],
    },
    // Pods that use the node's resolver (hostNetwork with dnsPolicy ClusterFirst or Default)
    // are left out by the decision; an objectSelector cannot see dnsPolicy.
    objectSelector: {},
  };
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: webhookConfigurationName,
      labels: { "app.kubernetes.io/name": "nettune", "app.kubernetes.io/component": "operator" },
    },
    webhooks: podDNSTunings(tunings).length > 0 ? [webhook] : [],
  };
}
