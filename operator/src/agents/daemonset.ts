import { noTuningsLabel } from "../../../api/v1alpha1/identity.ts";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import { selectorProblems } from "../../../api/helpers/label-selector.ts";
import { selectorToTerm } from "../cluster/selector.ts";

export interface AgentSettings {
  namespace: string;
  name: string;
  image: string;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  imagePullSecrets: string[];
  serviceAccount: string;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  metricsPort: number;
  /** Where the agent's /metrics and probes listen (--metrics-address); every node address when empty. */
  metricsAddress: string;
  /** Extra agent flags from the operator's configuration. */
  args: string[];
  /**
   * Nodes whose agents an update replaces at once (a count or a percentage). A new agent
   * that cannot start holds the rollout there: the other nodes keep their running agents.
   */
  maxUnavailable?: number | string;
  /** The operator's Deployment: it owns the DaemonSet, so deleting it removes the agents too. */
  owner?: { name: string; uid: string };
}

/**
 * Where the agent runs: the OR of every tuning's selector; nowhere when there
 * are no tunings. A selector Kubernetes would refuse is left out, or the API
 * server would refuse the whole DaemonSet and no tuning would get new agents.
 */
export function agentAffinity(all: readonly NetworkTuning[]): Record<string, unknown> | undefined {
  const tunings = all.filter((t) => selectorProblems(t.spec.nodeSelector).length === 0);
  if (tunings.some((t) => selectorToTerm(t.spec.nodeSelector).matchExpressions.length === 0))
    return undefined;
  const terms = tunings.map((t) => selectorToTerm(t.spec.nodeSelector));
  // A NodeSelector needs at least one term; this one matches no node.
  const nodeSelectorTerms =
    terms.length > 0
      ? terms
      : [{ matchExpressions: [{ key: noTuningsLabel, operator: "Exists" }] }];
  return {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } },
  };
}

/**
 * The agent DaemonSet: privileged with host network and PID namespace
 * (irqbalance detection, and its control socket through /proc/PID/root), the
 * host's /sys, /proc, /etc and /run/nettune
 * mounted, every taint tolerated, system-node-critical.
 */
export function agentDaemonSet(
  settings: AgentSettings,
  tunings: readonly NetworkTuning[],
): Record<string, unknown> {
  const labels = {
    "app.kubernetes.io/name": "nettune",
    "app.kubernetes.io/component": "node-agent",
  };
  const affinity = agentAffinity(tunings);
  // The kubelet probes a host-network pod at the node's address unless told where the agent listens.
  const probeHost = settings.metricsAddress ? { host: settings.metricsAddress } : {};
  const hostPath = (name: string, path: string, type: string): Record<string, unknown> => ({
    name,
    hostPath: { path, type },
  });
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: settings.name,
      namespace: settings.namespace,
      labels,
      ...(settings.owner
        ? {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: "Deployment",
                ...settings.owner,
                blockOwnerDeletion: false,
              },
            ],
          }
        : {}),
    },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: settings.maxUnavailable ?? "10%" },
      },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: settings.serviceAccount,
          ...(settings.imagePullSecrets.length > 0
            ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) }
            : {}),
          hostNetwork: true,
          hostPID: true,
          dnsPolicy: "ClusterFirstWithHostNet",
          priorityClassName: "system-node-critical",
          tolerations: [{ operator: "Exists" }],
          ...(affinity ? { affinity } : {}),
          containers: [
            {
              name: "node-agent",
              image: settings.image,
              imagePullPolicy: settings.imagePullPolicy,
              command: ["nettune-agent"],
              args: [
                "--host-root=/host",
                "--run-dir=/run/nettune",
                `--metrics-port=${settings.metricsPort}`,
                ...(settings.metricsAddress
                  ? [`--metrics-address=${settings.metricsAddress}`]
                  : []),
                ...settings.args,
              ],
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              // The image defaults to an unprivileged user (the operator's); the agent needs root.
              // Nothing in the image is written: the agent's state lives in the host's /run/nettune.
              securityContext: {
                privileged: true,
                runAsUser: 0,
                runAsGroup: 0,
                readOnlyRootFilesystem: true,
              },
              ports: [{ name: "metrics", containerPort: settings.metricsPort }],
              readinessProbe: {
                httpGet: { path: "/readyz", port: settings.metricsPort, ...probeHost },
                periodSeconds: 10,
              },
              livenessProbe: {
                httpGet: { path: "/healthz", port: settings.metricsPort, ...probeHost },
                periodSeconds: 20,
              },
              resources: settings.resources,
              volumeMounts: [
                { name: "host-sys", mountPath: "/host/sys" },
                { name: "host-proc", mountPath: "/host/proc" },
                { name: "host-etc", mountPath: "/host/etc" },
                { name: "run-nettune", mountPath: "/run/nettune" },
              ],
            },
          ],
          volumes: [
            hostPath("host-sys", "/sys", "Directory"),
            hostPath("host-proc", "/proc", "Directory"),
            hostPath("host-etc", "/etc", "Directory"),
            hostPath("run-nettune", "/run/nettune", "DirectoryOrCreate"),
          ],
        },
      },
    },
  };
}
