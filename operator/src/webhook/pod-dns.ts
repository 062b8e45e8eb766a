import { Annotation } from "../../../api/v1alpha1/identity.ts";
// What the DNS webhook does to one pod for one tuning: pure, from the pod as
// the API server sends it and the tuning's dns.pods.
import type { PodDNSTuning } from "../../../api/v1alpha1/dns.ts";

export const optOutAnnotation = Annotation.DNSOptOut;
export const recordAnnotation = Annotation.DNSInjected;

export interface PodOption {
  name: string;
  value?: string;
}

/** The parts of a pod the decision reads. */
export interface PodView {
  metadata?: { annotations?: Record<string, string> };
  spec?: {
    dnsPolicy?: string;
    hostNetwork?: boolean;
    dnsConfig?: { options?: PodOption[] };
  };
}

export type JSONPatchOp = { op: "add" | "replace"; path: string; value: unknown };

export type PodDNSDecision =
  | { action: "inject"; added: PodOption[]; patch: JSONPatchOp[]; record: string }
  | { action: "leave"; why: string };

/** The resolver options a tuning asks for, in resolv.conf order. */
export function desiredPodOptions(dns: PodDNSTuning): PodOption[] {
  const options: PodOption[] = [];
  if (dns.singleRequest) options.push({ name: dns.singleRequest });
  if (dns.useVC) options.push({ name: "use-vc" });
  if (dns.timeout !== undefined) options.push({ name: "timeout", value: String(dns.timeout) });
  if (dns.attempts !== undefined) options.push({ name: "attempts", value: String(dns.attempts) });
  if (dns.ndots !== undefined) options.push({ name: "ndots", value: String(dns.ndots) });
  return options;
}

/** single-request and single-request-reopen are one choice: a pod holding either keeps it. */
function family(name: string): string {
  return name.startsWith("single-request") ? "single-request" : name;
}

/** Whether the kubelet builds the pod's resolv.conf from the cluster DNS (where the options matter). */
function usesClusterDNS(spec: NonNullable<PodView["spec"]>): boolean {
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  if (policy === "ClusterFirstWithHostNet") return true;
  // A hostNetwork pod with ClusterFirst falls back to the node's resolv.conf.
  return policy === "ClusterFirst" && spec.hostNetwork !== true;
}

function describe(options: readonly PodOption[]): string {
  return options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(" ");
}

/**
 * Adds the tuning's options the pod does not set itself. Earlier webhooks
 * (higher-priority tunings) have run already, so what they added is kept too:
 * that is the priority merge. The record annotation lists each tuning's part.
 */
export function planPodDNS(pod: PodView, tuning: string, dns: PodDNSTuning): PodDNSDecision {
  const annotations = pod.metadata?.annotations;
  if (annotations?.[optOutAnnotation] === "disabled")
    return { action: "leave", why: `annotation ${optOutAnnotation}=disabled` };
  const spec = pod.spec ?? {};
  if (!usesClusterDNS(spec))
    return {
      action: "leave",
      why: `dnsPolicy ${spec.dnsPolicy ?? "ClusterFirst"} uses the node's resolver`,
    };
  const present = new Set((spec.dnsConfig?.options ?? []).map((o) => family(o.name)));
  const added = desiredPodOptions(dns).filter((o) => !present.has(family(o.name)));
  if (added.length === 0) return { action: "leave", why: "the pod already sets every option" };
  const earlier = annotations?.[recordAnnotation];
  const record = `${earlier === undefined ? "" : `${earlier}; `}${tuning}: ${describe(added)}`;
  return {
    action: "inject",
    added,
    patch: [...optionsPatch(spec.dnsConfig, added), recordPatch(annotations, earlier, record)],
    record,
  };
}

/** The patch that adds `added` to the pod as the API server sent it, and sets the record. */
export function podDNSPatch(pod: PodView, added: PodOption[], record: string): JSONPatchOp[] {
  const annotations = pod.metadata?.annotations;
  return [
    ...optionsPatch(pod.spec?.dnsConfig, added),
    recordPatch(annotations, annotations?.[recordAnnotation], record),
  ];
}

function optionsPatch(
  dnsConfig: { options?: PodOption[] } | undefined,
  added: PodOption[],
): JSONPatchOp[] {
  if (!dnsConfig) return [{ op: "add", path: "/spec/dnsConfig", value: { options: added } }];
  if (!dnsConfig.options) return [{ op: "add", path: "/spec/dnsConfig/options", value: added }];
  return added.map((option) => ({ op: "add", path: "/spec/dnsConfig/options/-", value: option }));
}

function recordPatch(
  annotations: Record<string, string> | undefined,
  earlier: string | undefined,
  record: string,
): JSONPatchOp {
  if (!annotations)
    return { op: "add", path: "/metadata/annotations", value: { [recordAnnotation]: record } };
  // JSON Pointer escapes "/" in the key as "~1".
  const path = `/metadata/annotations/${recordAnnotation.replace("/", "~1")}`;
  return { op: earlier === undefined ? "add" : "replace", path, value: record };
}
