/**
 * What the operator's work queue holds: one key per thing to reconcile. A
 * typed union, built and read here only, so that no caller spells a key or
 * splits one.
 */
export type WorkKey =
  `node/${string}` | `tuning/${string}` | "daemonset" | "dns-webhook" | "next-in-line";

/** A key read back: what to reconcile, and for nodes and tunings which one. */
export type Work =
  | { kind: "node"; name: string }
  | { kind: "tuning"; name: string }
  | { kind: "daemonset" | "dns-webhook" | "next-in-line" };

/** The key of a node's NodeNetworkTuning merge. */
export const nodeKey = (name: string): WorkKey => `node/${name}`;

/** The key of a tuning's status, Events and finalizer. */
export const tuningKey = (name: string): WorkKey => `tuning/${name}`;

/** What a key asks for. */
export function workOf(key: WorkKey): Work {
  if (key.startsWith("node/")) return { kind: "node", name: key.slice("node/".length) };
  if (key.startsWith("tuning/")) return { kind: "tuning", name: key.slice("tuning/".length) };
  return { kind: key as "daemonset" | "dns-webhook" | "next-in-line" };
}

/**
 * Work a reconcile makes due, returned to the controller, which alone queues
 * it: now, after the delay that folds a burst of node reports into one status
 * write ("coalesced"), or after a delay of its own.
 */
export interface Requeue {
  key: WorkKey;
  due: "now" | "coalesced" | { afterMs: number };
}

export const requeue = {
  now: (key: WorkKey): Requeue => ({ key, due: "now" }),
  coalesced: (key: WorkKey): Requeue => ({ key, due: "coalesced" }),
  after: (key: WorkKey, afterMs: number): Requeue => ({ key, due: { afterMs } }),
};
