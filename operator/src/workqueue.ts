import { Backoff } from "../../common/backoff.ts";

/**
 * A keyed work queue: a key waits at most once however often it is added,
 * is never processed by two workers at once (added again while in process,
 * it runs once more after), and failures come back with per-key backoff.
 */
export class WorkQueue<Key extends string = string> {
  private readonly queue: Key[] = [];
  private readonly queued = new Set<Key>();
  private readonly processing = new Set<Key>();
  private readonly dirty = new Set<Key>();
  private readonly failures = new Map<Key, Backoff>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly delayed = new Set<Key>();
  private waiters: (() => void)[] = [];
  private shuttingDown = false;

  get depth(): number {
    return this.queue.length;
  }

  add(key: Key): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.waiters.shift()?.();
  }

  /**
   * Adds the key after a delay, once: more calls before it fires fold into
   * it. Coalesces bursts, such as one status update per node of a rollout.
   */
  addAfter(key: Key, delayMs: number): void {
    if (this.shuttingDown || this.delayed.has(key)) return;
    this.delayed.add(key);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Adds the key again after its next backoff delay. */
  retry(key: Key): void {
    let backoff = this.failures.get(key);
    if (!backoff) {
      backoff = new Backoff(200, 60_000);
      this.failures.set(key, backoff);
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, backoff.next());
    this.timers.add(timer);
  }

  forget(key: Key): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once shut down and drained. */
  async next(): Promise<Key | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.queued.delete(key);
    this.processing.add(key);
    return key;
  }

  done(key: Key): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stops intake; workers finish what they hold and then get undefined. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.queue.length = 0;
    this.queued.clear();
    for (const wake of this.waiters) wake();
    this.waiters = [];
  }
}
