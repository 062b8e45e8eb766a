import { Annotation } from "../../../api/v1alpha1/identity.ts";
import type { NetworkTuning as Tuning } from "../../../api/v1alpha1/network-tuning.ts";
import { findCondition } from "../../../api/v1alpha1/contract.ts";
import type { NodeNetworkTuning as NodeTuning } from "../../../api/v1alpha1/node-network-tuning.ts";
import { NodeConditionReason, NodeConditionType } from "../../../api/v1alpha1/reasons.ts";

/** Where a deleted tuning's revert stands, node by node. */
export interface RevertProgress {
  /** Nodes still to drop the tuning from their spec, or to report the spec without it. */
  waiting: string[];
  /** Nodes that reported the spec without the tuning and every original back. */
  restored: string[];
  /**
   * Nodes that reported the spec without the tuning but could not restore
   * some originals, with their agent's words: the finalizer stays for them.
   */
  failed: { node: string; message: string }[];
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

  /**
   * `selected`: the nodes the deleted tuning's selector matches now. One of
   * them that reports originals it could not restore holds the deletion too,
   * though this replica never saw the tuning on it: a leader that took over
   * after the spec was merged without it remembers nothing, and which tuning
   * a value came from is not in the node's report.
   */
  progress(
    tuning: Tuning,
    nodeTunings: readonly NodeTuning[],
    nodeExists: (name: string) => boolean,
    selected: ReadonlySet<string> = new Set(),
  ): RevertProgress {
    const name = tuning.metadata.name ?? "";
    const touched = this.touchedNow(tuning, nodeTunings, selected);
    const byName = new Map(nodeTunings.map((nnt) => [nnt.metadata.name ?? "", nnt]));
    const result: RevertProgress = { waiting: [], restored: [], failed: [], gone: [] };
    for (const node of [...touched].sort()) {
      const nnt = byName.get(node);
      const state = nnt && nodeExists(node) ? revertState(nnt, name) : ("gone" as const);
      if (typeof state === "string") result[state].push(node);
      else result.failed.push({ node, message: state.failed });
    }
    return result;
  }

  /** The nodes remembered, those listing the tuning now, and the selected ones reporting a failed restore. */
  private touchedNow(
    tuning: Tuning,
    nodeTunings: readonly NodeTuning[],
    selected: ReadonlySet<string>,
  ): Set<string> {
    const name = tuning.metadata.name ?? "";
    this.remember(tuning, nodeTunings, true);
    const touched = this.touched.get(keyOf(tuning)) ?? new Set<string>();
    for (const nnt of nodeTunings) {
      const node = nnt.metadata.name ?? "";
      if (listsTuning(nnt, name) || (selected.has(node) && revertFailure(nnt) !== undefined))
        touched.add(node);
    }
    return touched;
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

/** Where one touched node stands: still to report, restored, or what it could not restore. */
function revertState(nnt: NodeTuning, tuning: string): "waiting" | "restored" | { failed: string } {
  if (listsTuning(nnt, tuning) || lagging(nnt)) return "waiting";
  const unrestored = revertFailure(nnt);
  return unrestored === undefined ? "restored" : { failed: unrestored };
}

/** The agent's words when it reported originals it could not restore; a node counts as restored only without them. */
function revertFailure(nnt: NodeTuning): string | undefined {
  const degraded = findCondition(nnt.status, NodeConditionType.Degraded);
  return degraded?.status === "True" && degraded.reason === NodeConditionReason.RevertFailed
    ? degraded.message
    : undefined;
}

const listed = (names: string[], most = 10): string =>
  names.slice(0, most).join(", ") + (names.length > most ? ` and ${names.length - most} more` : "");

export function revertingMessage(progress: RevertProgress): string {
  return `waiting for ${progress.waiting.length} node(s) to restore their original values: ${listed(progress.waiting)}`;
}

export function revertFailedMessage(progress: RevertProgress): string {
  const named = progress.failed
    .slice(0, 5)
    .map(({ node, message }) => `${node} (${message})`)
    .join("; ");
  return `${progress.failed.length} node(s) could not restore their original values, so the tuning is kept until they do: ${named}; annotate the tuning ${Annotation.AbandonRevert}=true to let go and leave those values in place`;
}

export function abandonedMessage(progress: RevertProgress): string {
  return `let go by ${Annotation.AbandonRevert}: ${progress.failed.length} node(s) keep values this tuning set: ${listed(progress.failed.map((f) => f.node))}`;
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
