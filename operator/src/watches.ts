import type { KubernetesObject } from "@kubernetes/client-node";
import { ChangeFilter, nodeFingerprint, tuningFingerprint } from "./cluster/change-filter.ts";
import type { ClusterView, NodeTuning, Tuning } from "./cluster/cluster-view.ts";
import type { Informers, Watched } from "./cluster/kube.ts";
import { nodeKey, requeue, tuningKey, type Requeue } from "./work-keys.ts";

type Verb = "add" | "update" | "delete";

const nameOf = (object: KubernetesObject): string => object.metadata?.name ?? "";

/** One row of the table: an informer's events, and the work each makes due. */
export interface Watch {
  /** For people: which informer and what it means. */
  name: string;
  attach(sink: (work: Requeue[]) => void): void;
}

function watch<T extends KubernetesObject>(
  name: string,
  informer: Watched<T>,
  verbs: readonly Verb[],
  map: (object: T, verb: Verb) => Requeue[],
): Watch {
  return {
    name,
    attach: (sink) => {
      for (const verb of verbs)
        informer.on(verb, (object) => {
          sink(map(object, verb));
        });
    },
  };
}

/**
 * What every informer event can affect, as a table of (informer, change
 * filter, map to work keys). Only the map decides: no reconciler is called.
 */
export function watches(informers: Informers, view: ClusterView): Watch[] {
  const { tunings, nodes, nodeTunings } = informers;
  const tuningChanges = new ChangeFilter(tuningFingerprint);
  const nodeChanges = new ChangeFilter(nodeFingerprint);
  const reportSources = new Map<string, string[]>();

  // A tuning's spec, deletion or finalizers can change what every node should have.
  const everything = (): Requeue[] => allWork(informers, view);
  // A node's labels or readiness change what matches it, the tunings' counts and budgets.
  const nodeChanged = (name: string): Requeue[] => {
    view.forgetMatches();
    return [requeue.now(nodeKey(name)), requeue.now("next-in-line"), ...statuses(tunings.list())];
  };
  // A report touches the tunings merged into it, before and after, and those being deleted.
  const reportArrived = (object: NodeTuning, verb: Verb): Requeue[] => {
    const name = nameOf(object);
    view.observed(name, verb === "delete");
    const before = reportSources.get(name) ?? [];
    const after = verb === "delete" ? [] : (object.spec.sources ?? []).map((s) => s.name);
    if (verb === "delete") reportSources.delete(name);
    else reportSources.set(name, after);
    const touched = new Set([...before, ...after]);
    const told = tunings
      .list()
      .filter((t) => touched.has(nameOf(t)) || t.metadata.deletionTimestamp);
    // A report may free a slot of the rollout budget: the nodes next in line may take it.
    const reported = object.status?.observedGeneration === object.metadata.generation;
    return [
      requeue.now(nodeKey(name)),
      ...(reported ? [requeue.now("next-in-line")] : []),
      ...statuses(told),
    ];
  };

  return [
    // A deletion's touched nodes are noted as it arrives, before any node is merged without it.
    watch("tunings: deletions noted", tunings, ["add", "update"], (tuning, verb) => {
      view.rememberDeletion(tuning, verb === "add");
      return [];
    }),
    watch("tunings: spec changes", tunings, ["add", "update"], (tuning) =>
      // A status-only update (its own write, or another replica's) is checked against the view.
      tuningChanges.changed(nameOf(tuning), tuning) ? everything() : statuses([tuning]),
    ),
    watch("tunings: deletions", tunings, ["delete"], (tuning) => {
      tuningChanges.forget(nameOf(tuning));
      return everything();
    }),
    watch("nodes: labels and readiness", nodes, ["add", "update"], (node) =>
      nodeChanges.changed(nameOf(node), node) ? nodeChanged(nameOf(node)) : [],
    ),
    watch("nodes: deletions", nodes, ["delete"], (node) => {
      nodeChanges.forget(nameOf(node));
      return nodeChanged(nameOf(node));
    }),
    watch("node tunings: reports", nodeTunings, ["add", "update", "delete"], reportArrived),
  ];
}

/** Every key there is: what a change to any tuning, or a new leader, must look at. */
export function allWork(informers: Informers, view: ClusterView): Requeue[] {
  view.forgetMatches();
  return [
    requeue.now("daemonset"),
    requeue.now("dns-webhook"),
    ...informers.nodes.list().map((node) => requeue.now(nodeKey(nameOf(node)))),
    ...informers.tunings.list().map((tuning) => requeue.now(tuningKey(nameOf(tuning)))),
  ];
}

/** Tuning statuses, folded: reports arrive in bursts and one status write covers a burst. */
function statuses(tunings: readonly Tuning[]): Requeue[] {
  return tunings.map((tuning) => requeue.coalesced(tuningKey(nameOf(tuning))));
}
