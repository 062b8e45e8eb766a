// The MutatingWebhookConfiguration for dns.pods: one webhook per tuning,
// scoped by that tuning's selectors, in precedence order.
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import { byPrecedence } from "../merge.ts";
import { optOutAnnotation } from "./pod-dns.ts";

export const webhookConfigurationName = "nettune-dns";

/** How the API server reaches the webhook: the operator's Service, or a URL (out of cluster). */
export type WebhookEndpoint =
  { service: { namespace: string; name: string; port: number } } | { url: string };

export function mutatePath(tuning: string): string {
  return `/mutate-pods/${encodeURIComponent(tuning)}`;
}

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
 * The API server calls the webhooks of one configuration in order, each
 * seeing the pod as the previous left it; a tuning adds only options not yet
 * there, so ordering by precedence makes the higher priority win.
 */
export function webhookConfiguration(
  tunings: readonly NetworkTuning[],
  endpoint: WebhookEndpoint,
  caBundle: string,
): Record<string, unknown> {
  const webhooks = podDNSTunings(tunings).map((tuning) => {
    const name = tuning.metadata.name ?? "";
    const pods = tuning.spec.dns?.pods ?? {};
    const path = mutatePath(name);
    const clientConfig =
      "url" in endpoint
        ? { url: `${endpoint.url.replace(/\/$/, "")}${path}` }
        : { service: { ...endpoint.service, path } };
    const namespaceExpressions = [
      ...(pods.namespaceSelector?.matchExpressions ?? []),
      // A namespace labelled nettune.io/dns-options=disabled opts out of every tuning.
      { key: optOutAnnotation, operator: "NotIn", values: ["disabled"] },
    ];
    return {
      name: `${name}.dns.nettune.io`,
      admissionReviewVersions: ["v1"],
      sideEffects: "None",
      // Pods are never blocked by this webhook; a miss shows in the API server's
      // apiserver_admission_webhook_fail_open_count.
      failurePolicy: "Ignore",
      timeoutSeconds: 2,
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
        ...(pods.namespaceSelector?.matchLabels
          ? { matchLabels: pods.namespaceSelector.matchLabels }
          : {}),
        matchExpressions: namespaceExpressions,
      },
      objectSelector: pods.podSelector ?? {},
    };
  });
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: webhookConfigurationName,
      labels: { "app.kubernetes.io/name": "nettune", "app.kubernetes.io/component": "operator" },
    },
    webhooks,
  };
}
