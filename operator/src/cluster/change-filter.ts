import { KubeletNodeCondition } from "../../../api/v1alpha1/reasons.ts";
import { findCondition } from "../../../api/v1alpha1/contract.ts";
import type { V1Node } from "@kubernetes/client-node";
import type { Tuning } from "./cluster-view.ts";

/**
 * Remembers, per object, the part of it that decisions read; an update that
 * leaves that part alone (a tuning's own status write, a kubelet's status
 * refresh of a Node) needs no work beyond the object itself. Without it, every
 * such update re-examined every node: work that grew with the square of the fleet.
 */
export class ChangeFilter<T> {
  private readonly last = new Map<string, string>();
  private readonly fingerprint: (object: T) => string;

  constructor(fingerprint: (object: T) => string) {
    this.fingerprint = fingerprint;
  }

  /** Whether `object` differs from the last version seen under `name` in what decisions read. */
  changed(name: string, object: T): boolean {
    const print = this.fingerprint(object);
    if (this.last.get(name) === print) return false;
    this.last.set(name, print);
    return true;
  }

  forget(name: string): void {
    this.last.delete(name);
  }
}

/** What of a tuning decides where it goes and how: its spec (by generation), deletion and finalizers. */
export function tuningFingerprint(tuning: Tuning): string {
  const { uid, generation, deletionTimestamp, finalizers } = tuning.metadata;
  return JSON.stringify([uid, generation, deletionTimestamp ?? null, finalizers ?? []]);
}

/** What of a Node the operator decides on: which tunings match it and whether it is Ready. */
export function nodeFingerprint(node: V1Node): string {
  const labels = Object.entries(node.metadata?.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const ready = findCondition(node.status, KubeletNodeCondition.Ready)?.status ?? "";
  return JSON.stringify([node.metadata?.uid, labels, ready]);
}
