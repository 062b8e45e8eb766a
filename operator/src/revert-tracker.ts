import type { NetworkTuning as Tuning } from "../../api/v1alpha1/network-tuning.ts";
import type { NodeNetworkTuning as NodeTuning } from "../../api/v1alpha1/node-network-tuning.ts";

/** Where a deleted tuning's revert stands, node by node. */
export interface RevertProgress {
  /** Nodes still to drop the tuning from their spec, or to report the spec without it. */
  waiting: string[];
  /** Nodes that reported the spec without the tuning: their values are restored. */
  restored: string[];
  /** Nodes the tuning touched whose Node went away before they reported. */
  gone: string[];
}

/**
 * The nodes a deleted tuning touched, remembered the moment its deletion arrives
 * (before any node is merged without it): those are the nodes its finalizer waits
 * for, and the only ones. A node whose NodeNetworkTuning merely lags on another
 * tuning's change does not hold this one's deletion.
 */
export class RevertTracker {
  private readonly touched = new Map<string, Set<string>>();
  private readonly announced = new Set<string>();

  /**
   * Notes the nodes whose spec lists the deleted tuning now. `unknownPast`: the
   * deletion was already under way when first seen (an operator that just
   * started), so nodes that dropped it but have not reported may be among the
   * touched ones, and every lagging node is counted too.
   */
  remember(tuning: Tuning, nodeTunings: readonly NodeTuning[], unknownPast: boolean): void {
    const key = keyOf(tuning);
    if (this.touched.has(key)) return;
    const name = tuning.metadata.name ?? "";
    const touched = nodeTunings.filter(
      (nnt) => listsTuning(nnt, name) || (unknownPast && lagging(nnt)),
    );
    this.touched.set(key, new Set(touched.map((nnt) => nnt.metadata.name ?? "")));
  }

  /** True once per deletion: the first time it is asked, when Reverting is announced. */
  announce(tuning: Tuning): boolean {
    const key = keyOf(tuning);
    if (this.announced.has(key)) return false;
    this.announced.add(key);
    return true;
  }

  progress(
    tuning: Tuning,
    nodeTunings: readonly NodeTuning[],
    nodeExists: (name: string) => boolean,
  ): RevertProgress {
    const name = tuning.metadata.name ?? "";
    this.remember(tuning, nodeTunings, true);
    const touched = this.touched.get(keyOf(tuning)) ?? new Set<string>();
    for (const nnt of nodeTunings) if (listsTuning(nnt, name)) touched.add(nnt.metadata.name ?? "");
    const byName = new Map(nodeTunings.map((nnt) => [nnt.metadata.name ?? "", nnt]));
    const result: RevertProgress = { waiting: [], restored: [], gone: [] };
    for (const node of [...touched].sort()) {
      const nnt = byName.get(node);
      result[nnt && nodeExists(node) ? stateOf(nnt, listsTuning(nnt, name)) : "gone"].push(node);
    }
    return result;
  }

  /** The deletion is finished: nothing more to remember. */
  forget(tuning: Tuning): void {
    this.touched.delete(keyOf(tuning));
    this.announced.delete(keyOf(tuning));
  }
}

const keyOf = (tuning: Tuning): string => tuning.metadata.uid ?? tuning.metadata.name ?? "";

const listsTuning = (nnt: NodeTuning, name: string): boolean =>
  nnt.spec.sources?.some((s) => s.name === name) ?? false;

const lagging = (nnt: NodeTuning): boolean =>
  nnt.status?.observedGeneration !== nnt.metadata.generation;

/** A node still listing the tuning, or not yet reporting the spec without it, is waiting. */
function stateOf(nnt: NodeTuning, lists: boolean): "waiting" | "restored" {
  return lists || lagging(nnt) ? "waiting" : "restored";
}

const listed = (names: string[], most = 10): string =>
  names.slice(0, most).join(", ") + (names.length > most ? ` and ${names.length - most} more` : "");

export function revertingMessage(progress: RevertProgress): string {
  return `waiting for ${progress.waiting.length} node(s) to restore their original values: ${listed(progress.waiting)}`;
}

export function revertedMessage(progress: RevertProgress): string {
  const restored =
    progress.restored.length > 0
      ? `${progress.restored.length} node(s) restored their original values: ${listed(progress.restored)}`
      : "no node had values of it to restore";
  const gone =
    progress.gone.length > 0
      ? `; ${progress.gone.length} node(s) went away before restoring theirs (NetTune did not restore them): ${listed(progress.gone)}`
      : "";
  return restored + gone;
}
