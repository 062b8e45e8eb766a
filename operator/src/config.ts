// The operator's configuration from its flags and the downward API.
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { FlagError, integerFlag, portFlag } from "../../common/flags.ts";
import type { AgentSettings } from "./agents/daemonset.ts";
import type { WebhookEndpoint } from "./webhook/registration.ts";

export interface OperatorConfig {
  namespace: string;
  identity: string;
  metricsPort: number;
  workers: number;
  /** The Deployment that owns the agent DaemonSet (--owner-deployment); none when empty. */
  ownerDeployment: string;
  leaseSeconds: number;
  agent: AgentSettings;
  /** The DNS webhook; undefined when --webhook-port is 0. */
  webhook?: WebhookSettings;
}

export interface WebhookSettings {
  port: number;
  endpoint: WebhookEndpoint;
  secretName: string;
  /** Names and addresses the serving certificate is valid for. */
  hosts: string[];
  caSeconds: number;
  servingSeconds: number;
  checkEveryMs: number;
  /** Namespaces the webhook never sees, beside kube-system, kube-node-lease and kube-public. */
  excludeNamespaces: string[];
}

export function configFrom(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      namespace: { type: "string" },
      identity: { type: "string" },
      "metrics-port": { type: "string", default: "8080" },
      workers: { type: "string", default: "4" },
      "lease-seconds": { type: "string", default: "15" },
      "agent-image": { type: "string", default: "ghcr.io/nettune/nettune:0.2.0" },
      "agent-image-pull-policy": { type: "string", default: "IfNotPresent" },
      "agent-image-pull-secret": { type: "string", multiple: true, default: [] },
      "agent-service-account": { type: "string", default: "nettune-agent" },
      "agent-resources": {
        type: "string",
        default: '{"requests":{"cpu":"10m","memory":"96Mi"},"limits":{"memory":"192Mi"}}',
      },
      "agent-arg": { type: "string", multiple: true, default: [] },
      "agent-metrics-address": { type: "string", default: "" },
      "agent-max-unavailable": { type: "string", default: "10%" },
      "owner-deployment": { type: "string", default: "" },
      "webhook-port": { type: "string", default: "9443" },
      "webhook-service": { type: "string", default: "nettune-operator-webhook" },
      "webhook-url": { type: "string" },
      "webhook-secret": { type: "string", default: "nettune-operator-webhook-tls" },
      "webhook-host": { type: "string", multiple: true, default: [] },
      "webhook-exclude-namespace": { type: "string", multiple: true, default: [] },
      "webhook-ca-days": { type: "string", default: "3650" },
      "webhook-cert-seconds": { type: "string", default: String(90 * 24 * 3600) },
      "webhook-check-seconds": { type: "string", default: "300" },
    },
  });
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? "nettune-system";
  return {
    namespace,
    identity: values.identity ?? env.POD_NAME ?? `${hostname()}-${process.pid}`,
    // 0: the kernel picks a free port (tests run many on one machine).
    metricsPort: portFlag("metrics-port", values["metrics-port"], true),
    workers: integerFlag("workers", values.workers, 1, 256),
    ownerDeployment: values["owner-deployment"],
    leaseSeconds: integerFlag("lease-seconds", values["lease-seconds"], 3),
    agent: {
      namespace,
      name: "nettune-agent",
      image: values["agent-image"],
      imagePullPolicy: pullPolicy(values["agent-image-pull-policy"]),
      imagePullSecrets: values["agent-image-pull-secret"],
      serviceAccount: values["agent-service-account"],
      resources: agentResources(values["agent-resources"]),
      metricsPort: 9464,
      metricsAddress: values["agent-metrics-address"],
      maxUnavailable: maxUnavailable(values["agent-max-unavailable"]),
      args: values["agent-arg"],
    },
    ...webhookFrom(values, namespace),
  };
}

/** How many nodes' agents the DaemonSet replaces at once: a count, or a percentage of the nodes. */
function maxUnavailable(value: string): number | string {
  if (/^([1-9][0-9]?|100)%$/.test(value)) return value;
  if (/^[1-9][0-9]{0,5}$/.test(value)) return Number(value);
  throw new FlagError(
    `--agent-max-unavailable: ${value} is neither a count of at least 1 nor a percentage from 1% to 100%`,
  );
}

function agentResources(json: string): AgentSettings["resources"] {
  try {
    const parsed = JSON.parse(json) as Partial<AgentSettings["resources"]>;
    return { requests: parsed.requests ?? {}, limits: parsed.limits ?? {} };
  } catch (error) {
    throw new Error(`--agent-resources: not JSON: ${json}`, { cause: error });
  }
}

function pullPolicy(value: string): AgentSettings["imagePullPolicy"] {
  if (value === "Always" || value === "IfNotPresent" || value === "Never") return value;
  throw new Error(`--agent-image-pull-policy: ${value} is not Always, IfNotPresent or Never`);
}

function webhookFrom(
  values: Record<string, string | string[] | undefined>,
  namespace: string,
): { webhook?: WebhookSettings } {
  const text = (key: string): string => {
    const value = values[key];
    return typeof value === "string" ? value : "";
  };
  const port = portFlag("webhook-port", text("webhook-port"), true);
  if (port === 0) return {};
  const service = text("webhook-service");
  const url = text("webhook-url");
  const serviceHosts = [service, `${service}.${namespace}`, `${service}.${namespace}.svc`];
  const extra = values["webhook-host"];
  return {
    webhook: {
      port,
      endpoint: url ? { url } : { service: { namespace, name: service, port: 443 } },
      secretName: text("webhook-secret"),
      hosts: [
        ...(url ? [new URL(url).hostname] : serviceHosts),
        ...(Array.isArray(extra) ? extra : []),
      ],
      caSeconds: positive("webhook-ca-days", text("webhook-ca-days")) * 24 * 3600,
      servingSeconds: positive("webhook-cert-seconds", text("webhook-cert-seconds")),
      checkEveryMs: positive("webhook-check-seconds", text("webhook-check-seconds")) * 1000,
      // The operator's own namespace is always left out: its pods must start whatever it does.
      excludeNamespaces: [
        namespace,
        ...(Array.isArray(values["webhook-exclude-namespace"])
          ? values["webhook-exclude-namespace"]
          : []),
      ],
    },
  };
}

function positive(flag: string, value: string): number {
  return integerFlag(flag, value, 1);
}
