// The one DNS webhook's decision for a pod: every tuning with dns.pods whose
// namespace and pod selectors match, in precedence order, each adding the
// options not yet there. Pure: the pod, its namespace's labels, the tunings.
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import { selectorMatches } from "../cluster/selector.ts";
import {
  planPodDNS,
  podDNSPatch,
  recordAnnotation,
  type JSONPatchOp,
  type PodOption,
  type PodView,
} from "./pod-dns.ts";

export interface MergedPodDNS {
  /** Empty when nothing is to change. */
  patch: JSONPatchOp[];
  /** The tunings that added options, in precedence order. */
  contributed: string[];
  /** Why nothing was added, when nothing was. */
  why?: string;
}

/** `tunings` in precedence order (registration.ts podDNSTunings). */
export function planMergedPodDNS(
  pod: PodView & { metadata?: { labels?: Record<string, string> } },
  namespaceLabels: Record<string, string>,
  tunings: readonly NetworkTuning[],
): MergedPodDNS {
  let current: PodView = pod;
  const added: PodOption[] = [];
  const contributed: string[] = [];
  let record: string | undefined;
  let why = "no tuning's dns.pods selects this pod";
  for (const tuning of tunings) {
    const pods = tuning.spec.dns?.pods;
    if (pods === undefined) continue;
    if (!selectorMatches(pods.namespaceSelector, namespaceLabels)) continue;
    if (!selectorMatches(pods.podSelector, pod.metadata?.labels)) continue;
    const name = tuning.metadata.name ?? "";
    const decision = planPodDNS(current, name, pods);
    if (decision.action === "leave") {
      why = decision.why;
      continue;
    }
    added.push(...decision.added);
    contributed.push(name);
    record = decision.record;
    current = withOptions(current, decision.added, decision.record);
  }
  if (record === undefined) return { patch: [], contributed, why };
  return { patch: podDNSPatch(pod, added, record), contributed };
}

/** The pod as the next tuning sees it: the options and the record added so far. */
function withOptions(pod: PodView, added: PodOption[], record: string): PodView {
  const options = [...(pod.spec?.dnsConfig?.options ?? []), ...added];
  return {
    metadata: {
      annotations: { ...pod.metadata?.annotations, [recordAnnotation]: record },
    },
    spec: { ...pod.spec, dnsConfig: { ...pod.spec?.dnsConfig, options } },
  };
}
