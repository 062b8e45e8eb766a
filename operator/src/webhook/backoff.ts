// Tries an action until it succeeds or is stopped, waiting longer after each
// failure: how the DNS webhook waits for its Secret (CertKeeper) and its port.
import { setTimeout as sleep } from "node:timers/promises";

/** The waits the webhook's tries share: 1 s, doubling up to a minute. */
export const retryDelays = { firstDelayMs: 1_000, maxDelayMs: 60_000 };

export interface BackoffOptions {
  /** The wait after the first failure; each next one doubles, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Aborting it ends the waiting and the tries. */
  signal: AbortSignal;
  /** Each failure, before the wait that follows it. */
  failed: (error: unknown) => void;
}

/** The action's result, or undefined when stopped first. */
export async function untilDone<T>(
  action: () => Promise<T>,
  options: BackoffOptions,
): Promise<T | undefined> {
  for (
    let delay = options.firstDelayMs;
    !options.signal.aborted;
    delay = Math.min(delay * 2, options.maxDelayMs)
  ) {
    try {
      return await action();
    } catch (error) {
      options.failed(error);
      // The wait only rejects when the signal aborts it: stopped.
      const waited = await sleep(delay, true, { signal: options.signal }).catch(() => false);
      if (!waited) return undefined;
    }
  }
  return undefined;
}
