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
 * The nodes a deleted tuning touched, remembered from the moment its deletion is
 * first seen: those are the nodes its finalizer waits for, and the only ones.
 * A node whose NodeNetworkTuning merely lags on another tuning's change does not
 * hold this one's deletion.
 */
export class RevertTracker {
  private readonly touched = new Map<string, Set<string>>();

  /** Whether this is the first look at the tuning's deletion (then Reverting is announced). */
  firstSeen(tuning: Tuning): boolean {
    return !this.touched.has(tuning.metadata.uid ?? tuning.metadata.name ?? "");
  }

  progress(
    tuning: Tuning,
    nodeTunings: readonly NodeTuning[],
    nodeExists: (name: string) => boolean,
  ): RevertProgress {
    const name = tuning.metadata.name ?? "";
    const key = tuning.metadata.uid ?? name;
    const lists = (nnt: NodeTuning): boolean =>
      nnt.spec.sources?.some((s) => s.name === name) ?? false;
    const touched = this.touched.get(key) ?? new Set<string>();
    for (const nnt of nodeTunings) if (lists(nnt)) touched.add(nnt.metadata.name ?? "");
    this.touched.set(key, touched);
    const byName = new Map(nodeTunings.map((nnt) => [nnt.metadata.name ?? "", nnt]));
    const result: RevertProgress = { waiting: [], restored: [], gone: [] };
    for (const node of [...touched].sort()) {
      const nnt = byName.get(node);
      result[nnt && nodeExists(node) ? stateOf(nnt, lists(nnt)) : "gone"].push(node);
    }
    return result;
  }

  /** The deletion is finished: nothing more to remember. */
  forget(tuning: Tuning): void {
    this.touched.delete(tuning.metadata.uid ?? tuning.metadata.name ?? "");
  }
}

/** A node still listing the tuning, or not yet reporting the spec without it, is waiting. */
function stateOf(nnt: NodeTuning, listsTuning: boolean): "waiting" | "restored" {
  return listsTuning || nnt.status?.observedGeneration !== nnt.metadata.generation
    ? "waiting"
    : "restored";
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
