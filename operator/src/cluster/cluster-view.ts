import { apiVersion } from "../../../api/v1alpha1/identity.ts";
import { degradedMessage, isTrue } from "../../../api/v1alpha1/contract.ts";
import type { KubernetesObject, V1Node } from "@kubernetes/client-node";
import type { NetworkTuning } from "../../../api/v1alpha1/network-tuning.ts";
import type {
  NodeNetworkTuning,
  NodeNetworkTuningSpec,
} from "../../../api/v1alpha1/node-network-tuning.ts";
import type { Informers } from "./kube.ts";
import type { NodeView } from "../rollout/rollout.ts";
import { selectorProblems } from "../../../api/helpers/label-selector.ts";
import { selectorMatches } from "./selector.ts";
import { projectNodeTuning } from "./projections.ts";
import { canonicalJSON } from "../../../common/canonical-json.ts";
import { KubeletNodeCondition } from "../../../api/v1alpha1/reasons.ts";
import { Findings } from "./findings.ts";
import { RevertTracker } from "../status/revert-tracker.ts";

export type Tuning = NetworkTuning & KubernetesObject;
export type NodeTuning = NodeNetworkTuning & KubernetesObject;

/**
 * What the operator knows of the cluster: the informer caches, plus the
 * NodeNetworkTunings it is writing or has written and the caches have not
 * shown yet, so that no decision is made on a state older than its own writes;
 * and what is derived from them that more than one reconciler reads.
 */
export class ClusterView {
  private readonly informers: Informers;
  /** NodeNetworkTunings written but not yet back through the informer, each with the version it replaced. */
  private readonly written = new Map<string, WrittenTuning>();
  /** NodeNetworkTunings being written now, as they will read once written. */
  private readonly writing = new Map<string, NodeTuning>();
  /** Matched node counts by tuning name and generation, between node and tuning events. */
  private readonly matchedCounts = new Map<string, number>();
  /** What the reconcilers found that tuning statuses tell. */
  readonly findings = new Findings();
  /** The nodes each deleted tuning touched, noted as its deletion arrives. */
  readonly reverts = new RevertTracker();

  constructor(informers: Informers) {
    this.informers = informers;
  }

  tunings(): Tuning[] {
    return [...this.informers.tunings.list()];
  }

  /** The tunings not being deleted that the operator can act on (see unusable()). */
  liveTunings(): Tuning[] {
    return this.tunings().filter((t) => !t.metadata.deletionTimestamp && !unusable(t));
  }

  /** A NodeNetworkTuning as it is or will be once this operator's writes land; reading changes nothing. */
  nodeTuning(name: string): NodeTuning | undefined {
    const writing = this.writing.get(name);
    if (writing) return writing;
    const cached = this.informers.nodeTunings.get(name);
    const written = this.written.get(name);
    return written && cacheIsBehind(cached, written) ? written.object : cached;
  }

  /**
   * The informer delivered an event for this NodeNetworkTuning: a write it
   * now covers, or an object now gone, needs keeping no longer.
   */
  observed(name: string, deleted: boolean): void {
    const written = this.written.get(name);
    if (written && (deleted || !cacheIsBehind(this.informers.nodeTunings.get(name), written)))
      this.written.delete(name);
  }

  nodeViews(): NodeView[] {
    return this.informers.nodes
      .list()
      .map((node) => nodeView(node, this.nodeTuning(node.metadata?.name ?? "")));
  }

  /** The nodes a tuning selects; none for a tuning the operator cannot act on. */
  matchedNodes(tuning: NetworkTuning, views: NodeView[]): NodeView[] {
    if (unusable(tuning)) return [];
    return views.filter((view) => selectorMatches(tuning.spec.nodeSelector, view.labels));
  }

  /** Every NodeNetworkTuning as this operator knows it, its own writes in flight included. */
  allNodeTunings(): NodeTuning[] {
    return this.informers.nodeTunings
      .list()
      .map((cached) => this.nodeTuning(cached.metadata.name ?? "") ?? cached);
  }

  /**
   * Notes a deleted tuning's nodes as its deletion arrives, before any node
   * merges without it. `first`: seen first already deleted (see RevertTracker).
   */
  rememberDeletion(tuning: Tuning, first: boolean): void {
    if (tuning.metadata.deletionTimestamp)
      this.reverts.remember(tuning, this.allNodeTunings(), first);
  }

  /** How many nodes a tuning's selector matches, counted once per tuning generation. */
  matchedCount(tuning: Tuning): number {
    const key = `${tuning.metadata.name ?? ""}/${String(tuning.metadata.generation ?? 0)}`;
    let matched = this.matchedCounts.get(key);
    if (matched === undefined) {
      matched = this.informers.nodes
        .list()
        .filter((node) =>
          selectorMatches(tuning.spec.nodeSelector, node.metadata?.labels ?? {}),
        ).length;
      this.matchedCounts.set(key, matched);
    }
    return matched;
  }

  /** Which nodes a tuning matches changes only with nodes and tunings. */
  forgetMatches(): void {
    this.matchedCounts.clear();
  }

  /** A write is under way: decisions see the object as it will be. */
  startWrite(name: string, provisional: NodeTuning): void {
    this.writing.set(name, provisional);
  }

  /** The write ended; with its result when it succeeded. */
  endWrite(name: string, result?: NodeTuning, replaced?: string): void {
    this.writing.delete(name);
    if (result) this.written.set(name, { object: projectNodeTuning(result), replaced });
  }
}

interface WrittenTuning {
  object: NodeTuning;
  /** The resourceVersion the write replaced (its precondition); undefined for a create. */
  replaced: string | undefined;
}

/**
 * Whether the cache still shows the object as it was before the write.
 * resourceVersions are opaque and compared only for equality: every write
 * is guarded by the version it replaced, so no other version lies between
 * that one and the write's own. A cache without the object has not seen the
 * write yet (a deletion is told through observed()).
 */
function cacheIsBehind(cached: NodeTuning | undefined, written: WrittenTuning): boolean {
  return cached === undefined || cached.metadata.resourceVersion === written.replaced;
}

/**
 * Why the operator cannot act on a tuning (a node selector Kubernetes would
 * refuse), or undefined. Such a tuning selects no node, places no agent and
 * says so in its status; every other tuning goes on as if it did not exist.
 */
export function unusable(tuning: NetworkTuning): string | undefined {
  const problems = selectorProblems(tuning.spec.nodeSelector);
  return problems.length === 0 ? undefined : `spec.nodeSelector: ${problems.join("; ")}`;
}

export function newNodeTuning(node: V1Node, spec: NodeNetworkTuningSpec): NodeNetworkTuning {
  const name = node.metadata?.name ?? "";
  return {
    apiVersion,
    kind: "NodeNetworkTuning",
    // Owned by its Node, so the garbage collector removes it with the node.
    metadata: {
      name,
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata?.uid ?? "" }],
    },
    spec,
  };
}

export function nodeView(node: V1Node, nnt: NodeTuning | undefined): NodeView {
  const ready = isTrue(node.status, KubeletNodeCondition.Ready);
  const view: NodeView = {
    name: node.metadata?.name ?? "",
    ready,
    labels: node.metadata?.labels ?? {},
  };
  if (nnt) view.nnt = nnt;
  return view;
}

export function failureMessage(nnt: NodeNetworkTuning | undefined): string {
  return degradedMessage(nnt?.status) ?? "failed";
}

/** Specs compare without key order: what the API server returns is reordered. */
export function sameSpec(a: NodeNetworkTuningSpec, b: NodeNetworkTuningSpec): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}
