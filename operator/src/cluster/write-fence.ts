import type {} from "./kube.ts";
import type { OperatorWrites } from "./writes.ts";

/** A write refused because this replica can no longer be sure it leads. */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
}

/**
 * The operator's writes, each refused unless the lease is held: a leader that
 * was paused (a stopped process, a long GC, a partition) past its renew
 * deadline may already have been replaced, and must not write on the view it
 * had before. Checked before every write, so no decision made before the pause
 * reaches the API server after it.
 */
export function fencedWrites(writes: OperatorWrites, holdsLease: () => boolean): OperatorWrites {
  const fence = <A extends unknown[], R>(
    verb: string,
    write: (...args: A) => Promise<R>,
  ): ((...args: A) => Promise<R>) => {
    return (...args: A) => {
      if (!holdsLease())
        return Promise.reject(new NotLeaderError(`${verb}: the lease is not held; not writing`));
      return write(...args);
    };
  };
  return {
    createNodeTuning: fence("create NodeNetworkTuning", (object) =>
      writes.createNodeTuning(object),
    ),
    replaceNodeTuning: fence("replace NodeNetworkTuning", (object) =>
      writes.replaceNodeTuning(object),
    ),
    patchTuningStatus: fence("patch NetworkTuning status", (name, status, version, previous) =>
      writes.patchTuningStatus(name, status, version, previous),
    ),
    setTuningFinalizers: fence("patch NetworkTuning finalizers", (name, finalizers, version) =>
      writes.setTuningFinalizers(name, finalizers, version),
    ),
    applyDaemonSet: fence("apply DaemonSet", (daemonSet) => writes.applyDaemonSet(daemonSet)),
    applyWebhookConfiguration: fence("apply MutatingWebhookConfiguration", (configuration) =>
      writes.applyWebhookConfiguration(configuration),
    ),
    event: fence("create Event", (tuning, type, reason, message) =>
      writes.event(tuning, type, reason, message),
    ),
  };
}
